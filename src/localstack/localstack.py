#!/usr/bin/env python3
"""Local ClickHouse + S3 stack for clickhouse-migrator tests, without any server package.

* ClickHouse: libchdb.so (ClickHouse 26.7 as a library, npm package
  @chdb/lib-linux-x64-gnu), loaded through ctypes, fronted by a minimal
  ClickHouse HTTP interface good enough for com.clickhouse:clickhouse-jdbc.
* S3: S3Proxy (filesystem blob store, no auth) as a child process; the
  ClickHouse config (src/compose/clickhouse/storage.xml) defines an `s3` disk
  on it through the S3_ENDPOINT / S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY env.

Python 3 standard library only.  See README.md next to this file.
"""

import argparse
import base64
import ctypes
import fcntl
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHDB_PACKAGE = "@chdb/lib-linux-x64-gnu"
CHDB_VERSION = "26.7.3-stable.1"
BUCKET = "clickhouse"
S3_KEY = "local"
SERVER_NAME = "localstack"
APPEND_CHUNK = 1 << 20  # coalesce request-body pieces to ~1 MiB per chdb_stream_append

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CONFIG = os.path.normpath(os.path.join(SCRIPT_DIR, "..", "compose", "clickhouse", "storage.xml"))


def log(msg):
    sys.stderr.write("localstack: %s\n" % msg)
    sys.stderr.flush()


# --------------------------------------------------------------------------- libchdb cache

def cache_root():
    root = os.environ.get("CLICKHOUSE_MIGRATOR_CACHE")
    if not root:
        root = os.path.join(os.path.expanduser("~"), ".cache", "clickhouse-migrator")
    return root


def ensure_libchdb():
    """Return the path of the cached libchdb.so, fetching it with `npm pack` if missing."""
    target_dir = os.path.join(cache_root(), "chdb", CHDB_VERSION)
    target = os.path.join(target_dir, "libchdb.so")
    if os.path.isfile(target):
        return target
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise RuntimeError("%s only exists for linux x86_64 (this is %s %s)"
                           % (CHDB_PACKAGE, sys.platform, platform.machine()))
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("libchdb.so is not cached at %s and npm is not on PATH" % target)
    os.makedirs(target_dir, exist_ok=True)
    # Work inside the target dir so the final rename is on one filesystem (atomic).
    tmp = tempfile.mkdtemp(prefix=".fetch-", dir=target_dir)
    try:
        spec = "%s@%s" % (CHDB_PACKAGE, CHDB_VERSION)
        log("fetching %s with npm pack (~180 MB download, 566 MB unpacked) into %s" % (spec, target_dir))
        # npm's stdout goes to our stderr: stdout is reserved for the ready line.
        subprocess.run([npm, "pack", spec, "--pack-destination", tmp, "--loglevel", "warn"],
                       cwd=tmp, stdout=sys.stderr, check=True)
        tgzs = [f for f in os.listdir(tmp) if f.endswith(".tgz")]
        if len(tgzs) != 1:
            raise RuntimeError("npm pack produced %r" % tgzs)
        log("extracting libchdb.so")
        part = os.path.join(tmp, "libchdb.so")
        with tarfile.open(os.path.join(tmp, tgzs[0]), "r:gz") as tar:
            member = tar.getmember("package/libchdb.so")
            src = tar.extractfile(member)
            with open(part, "wb") as out:
                shutil.copyfileobj(src, out, 4 << 20)
                out.flush()
                os.fsync(out.fileno())
            if os.path.getsize(part) != member.size:
                raise RuntimeError("short extraction of libchdb.so")
        os.chmod(part, 0o755)
        os.replace(part, target)  # atomic; a racing process just replaces it with the same bytes
        log("cached %s" % target)
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- chdb binding

class Result:
    __slots__ = ("error", "data", "rows_written", "bytes_written", "result_rows", "result_bytes",
                 "read_rows", "read_bytes", "elapsed")

    def __init__(self, error=None, data=b""):
        self.error = error
        self.data = data
        self.rows_written = self.bytes_written = self.result_rows = self.result_bytes = 0
        self.read_rows = self.read_bytes = 0
        self.elapsed = 0.0


class Chdb:
    """One chdb connection; every call is serialized by self.lock."""

    def __init__(self, libpath, argv):
        V, S, C, U64 = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_uint64
        lib = ctypes.CDLL(libpath)
        proto = {
            "chdb_version": (C, []),
            "chdb_set_signal_handlers_enabled": (None, [ctypes.c_int]),
            "chdb_connect": (V, [ctypes.c_int, ctypes.POINTER(C)]),
            "chdb_close_conn": (None, [V]),
            "chdb_shutdown": (ctypes.c_int, []),
            "chdb_query_n": (V, [V, C, S, C, S]),
            "chdb_query_with_params_n": (V, [V, C, S, C, S, ctypes.POINTER(C), ctypes.POINTER(S),
                                             ctypes.POINTER(C), ctypes.POINTER(S), S]),
            "chdb_destroy_query_result": (None, [V]),
            "chdb_result_buffer": (V, [V]),
            "chdb_result_length": (S, [V]),
            "chdb_result_error": (C, [V]),
            "chdb_result_elapsed": (ctypes.c_double, [V]),
            "chdb_result_rows_read": (U64, [V]),
            "chdb_result_bytes_read": (U64, [V]),
            "chdb_result_storage_rows_read": (U64, [V]),
            "chdb_result_storage_bytes_read": (U64, [V]),
            "chdb_result_rows_written": (U64, [V]),
            "chdb_result_bytes_written": (U64, [V]),
            "chdb_stream_insert_n": (V, [V, C, S, C, S]),
            "chdb_stream_insert_with_params_n": (V, [V, C, S, C, S, ctypes.POINTER(C), ctypes.POINTER(S),
                                                     ctypes.POINTER(C), ctypes.POINTER(S), S]),
            "chdb_stream_append": (ctypes.c_int, [V, C, S]),
            "chdb_stream_done": (V, [V]),
            "chdb_stream_cancel_insert": (None, [V]),
            "chdb_stream_insert_error": (C, [V]),
            "chdb_destroy_insert_stream": (None, [V]),
        }
        for name, (res, args) in proto.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        self.lib = lib
        self.lock = threading.Lock()
        self.current_db = None
        self.closed = False
        # Python handles SIGTERM/SIGINT itself; keep chdb's handlers out of the way.
        lib.chdb_set_signal_handlers_enabled(0)
        cargv = (C * len(argv))(*[a.encode() for a in argv])
        pconn = lib.chdb_connect(len(argv), cargv)
        if not pconn:
            raise RuntimeError("chdb_connect failed (see messages above)")
        self.pconn = pconn  # chdb_connection*
        self.conn = ctypes.c_void_p.from_address(pconn).value

    def version(self):
        return self.lib.chdb_version().decode()

    def _take(self, r):
        lib = self.lib
        try:
            res = Result()
            err = lib.chdb_result_error(r)
            if err:
                res.error = err.decode("utf-8", "replace")
            n = lib.chdb_result_length(r)
            if n:
                res.data = ctypes.string_at(lib.chdb_result_buffer(r), n)
            res.elapsed = lib.chdb_result_elapsed(r)
            res.result_rows = lib.chdb_result_rows_read(r)
            res.result_bytes = lib.chdb_result_bytes_read(r)
            res.read_rows = lib.chdb_result_storage_rows_read(r)
            res.read_bytes = lib.chdb_result_storage_bytes_read(r)
            res.rows_written = lib.chdb_result_rows_written(r)
            res.bytes_written = lib.chdb_result_bytes_written(r)
            return res
        finally:
            lib.chdb_destroy_query_result(r)

    @staticmethod
    def _params(params):
        names = [k.encode() for k in params]
        values = [v.encode() for v in params.values()]
        n = len(names)
        return ((ctypes.c_char_p * n)(*names), (ctypes.c_size_t * n)(*map(len, names)),
                (ctypes.c_char_p * n)(*values), (ctypes.c_size_t * n)(*map(len, values)), n)

    def _raw_query(self, sql, fmt, params=None):
        if params:
            r = self.lib.chdb_query_with_params_n(self.conn, sql, len(sql), fmt, len(fmt), *self._params(params))
        else:
            r = self.lib.chdb_query_n(self.conn, sql, len(sql), fmt, len(fmt))
        if not r:
            return Result("Code: 1000. DB::Exception: chdb returned no result")
        return self._take(r)

    def _use(self, database):
        """Switch the connection's current database (caller holds the lock)."""
        if self.closed:
            return Result("Code: 1000. DB::Exception: local stack is shutting down")
        if database and database != self.current_db:
            res = self._raw_query(b"USE `" + database.replace("\\", "\\\\").replace("`", "\\`").encode() + b"`",
                                  b"TabSeparated")
            self.current_db = None if res.error else database
            return res if res.error else None
        return None

    _USE_RE = re.compile(rb"(?is)(?:^|;)\s*USE\s")

    def query(self, sql, fmt, database, params=None):
        with self.lock:
            err = self._use(database)
            if err:
                return err
            res = self._raw_query(sql, fmt.encode(), params)
            if self._USE_RE.search(sql[:65536]):
                self.current_db = None  # the statement changed it; re-issue USE next time
            return res

    def insert(self, header, fmt, database, params, chunks):
        """Streaming INSERT: `header` without FORMAT/data, body pieces from the `chunks` iterator.

        Returns (Result, consumed_all_chunks)."""
        lib = self.lib
        with self.lock:
            err = self._use(database)
            if err:
                return err, False
            fb = fmt.encode()
            if params:
                st = lib.chdb_stream_insert_with_params_n(self.conn, header, len(header), fb, len(fb),
                                                          *self._params(params))
            else:
                st = lib.chdb_stream_insert_n(self.conn, header, len(header), fb, len(fb))
            try:
                e = lib.chdb_stream_insert_error(st)
                if e:
                    return Result(e.decode("utf-8", "replace")), False
                failed = False
                try:
                    for piece in chunks:
                        if lib.chdb_stream_append(st, piece, len(piece)) != 0:
                            failed = True
                            break
                except BaseException:
                    lib.chdb_stream_cancel_insert(st)  # client went away: do not commit
                    raise
                r = lib.chdb_stream_done(st)
                res = self._take(r) if r else Result()
                if failed and not res.error:
                    e = lib.chdb_stream_insert_error(st)
                    res.error = e.decode("utf-8", "replace") if e else "Code: 1000. DB::Exception: insert failed"
                return res, not failed
            finally:
                lib.chdb_destroy_insert_stream(st)

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
            self.lib.chdb_close_conn(self.pconn)
            self.lib.chdb_shutdown()


# --------------------------------------------------------------------------- SQL splitting

_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_$]*")


def _tokens(sql):
    """Yield (kind, start, end) for the top-level-relevant tokens of `sql` (bytes).

    kind: 'word', '(', ')', ';', 'other'.  Skips whitespace, comments, string
    literals and quoted identifiers (those come out as 'other')."""
    i, n = 0, len(sql)
    while i < n:
        c = sql[i:i + 1]
        if c in b" \t\r\n\f\v":
            i += 1
        elif sql.startswith(b"--", i) or c == b"#":
            j = sql.find(b"\n", i)
            i = n if j < 0 else j + 1
        elif sql.startswith(b"/*", i):
            j = sql.find(b"*/", i + 2)
            i = n if j < 0 else j + 2
        elif c in b"'\"`":
            j = i + 1
            while j < n:
                d = sql[j:j + 1]
                if d == b"\\":
                    j += 2
                elif d == c:
                    if sql[j + 1:j + 2] == c:
                        j += 2
                    else:
                        break
                else:
                    j += 1
            yield "other", i, min(j + 1, n)
            i = j + 1
        else:
            m = _WORD.match(sql, i)
            if m:
                yield "word", i, m.end()
                i = m.end()
            else:
                yield (c.decode("latin-1") if c in b"();" else "other"), i, i + 1
                i += 1


def split_insert(sql):
    """For `INSERT ... FORMAT <fmt> <data>` / `INSERT ... VALUES <data>` return
    (header, format, data_offset); None for any other statement (including INSERT ... SELECT)."""
    toks = _tokens(sql)
    first = next(toks, None)
    if not first or first[0] != "word" or sql[first[1]:first[2]].upper() != b"INSERT":
        return None
    depth = 0
    seen_target = False
    after_dot = False
    for kind, s, e in toks:
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth -= 1
        elif kind == ";":
            return None
        if depth or kind != "word":
            if kind == "other" and not depth:
                seen_target = True
            after_dot = sql[s:e] == b"."
            continue
        w = sql[s:e].upper()
        if not seen_target or after_dot:
            # INSERT INTO [TABLE|FUNCTION] [db.]<target>: the target may itself be called `format`/`values`
            if w not in (b"INTO", b"TABLE", b"FUNCTION"):
                seen_target = True
            after_dot = False
            continue
        if w in (b"SELECT", b"WITH"):
            return None
        if w == b"VALUES":
            return sql[:s].rstrip(), "Values", e
        if w == b"FORMAT":
            nxt = next(toks, None)
            if not nxt or nxt[0] != "word":
                return None
            # ClickHouse: data starts after the first newline if there is one, else after blanks.
            p = nxt[2]
            while p < len(sql) and sql[p:p + 1] in b" \t\f":
                p += 1
            if sql[p:p + 1] == b"\r":
                p += 1
            if sql[p:p + 1] == b"\n":
                p += 1
            return sql[:s].rstrip(), sql[nxt[1]:nxt[2]].decode(), p
    return None


# --------------------------------------------------------------------------- HTTP front

class BodyReader:
    """Request body as an iterator of pieces (Content-Length or chunked; gzip/deflate decoded)."""

    def __init__(self, handler):
        self.rfile = handler.rfile
        h = handler.headers
        self.chunked = "chunked" in (h.get("Transfer-Encoding") or "").lower()
        self.length = int(h.get("Content-Length") or 0) if not self.chunked else None
        enc = (h.get("Content-Encoding") or "").strip().lower()
        if enc in ("", "identity"):
            self.decoder = None
        elif enc in ("gzip", "x-gzip"):
            self.decoder = zlib.decompressobj(wbits=31)
        elif enc == "deflate":
            self.decoder = zlib.decompressobj()
        else:
            raise ValueError("Content-Encoding %r is not supported by the local stack" % enc)
        self.done = False

    def _raw(self):
        rf = self.rfile
        if self.chunked:
            while True:
                line = rf.readline(65537)
                if not line:
                    raise ConnectionError("client closed connection inside chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while rf.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                while size:
                    piece = rf.read(min(size, APPEND_CHUNK))
                    if not piece:
                        raise ConnectionError("client closed connection inside chunk")
                    size -= len(piece)
                    yield piece
                rf.readline(3)  # CRLF after the chunk data
        else:
            left = self.length
            while left:
                piece = rf.read(min(left, APPEND_CHUNK))
                if not piece:
                    raise ConnectionError("client closed connection inside body")
                left -= len(piece)
                yield piece
        self.done = True

    def pieces(self):
        buf, size = [], 0
        for piece in self._raw():
            if self.decoder:
                piece = self.decoder.decompress(piece)
            if piece:
                buf.append(piece)
                size += len(piece)
            if size >= APPEND_CHUNK:
                yield b"".join(buf)
                buf, size = [], 0
        if self.decoder:
            buf.append(self.decoder.flush())
        tail = b"".join(buf)
        if tail:
            yield tail

    def read_all(self):
        return b"".join(self.pieces())

    def drain(self):
        if not self.done:
            for _ in self._raw():
                pass


def _content_type(fmt):
    f = fmt.lower()
    if f.startswith("tabseparated") or f.startswith("tsv"):
        return "text/tab-separated-values; charset=UTF-8"
    if f.startswith("csv"):
        return "text/csv; charset=UTF-8"
    if f.startswith("json"):
        return "application/json; charset=UTF-8"
    return "application/octet-stream"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "ClickHouse"

    def setup(self):
        super().setup()
        # Without TCP_NODELAY every small response waits for the client's delayed ACK (~40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if self.server.ctx.verbose:
            log("%s %s" % (self.address_string(), fmt % args))

    # -- responses
    def _send(self, status, body, headers=()):
        self._responded = True
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _ch_headers(self, query_id, fmt):
        return [("X-ClickHouse-Server-Display-Name", SERVER_NAME),
                ("X-ClickHouse-Query-Id", query_id),
                ("X-ClickHouse-Format", fmt),
                ("X-ClickHouse-Timezone", self.server.ctx.timezone)]

    def _error(self, message, query_id, fmt, status=500):
        m = re.match(r"\s*Code: (\d+)\.", message)
        if m:
            code = m.group(1)
        else:
            code = "1000"
            message = "Code: 1000. DB::Exception: " + message
        hdrs = self._ch_headers(query_id, fmt) + [("Content-Type", "text/plain; charset=UTF-8"),
                                                   ("X-ClickHouse-Exception-Code", code)]
        self._send(status, (message.rstrip("\n") + "\n").encode("utf-8", "replace"), hdrs)

    # -- methods
    def do_GET(self):
        self._dispatch(get=True)

    def do_POST(self):
        self._dispatch(get=False)

    def do_HEAD(self):
        self._send(200, b"")

    def _dispatch(self, get):
        url = urllib.parse.urlsplit(self.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        if url.path.rstrip("/") == "/ping" or (get and url.path == "/" and "query" not in params):
            self._send(200, b"Ok.\n", [("Content-Type", "text/html; charset=UTF-8")])
            return
        t0 = time.monotonic()
        query_id = params.get("query_id") or str(uuid.uuid4())
        fmt = params.get("default_format") or self.headers.get("X-ClickHouse-Format") or "TabSeparated"
        try:
            body = BodyReader(self)
        except ValueError as e:
            self.close_connection = True
            self._error(str(e), query_id, fmt)
            return
        self._responded = False
        try:
            self._query(params, body, query_id, fmt, t0)
        except (ConnectionError, socket.timeout, OSError) as e:
            self.close_connection = True
            if self.server.ctx.verbose:
                log("connection error: %s" % e)
        except Exception as e:  # malformed request or a bug: answer if we still can, then drop the connection
            self.close_connection = True
            log("request failed: %r" % e)
            if not self._responded:
                self._error("localstack: %s: %s" % (type(e).__name__, e), query_id, fmt)

    def _authenticate(self, params):
        ctx = self.server.ctx
        h = self.headers
        if h.get("X-ClickHouse-User") is not None or h.get("X-ClickHouse-Key") is not None:
            user, password = h.get("X-ClickHouse-User") or "default", h.get("X-ClickHouse-Key") or ""
        elif (h.get("Authorization") or "").lower().startswith("basic "):
            try:
                raw = base64.b64decode(h["Authorization"].split(None, 1)[1]).decode("utf-8")
            except Exception:
                raw = ""
            user, _, password = raw.partition(":")
        else:
            user, password = params.get("user") or "default", params.get("password") or ""
        if ctx.password is None:
            return user, True
        return user, (user == ctx.user and password == ctx.password)

    def _query(self, params, body, query_id, fmt, t0):
        ctx = self.server.ctx
        user, ok = self._authenticate(params)
        if not ok:
            body.drain()
            self._error("Code: 516. DB::Exception: %s: Authentication failed: password is incorrect, "
                        "or there is no user with such name. (AUTHENTICATION_FAILED)" % user,
                        query_id, fmt, status=403)
            return
        if params.get("decompress") in ("1", "true") and not ctx.warned_compress:
            ctx.warned_compress = True
            log("client asked for decompress=1 (ClickHouse-compressed request bodies): not supported, "
                "configure the driver with compress=false")
        if params.get("compress") in ("1", "true") and not ctx.warned_compress:
            ctx.warned_compress = True
            log("client asked for compress=1: responses are sent uncompressed (use compress=false)")
        database = params.get("database") or self.headers.get("X-ClickHouse-Database") or ctx.database
        if ctx.verbose:
            hdrs = {k: ("***" if k.lower() in ("authorization", "x-clickhouse-key") else v)
                    for k, v in self.headers.items() if k.lower().startswith(("x-clickhouse", "authorization",
                                                                               "content-", "transfer-"))}
            log("request params=%s headers=%s" % ({k: v for k, v in params.items() if k != "password"}, hdrs))
        qparams = {k[6:]: v for k, v in params.items() if k.startswith("param_")}
        q = params.get("query")
        if q is not None and q.strip():
            # ClickHouse appends '\n' to the query parameter and reads the POST body after it.
            head = q.encode("utf-8") + b"\n"
            split = split_insert(head)
            if split:
                header, ifmt, off = split
                inline = head[off:]
                chunks = body.pieces() if not inline else _prepend(inline, body.pieces())
                if ctx.verbose:
                    log("stream insert %r format %s" % (header[:300], ifmt))
                res, consumed = ctx.chdb.insert(header, ifmt, database, qparams, chunks)
                if not consumed:
                    body.drain()
            else:
                rest = body.read_all()
                res = self._run(head + rest if rest else head[:-1], fmt, database, qparams, params, query_id)
        else:
            sql = body.read_all()
            split = split_insert(sql)
            if ctx.verbose:
                log("sql %r%s" % (sql[:300], " -> stream insert format %s" % split[1] if split else ""))
            if split:
                header, ifmt, off = split
                res, _ = ctx.chdb.insert(header, ifmt, database, qparams, iter([sql[off:]]))
            else:
                res = self._run(sql, fmt, database, qparams, params, query_id)
        if res.error:
            self._error(res.error, query_id, fmt)
            return
        elapsed_ns = int((time.monotonic() - t0) * 1e9)
        summary = {"read_rows": str(res.read_rows), "read_bytes": str(res.read_bytes),
                   "written_rows": str(res.rows_written), "written_bytes": str(res.bytes_written),
                   "total_rows_to_read": str(res.read_rows), "result_rows": str(res.result_rows),
                   "result_bytes": str(res.result_bytes), "elapsed_ns": str(elapsed_ns)}
        hdrs = self._ch_headers(query_id, fmt) + [
            ("Content-Type", _content_type(fmt)),
            ("X-ClickHouse-Summary", json.dumps(summary, separators=(",", ":")))]
        self._send(200, res.data, hdrs)


    def _run(self, sql, fmt, database, qparams, params, query_id):
        """One statement; ALTER, TRUNCATE and UPDATE that succeed are recorded in system.query_log."""
        ctx = self.server.ctx
        if ctx.query_log and ctx.query_log.is_flush(sql):
            ctx.query_log.flush()
        logged = ctx.query_log.statement(sql) if ctx.query_log else None
        start_us = time.time_ns() // 1000
        res = ctx.chdb.query(sql, fmt, database, qparams)
        if logged and not res.error:
            ctx.query_log.record(logged, sql, database, query_id, params.get("log_comment") or "", start_us,
                                 time.time_ns() // 1000)
        return res


def _prepend(first, rest):
    yield first
    yield from rest


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # a client that closes its keep-alive connection (a JVM exiting) is normal, not an error
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class QueryLog:
    """A `system.query_log` for the statements that change a table's partitions or rows in place.

    The embedded engine keeps no system logs, and the migrator reads `system.query_log` to see an
    operator's ALTER … DROP/DETACH/REPLACE PARTITION and TRUNCATE on a table it is moving (they
    leave no other trace when the partition is empty). The front records what a server would for
    ALTER, TRUNCATE and lightweight UPDATE statements (the columns the migrator reads, with the same names and types)
    after each one succeeds, in a Memory table of the engine's own `system` database.
    """

    DDL = ("CREATE TABLE IF NOT EXISTS system.query_log (type Enum8('QueryStart' = 1, 'QueryFinish' = 2, "
           "'ExceptionBeforeStart' = 3, 'ExceptionWhileProcessing' = 4), event_date Date, event_time DateTime, "
           "event_time_microseconds DateTime64(6), query_start_time DateTime, "
           "query_start_time_microseconds DateTime64(6), query_id String, query_kind LowCardinality(String), "
           "query String, databases Array(LowCardinality(String)), tables Array(LowCardinality(String)), "
           "log_comment String, is_initial_query UInt8) ENGINE = Memory")


    _NAME = r"(?:`(?:[^`\\]|\\.)+`|[A-Za-z_][A-Za-z0-9_]*)"
    _STATEMENT = re.compile(r"(?is)^\s*(?:/\*.*?\*/\s*)?(ALTER\s+TABLE|TRUNCATE(?:\s+TABLE)?|UPDATE)\s+(?:IF\s+EXISTS\s+)?"
                            r"(" + _NAME + r")(?:\s*\.\s*(" + _NAME + r"))?")

    _FLUSH = re.compile(rb"(?is)^\s*SYSTEM\s+FLUSH\s+LOGS\b")

    # like a server's log, rows are buffered and written on SYSTEM FLUSH LOGS (or when many wait)
    MAX_PENDING = 1000

    def __init__(self, chdb):
        self.chdb = chdb
        self.pending = []
        self.lock = threading.Lock()
        res = chdb.query(self.DDL.encode(), "TabSeparated", None)
        if res.error:
            raise RuntimeError(res.error)

    @staticmethod
    def _unquote(name):
        return name[1:-1].replace("\\`", "`") if name.startswith("`") else name

    def statement(self, sql):
        """(query_kind, database-or-None, table) when `sql` is logged, else None."""
        m = self._STATEMENT.match(sql[:65536].decode("utf-8", "replace"))
        if not m:
            return None
        verb = m.group(1).upper()
        kind = "Alter" if verb.startswith("ALTER") else "Update" if verb == "UPDATE" else "Drop"
        first, second = self._unquote(m.group(2)), m.group(3)
        return (kind, first, self._unquote(second)) if second else (kind, None, first)

    def is_flush(self, sql):
        return bool(self._FLUSH.match(sql[:200]))

    def record(self, statement, sql, database, query_id, comment, start_us, finish_us):
        kind, db, table = statement
        db = db or database or "default"
        row = [query_id, kind, sql.decode("utf-8", "replace"), db, "%s.%s" % (db, table), comment, start_us, finish_us]
        with self.lock:
            self.pending.append(row)
            full = len(self.pending) >= self.MAX_PENDING
        if full:
            self.flush()

    def flush(self):
        """Writes the buffered rows in one INSERT."""
        with self.lock:
            rows, self.pending = self.pending, []
        if not rows:
            return
        body = "".join(json.dumps({"type": "QueryFinish", "event_date": _date(r[7]), "event_time": r[7] // 1000000,
                                   "event_time_microseconds": "%.6f" % (r[7] / 1e6), "query_start_time": r[6] // 1000000,
                                   "query_start_time_microseconds": "%.6f" % (r[6] / 1e6), "query_id": r[0],
                                   "query_kind": r[1], "query": r[2], "databases": [r[3]], "tables": [r[4]],
                                   "log_comment": r[5], "is_initial_query": 1}) + "\n" for r in rows)
        res = self.chdb.query(b"INSERT INTO system.query_log FORMAT JSONEachRow " + body.encode(), "TabSeparated", None)
        if res.error:
            log("query_log: %s" % res.error)


def _date(micros):
    return time.strftime("%Y-%m-%d", time.gmtime(micros // 1000000))


class Context:
    def __init__(self, chdb, user, password, verbose):
        self.chdb = chdb
        self.user = user
        self.password = password
        self.verbose = verbose
        self.database = "default"
        self.timezone = "UTC"
        self.warned_compress = False
        self.query_log = None


# --------------------------------------------------------------------------- S3Proxy

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """preexec_fn: SIGTERM the child when this process dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class S3Proxy:
    def __init__(self, jar, state_dir, port):
        self.jar = os.path.abspath(jar)
        self.basedir = os.path.join(state_dir, "s3")
        self.props = os.path.join(state_dir, "s3proxy.properties")
        self.logfile = os.path.join(state_dir, "s3proxy.log")
        self.port = port or free_port()
        self.proc = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, should_stop, timeout=120):
        if not os.path.isfile(self.jar):
            raise RuntimeError("S3Proxy jar not found: %s" % self.jar)
        os.makedirs(self.basedir, exist_ok=True)
        with open(self.props, "w") as f:
            f.write("s3proxy.endpoint=%s\n" % self.endpoint)
            f.write("s3proxy.authorization=none\n")
            f.write("jclouds.provider=filesystem\n")
            f.write("jclouds.filesystem.basedir=%s\n" % self.basedir)
        java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
        if not (os.path.isfile(java) or shutil.which(java)):
            java = "java"
        cmd = [java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               "-jar", self.jar, "--properties", self.props]
        log("starting S3Proxy on %s (log: %s)" % (self.endpoint, self.logfile))
        with open(self.logfile, "ab") as out:
            # own process group: a terminal Ctrl-C reaches only us, and we stop it in order
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("S3Proxy exited with %s; see %s:\n%s"
                                   % (self.proc.returncode, self.logfile, self._tail()))
            if should_stop():
                return False
            if self._request("GET", "/") is not None:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("S3Proxy did not answer within %ds; see %s" % (timeout, self.logfile))
            time.sleep(0.1)
        status = self._request("PUT", "/" + BUCKET)
        if status not in (200, 409):
            raise RuntimeError("creating bucket %s returned HTTP %s" % (BUCKET, status))
        return True

    def _request(self, method, path):
        req = urllib.request.Request(self.endpoint + path, method=method, data=b"" if method == "PUT" else None)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except (urllib.error.URLError, OSError):
            return None

    def _tail(self):
        try:
            with open(self.logfile, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 4000))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        p = self.proc
        if not p or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


# --------------------------------------------------------------------------- main

def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # zombie = dead, not reaped yet
    except (OSError, IndexError):
        return True


def write_json_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(description="Local ClickHouse (libchdb) + S3 (S3Proxy) stack.")
    p.add_argument("--state-dir", required=True, help="directory for data, logs and stack.json")
    p.add_argument("--s3proxy-jar", default=None, help="org.gaul:s3proxy jar-with-dependencies (unless --s3-endpoint)")
    p.add_argument("--config", default=DEFAULT_CONFIG, help="ClickHouse config file (default: %(default)s)")
    p.add_argument("--http-port", type=int, default=0, help="ClickHouse HTTP port (0 = free port)")
    p.add_argument("--http-host", default="127.0.0.1",
                   help="address the HTTP front binds (another loopback address, e.g. 127.0.0.2, for a second node)")
    p.add_argument("--s3-endpoint", default=None,
                   help="use this S3 endpoint (http://host:port, bucket '%s') instead of starting S3Proxy: "
                        "several nodes share one" % BUCKET)
    p.add_argument("--s3-prefix", default="data/", help="key prefix of this node's S3 disk (default: %(default)s)")
    p.add_argument("--s3-port", type=int, default=0, help="S3Proxy port (0 = free port)")
    p.add_argument("--user", default="default", help="user name accepted when --password is set")
    p.add_argument("--password", default=None, help="require this password (default: accept anything)")
    p.add_argument("--parent-pid", type=int, default=None, help="stop when this process is gone")
    p.add_argument("--libchdb", default=None, help="use this libchdb.so instead of the cached npm one")
    p.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    args = p.parse_args(argv)
    if not args.s3proxy_jar and not args.s3_endpoint:
        p.error("--s3proxy-jar or --s3-endpoint is required")
    return args


def main(argv=None):
    args = parse_args(argv)
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    lock = open(os.path.join(state_dir, ".localstack.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        log("another localstack is running on %s" % state_dir)
        return 2
    stack_json = os.path.join(state_dir, "stack.json")
    if os.path.exists(stack_json):
        os.remove(stack_json)
    config = os.path.abspath(args.config)
    if not os.path.isfile(config):
        log("config file not found: %s" % config)
        return 2

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: stop.set())

    def should_stop():
        if args.parent_pid and not stop.is_set() and not process_alive(args.parent_pid):
            log("parent process %d is gone, stopping" % args.parent_pid)
            stop.set()
        return stop.is_set()

    s3 = chdb = server = None
    rc = 0
    try:
        libpath = os.path.abspath(args.libchdb) if args.libchdb else ensure_libchdb()
        if should_stop():
            return 0
        if args.s3_endpoint:
            s3_base, s3_port, s3_pid = args.s3_endpoint.rstrip("/"), None, None
        else:
            s3 = S3Proxy(args.s3proxy_jar, state_dir, args.s3_port)
            if not s3.start(should_stop):
                return 0
            s3_base, s3_port, s3_pid = s3.endpoint, s3.port, s3.proc.pid
        s3_endpoint = "%s/%s/%s" % (s3_base, BUCKET, args.s3_prefix.strip("/") + "/")
        # Read by storage.xml (from_env) when the engine boots; the engine runs in UTC like the docker server.
        os.environ["S3_ENDPOINT"] = s3_endpoint
        os.environ["S3_ACCESS_KEY_ID"] = S3_KEY
        os.environ["S3_SECRET_ACCESS_KEY"] = S3_KEY
        os.environ["TZ"] = "UTC"
        time.tzset()
        log("loading %s" % libpath)
        chdb = Chdb(libpath, ["clickhouse", "--path=%s" % os.path.join(state_dir, "clickhouse"),
                              "--config-file=%s" % config])
        info = chdb.query(b"SELECT version(), timezone()", "TabSeparated", None)
        if info.error:
            raise RuntimeError(info.error)
        version, tz = info.data.decode().strip().split("\t")
        ctx = Context(chdb, args.user, args.password, args.verbose)
        ctx.timezone = tz
        ctx.query_log = QueryLog(chdb)
        server = Server((args.http_host, args.http_port), Handler)
        server.ctx = ctx
        http_port = server.server_address[1]
        threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
        write_json_atomic(stack_json, {
            "http_port": http_port, "http_host": args.http_host, "s3_port": s3_port, "pid": os.getpid(),
            "clickhouse_version": version, "s3_endpoint": s3_endpoint,
            "http_url": "http://%s:%d" % (args.http_host, http_port), "s3proxy_pid": s3_pid,
        })
        sys.stdout.write("localstack ready http://%s:%d\n" % (args.http_host, http_port))
        sys.stdout.flush()
        log("ClickHouse %s (chdb %s) on http://%s:%d, S3 %s" % (version, chdb.version(), args.http_host, http_port,
                                                                s3_endpoint))
        while not should_stop():
            stop.wait(1.0)
        log("stopping")
    except Exception as e:
        log("error: %s" % e)
        rc = 1
    finally:
        try:
            if server:
                server.shutdown()
                server.server_close()
            if chdb:
                chdb.close()
        finally:
            if s3:
                s3.stop()
            try:
                os.remove(stack_json)
            except OSError:
                pass
    log("stopped")
    return rc


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # libchdb may leave threads behind that would block interpreter shutdown.
    os._exit(code)
