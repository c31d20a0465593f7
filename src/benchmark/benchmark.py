#!/usr/bin/env python3
"""Benchmark of clickhouse-migrator on the local stack (libchdb ClickHouse + S3Proxy).

For each size it builds two identical tables of tiny partitions, moves one to the `s3` policy
with the SQL an operator would type (per partition: ATTACH PARTITION ID … FROM, count in both
tables, DROP PARTITION ID; then EXCHANGE TABLES and DROP of the old table) and the other with the
migrator, and prints wall times, the migrator's overhead per partition over that SQL, its peak
RSS and its start-up time. A large table (--large-rows) is compared the same way. Figures only:
nothing here passes or fails on a timing.

The migrator runs as operators run it, through bin/clickhouse-migrator: its JVM options (JAVA_OPTS,
--java-opts) and its class-data archive (made before the first timed run; --no-cds runs the jar as
it is). The start-up figure is a run on a table already on the policy, through the launcher and as
plain `java -jar`.

In place (--move-rows, 48 partitions): --strategy move to policy s3_first against the policy change
and one MOVE PARTITION … TO VOLUME per partition typed by hand, with and without the start-up.

The live table (--live-rows) is migrated twice under the same inserts-only workload, with the
source kept whole (the default) and with --free-local-per-partition, for the cost of keeping the
live table whole: time, rows re-copied against rows inserted, the cut-over's length, local bytes held.

Usage: python3 src/benchmark/benchmark.py [--partitions 100,2000,10000] [--large-rows 10000000] [--live-rows 2000000]
       [--move-rows 4000000]
       [--xmx 256m] [--java-opts "-XX:+UseSerialGC"] [--no-cds] [--migrator-only] [--live-every 10]
       [--no-build]   (Python 3 standard library only)

--live-every S measures the true live heap: every S seconds `jcmd <pid> GC.class_histogram` (a full
GC) on the migrator; the largest total is reported, and that histogram's top classes are written to
target/benchmark/<run>.histogram.txt. Without it the peak comes from the GC log, which counts
garbage the collector had not reached yet.
"""

import argparse
import base64
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
WORK = os.path.join(ROOT, "target", "benchmark")
DB = "bench"
LIVE_EVERY = [0.0]
LAUNCHER = os.path.join(ROOT, "bin", "clickhouse-migrator")
JAVA_OPTS = ["-XX:+UseSerialGC"]
CDS = ["on"]


def log(message):
    sys.stderr.write("benchmark: %s\n" % message)
    sys.stderr.flush()


class Stack:
    """The local stack in its own state directory, stopped with this process."""

    def __init__(self):
        self.state = os.path.join(WORK, "stack")
        self.password = "bench-" + secrets.token_hex(8)
        self.proc = None
        self.port = None

    def start(self):
        shutil.rmtree(self.state, ignore_errors=True)
        os.makedirs(self.state)
        out = open(os.path.join(self.state, "localstack.log"), "w")
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "src", "localstack", "localstack.py"),
                                      "--state-dir", self.state,
                                      "--s3proxy-jar", os.path.join(ROOT, "target", "localstack", "s3proxy.jar"),
                                      "--password", self.password, "--parent-pid", str(os.getpid())],
                                     stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 600
        stack_json = os.path.join(self.state, "stack.json")
        while not os.path.exists(stack_json):
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit("the local stack did not start; see %s/localstack.log" % self.state)
            time.sleep(0.5)
        with open(stack_json) as f:
            self.port = json.load(f)["http_port"]
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)

    def sql(self, statement):
        token = base64.b64encode(("default:" + self.password).encode()).decode()
        self.conn.request("POST", "/", body=statement.encode(), headers={"Authorization": "Basic " + token})
        response = self.conn.getresponse()
        body = response.read().decode()
        if response.status != 200:
            raise RuntimeError("%s: %s" % (statement[:200], body.strip()))
        return body

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def create_table(stack, table, partitions, rows_per_partition, policy="default"):
    stack.sql("DROP TABLE IF EXISTS %s.%s SYNC" % (DB, table))
    stack.sql("CREATE TABLE %s.%s (p UInt32, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id "
              "SETTINGS storage_policy = '%s', max_parts_in_total = 10000000" % (DB, table, policy))
    total = partitions * rows_per_partition
    step = max(1, 2_000_000 // rows_per_partition) * rows_per_partition
    for start in range(0, total, step):
        stack.sql("INSERT INTO %s.%s SELECT intDiv(number, %d), number, toString(number) FROM numbers(%d, %d) "
                  "SETTINGS max_partitions_per_insert_block = 0, max_insert_block_size = 10000000"
                  % (DB, table, rows_per_partition, start, min(step, total - start)))


def direct(stack, table):
    """The migration typed by hand: per partition attach, two counts, drop; then the exchange."""
    ids = stack.sql("SELECT DISTINCT partition_id FROM system.parts WHERE database = '%s' AND table = '%s' "
                    "AND active ORDER BY partition_id" % (DB, table)).split()
    work = table + "__migrating"
    started = time.monotonic()
    stack.sql("CREATE TABLE %s.%s AS %s.%s SETTINGS storage_policy = 's3'" % (DB, work, DB, table))
    for pid in ids:
        stack.sql("ALTER TABLE %s.%s ATTACH PARTITION ID '%s' FROM %s.%s" % (DB, work, pid, DB, table))
        source = stack.sql("SELECT count() FROM %s.%s WHERE _partition_id = '%s'" % (DB, table, pid))
        target = stack.sql("SELECT count() FROM %s.%s WHERE _partition_id = '%s'" % (DB, work, pid))
        if source != target:
            raise RuntimeError("partition %s: %s rows copied of %s" % (pid, target.strip(), source.strip()))
        stack.sql("ALTER TABLE %s.%s DROP PARTITION ID '%s'" % (DB, table, pid))
    stack.sql("EXCHANGE TABLES %s.%s AND %s.%s" % (DB, table, DB, work))
    stack.sql("DROP TABLE %s.%s SYNC" % (DB, work))
    return time.monotonic() - started


def direct_moves(stack, table, policy, volume):
    """The in-place migration typed by hand: the new policy, then one MOVE PARTITION per partition."""
    ids = stack.sql("SELECT DISTINCT partition_id FROM system.parts WHERE database = '%s' AND table = '%s' "
                    "AND active ORDER BY partition_id" % (DB, table)).split()
    started = time.monotonic()
    stack.sql("ALTER TABLE %s.%s MODIFY SETTING storage_policy = '%s'" % (DB, table, policy))
    for pid in ids:
        stack.sql("ALTER TABLE %s.%s MOVE PARTITION ID '%s' TO VOLUME '%s'" % (DB, table, pid, volume))
    return time.monotonic() - started


def live_heap_mb(gc_log):
    """The largest heap occupancy the JVM's GC log shows right after a collection (live data)."""
    peak = 0
    with open(gc_log) as f:
        for line in f:
            match = re.search(r"Pause .*->(\d+)M\(\d+M\)", line)
            if match:
                peak = max(peak, int(match.group(1)))
    return peak


def migrator(stack, table, xmx, name, cds=None, extra=(), keep_home=False):
    """One run of the migrator through the launcher (cds="off": the jar as it is, else the run's --no-cds
    choice): wall time, peak RSS (VmHWM, polled) and peak live heap."""
    home = os.path.join(WORK, "runs", name)
    if not keep_home:
        shutil.rmtree(home, ignore_errors=True)
    gc_log = os.path.join(WORK, name + ".gc.log")
    command = [LAUNCHER, "--mode", "single", "--db", DB,
        "--table", table, "--s3-policy", "s3", "--host", "127.0.0.1", "--port", str(stack.port),
        "--insert-interval", "0", "--clickhouse.properties.compress=false", "--migrator.home=" + os.path.join(home, "data"),
        "--report-path", os.path.join(home, "reports"), "--log-path", os.path.join(home, "logs")] + list(extra)
    env = launcher_env(JAVA_OPTS[0] + " -Xlog:gc:file=" + gc_log + (" -Xmx" + xmx if xmx else ""),
                       CH_PASSWORD=stack.password, CLICKHOUSE_MIGRATOR_CDS=cds or CDS[0])
    peak = [0]
    started = time.monotonic()
    with open(os.path.join(WORK, name + ".log"), "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)

        def watch():
            while proc.poll() is None:
                try:
                    with open("/proc/%d/status" % proc.pid) as status:
                        for line in status:
                            if line.startswith("VmHWM:"):
                                peak[0] = max(peak[0], int(line.split()[1]))
                except OSError:
                    pass
                time.sleep(0.1)

        live = [0, ""]

        def sample():
            next_at = time.monotonic() + LIVE_EVERY[0]
            while proc.poll() is None:
                if time.monotonic() < next_at:
                    time.sleep(0.1)
                    continue
                next_at = time.monotonic() + LIVE_EVERY[0]
                histogram = subprocess.run(["jcmd", str(proc.pid), "GC.class_histogram"], capture_output=True,
                                           text=True).stdout
                total = re.search(r"^Total\s+\d+\s+(\d+)", histogram, re.M)
                if total and int(total.group(1)) > live[0]:
                    live[0] = int(total.group(1))
                    live[1] = "\n".join(histogram.splitlines()[:25])

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        sampler = threading.Thread(target=sample, daemon=True)
        if LIVE_EVERY[0] > 0:
            sampler.start()
        code = proc.wait()
        elapsed = time.monotonic() - started
        watcher.join()
        if LIVE_EVERY[0] > 0:
            sampler.join()
            with open(os.path.join(WORK, name + ".histogram.txt"), "w") as f:
                f.write(live[1] + "\n")
    if code != 0:
        raise RuntimeError("the migrator exited with %d; see %s" % (code, os.path.join(WORK, name + ".log")))
    heap = round(live[0] / 1048576.0, 1) if LIVE_EVERY[0] > 0 else live_heap_mb(gc_log)
    return elapsed, peak[0] / 1024.0, heap


def launcher_env(java_opts, **variables):
    """The launcher's variables: the jar of this tree, JVM options, its cache under target/benchmark."""
    return dict(os.environ, JAVA_OPTS=java_opts, CLICKHOUSE_MIGRATOR_JAR=os.path.join(ROOT, "target", "clickhouse-migrator.jar"),
                CLICKHOUSE_MIGRATOR_CACHE=os.path.join(WORK, "launcher"), **variables)


TRACE = "--logging.level.io.github.chmigrator.clickhouse.ClickHouseClient=trace"


def first_statement(log_file, launched):
    """Seconds from the launch (wall clock) to the start of the first ClickHouse statement, from the
    client's TRACE lines (`<time> … ClickHouseClient : <n> ms: <sql>`, logged when it ended)."""
    import datetime
    with open(log_file) as f:
        for line in f:
            found = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) .*ClickHouseClient\s*: (\d+) ms: ", line)
            if found:
                ended = datetime.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
                return ended - int(found.group(2)) / 1000.0 - launched
    return None


def startup(stack, xmx):
    """JVM and Spring start plus the first checks: a run on a table already on the policy, through the
    launcher (its class-data archive made beforehand, as on every launch but the first) and as `java -jar`;
    and the time from the launch to the first ClickHouse statement (launcher, second run: the
    JobRepository's schema exists)."""
    subprocess.run([LAUNCHER, "--help"], env=launcher_env(JAVA_OPTS[0]), stdout=subprocess.DEVNULL, check=True)
    create_table(stack, "migrated", 1, 10, policy="s3")
    plain = migrator(stack, "migrated", xmx, "startup_plain", cds="off")[0]
    whole = migrator(stack, "migrated", xmx, "startup")[0]
    launched = time.time()
    migrator(stack, "migrated", xmx, "startup", extra=(TRACE,), keep_home=True)
    return whole, plain, first_statement(os.path.join(WORK, "startup.log"), launched)


def small(stack, xmx):
    """The per-table fixed work: a table of 4 partitions and 2,000 rows, from the table lock to the
    end of its job (checks, work table, plan, copy, validation, cut-over, report), against the same
    ATTACH sequence typed by hand."""
    create_table(stack, "direct_small", 4, 500)
    create_table(stack, "mig_small", 4, 500)
    by_hand = direct(stack, "direct_small")
    migrator(stack, "mig_small", xmx, "small", extra=(TRACE,))
    import datetime
    stamps = {}
    with open(os.path.join(WORK, "small.log")) as f:
        for line in f:
            for key, text in (("locked", ": locked by pid"), ("ended", "COMPLETED " + DB + ".mig_small")):
                if text in line and key not in stamps:
                    stamps[key] = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()
    with open(os.path.join(WORK, "small.log")) as f:
        statements = sum(1 for line in f if re.search(r"ClickHouseClient\s*: \d+ ms: ", line))
    stack.sql("DROP TABLE %s.direct_small SYNC" % DB)
    stack.sql("DROP TABLE %s.mig_small SYNC" % DB)
    job = stamps["ended"] - stamps["locked"]
    return {"job_s": round(job, 2), "direct_s": round(by_hand, 2), "fixed_s": round(job - by_hand, 2),
            "statements": statements}


def tiny(stack, partitions, rows, xmx, start, migrator_only):
    if not migrator_only:
        create_table(stack, "direct_%d" % partitions, partitions, rows)
    create_table(stack, "mig_%d" % partitions, partitions, rows)
    by_hand = None if migrator_only else direct(stack, "direct_%d" % partitions)
    wall, rss, heap = migrator(stack, "mig_%d" % partitions, xmx, "tiny_%d" % partitions)
    count = int(stack.sql("SELECT count() FROM %s.mig_%d" % (DB, partitions)))
    if count != partitions * rows:
        raise RuntimeError("mig_%d holds %d rows, %d expected" % (partitions, count, partitions * rows))
    stack.sql("DROP TABLE IF EXISTS %s.direct_%d SYNC" % (DB, partitions))
    stack.sql("DROP TABLE %s.mig_%d SYNC" % (DB, partitions))
    return {"partitions": partitions, "rows_per_partition": rows,
            "direct_s": None if migrator_only else round(by_hand, 2), "migrator_s": round(wall, 2),
            "ratio": None if migrator_only else round(wall / by_hand, 2),
            "overhead_ms_per_partition": None if migrator_only else round((wall - start - by_hand) * 1000 / partitions, 2),
            "migrator_ms_per_partition": round((wall - start) * 1000 / partitions, 2), "peak_rss_mb": round(rss),
            "peak_live_heap_mb": heap}


def large(stack, rows, xmx, start):
    partitions = 12
    create_table(stack, "direct_large", partitions, rows // partitions)
    create_table(stack, "mig_large", partitions, rows // partitions)
    size = stack.sql("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '%s' AND table = 'mig_large' AND active" % DB)
    by_hand = direct(stack, "direct_large")
    wall, rss, heap = migrator(stack, "mig_large", xmx, "large")
    stack.sql("DROP TABLE %s.direct_large SYNC" % DB)
    stack.sql("DROP TABLE %s.mig_large SYNC" % DB)
    return {"rows": rows, "partitions": partitions, "bytes": int(size), "direct_s": round(by_hand, 2),
            "migrator_s": round(wall, 2), "migrator_minus_startup_s": round(wall - start, 2),
            "ratio_to_direct_plus_startup": round(wall / (by_hand + start), 2), "peak_rss_mb": round(rss),
            "peak_live_heap_mb": heap}


def log_span(log_file, first, last):
    """Seconds from the first log line of logger `first` to the last line of logger `last`."""
    import datetime
    begin = end = None
    with open(log_file) as f:
        for line in f:
            stamp = line[:23]
            if first in line and begin is None:
                begin = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
            if last in line:
                end = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
    return end - begin


def in_place(stack, rows, partitions, xmx, start):
    """--strategy move against the same policy change and MOVE PARTITION statements typed by hand
    (policy s3_first of the local stack: volume s3 first, then the local default volume)."""
    create_table(stack, "direct_move", partitions, rows // partitions)
    create_table(stack, "mig_move", partitions, rows // partitions)
    for table in ("direct_move", "mig_move"):
        stack.sql("OPTIMIZE TABLE %s.%s FINAL" % (DB, table))
    size = stack.sql("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '%s' AND table = 'mig_move' AND active" % DB)
    by_hand = direct_moves(stack, "direct_move", "s3_first", "s3")
    wall, rss, heap = migrator(stack, "mig_move", xmx, "move", extra=("--s3-policy", "s3_first", "--strategy", "move"))
    moves = log_span(os.path.join(WORK, "move.log"), "SetPolicyTasklet", "ProgressTracker")
    left = int(stack.sql("SELECT count() FROM system.parts WHERE database = '%s' AND table = 'mig_move' AND active "
                         "AND disk_name != 's3'" % DB))
    if left:
        raise RuntimeError("mig_move still has %d parts off the s3 disk" % left)
    stack.sql("DROP TABLE %s.direct_move SYNC" % DB)
    stack.sql("DROP TABLE %s.mig_move SYNC" % DB)
    return {"rows": rows, "partitions": partitions, "bytes": int(size), "direct_s": round(by_hand, 2),
            "migrator_s": round(wall, 2), "migrator_minus_startup_s": round(wall - start, 2),
            "ratio_without_startup": round((wall - start) / max(by_hand, 0.001), 2),
            "migrator_ms_per_partition": round((wall - start) * 1000 / partitions, 1),
            "moves_s": round(moves, 2), "moves_ratio": round(moves / max(by_hand, 0.001), 2),
            "direct_ms_per_partition": round(by_hand * 1000 / partitions, 1), "peak_rss_mb": round(rss),
            "peak_live_heap_mb": heap}


def live(stack, partitions, rows, xmx, free_local):
    """The same inserts-only workload migrated with the source kept whole (the default) or with
    --free-local-per-partition: a writer inserts 100 rows into a random partition every 50 ms while
    the migrator runs, most of them into partitions already copied. Wall time, rows inserted, rows
    the catch-up carried and rows copied again, the cut-over's length and the local bytes the
    source still held when the copy ended (the cost of keeping it whole)."""
    mode = "free" if free_local else "whole"
    table = "live_" + mode
    create_table(stack, table, partitions, rows)
    local = int(stack.sql("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '%s' AND table = '%s' AND active"
                          % (DB, table)))
    inserted = [0]
    stop = threading.Event()

    def writer():
        next_id = partitions * rows
        while not stop.is_set():
            stack.sql("INSERT INTO %s.%s SELECT %d, %d + number, 'late' FROM numbers(100)"
                      % (DB, table, secrets.randbelow(partitions), next_id))
            next_id += 100
            inserted[0] += 100
            time.sleep(0.05)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        wall, rss, heap = migrator(stack, table, xmx, "live_" + mode,
                                   extra=["--free-local-per-partition"] if free_local else [])
    finally:
        stop.set()
        thread.join()
    count = int(stack.sql("SELECT count() FROM %s.%s" % (DB, table)))
    if count != partitions * rows + inserted[0]:
        raise RuntimeError("%s holds %d rows, %d expected" % (table, count, partitions * rows + inserted[0]))
    reports = os.path.join(WORK, "runs", "live_" + mode, "reports")
    report = json.load(open(os.path.join(reports, sorted(f for f in os.listdir(reports)
                                                         if f.startswith("migration_%s.%s_" % (DB, table)))[-1])))
    with open(os.path.join(WORK, "live_" + mode + ".log")) as f:
        recopied = sum(int(m.group(1).replace(",", "")) for m in re.finditer(r"copied again \(.*?\): ([0-9,]+) rows", f.read()))
    stack.sql("DROP TABLE %s.%s SYNC" % (DB, table))
    return {"mode": mode, "partitions": partitions, "rows": partitions * rows, "local_bytes": local,
            "migrator_s": round(wall, 2), "rows_inserted": inserted[0], "rows_caught_up": report.get("lateRows", 0),
            "rows_copied_again": recopied, "cut_over_s": report.get("cutOverSeconds"),
            "local_bytes_held_at_cut_over": local if not free_local else 0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partitions", default="100,2000,10000", help="tiny-partition sizes (default %(default)s)")
    parser.add_argument("--rows-per-partition", type=int, default=10)
    parser.add_argument("--large-rows", type=int, default=10_000_000, help="rows of the large table, 0 to skip")
    parser.add_argument("--xmx", default="", help="the migrator's -Xmx (default: the JVM's)")
    parser.add_argument("--migrator-only", action="store_true",
                        help="tiny partitions: run the migrator alone, without the direct SQL (memory and scale runs)")
    parser.add_argument("--live-every", type=float, default=0,
                        help="seconds between full-GC class histograms of the migrator (true live heap); 0: GC log")
    parser.add_argument("--java-opts", default=JAVA_OPTS[0],
                        help="the migrator's JVM options, as JAVA_OPTS of bin/clickhouse-migrator (default %(default)s)")
    parser.add_argument("--no-cds", action="store_true", help="the launcher without its class-data archive (java -jar)")
    parser.add_argument("--no-build", action="store_true", help="use target/clickhouse-migrator.jar as it is")
    parser.add_argument("--move-rows", type=int, default=4_000_000,
                        help="rows of the table (48 partitions) migrated in place against hand-typed moves, 0 to skip")
    parser.add_argument("--live-rows", type=int, default=2_000_000,
                        help="rows of the live table (12 partitions) migrated under inserts both ways, 0 to skip")
    args = parser.parse_args()
    LIVE_EVERY[0] = args.live_every
    JAVA_OPTS[0] = args.java_opts
    CDS[0] = "off" if args.no_cds else "on"
    os.makedirs(WORK, exist_ok=True)
    if not args.no_build:
        log("building target/clickhouse-migrator.jar")
        subprocess.run([os.path.join(ROOT, "mvnw"), "-q", "-B", "-ntp", "-DskipTests", "package"], cwd=ROOT, check=True)
    stack = Stack()
    try:
        log("starting the local stack (first run fetches libchdb via npm)")
        stack.start()
        stack.sql("CREATE DATABASE IF NOT EXISTS %s" % DB)
        results = {"clickhouse": stack.sql("SELECT version()").strip(), "xmx": args.xmx or "default",
                   "java_opts": JAVA_OPTS[0], "cds": CDS[0]}
        start, plain, first = startup(stack, args.xmx)
        results["startup_s"], results["startup_java_jar_s"] = round(start, 2), round(plain, 2)
        results["first_statement_s"] = round(first, 2) if first is not None else None
        log("start-up %.2f s (java -jar: %.2f s); first ClickHouse statement after %s s" % (start, plain, results["first_statement_s"]))
        results["small"] = small(stack, args.xmx)
        log(json.dumps(results["small"]))
        results["tiny"] = []
        for partitions in [int(p) for p in args.partitions.split(",") if p]:
            log("%d partitions of %d rows" % (partitions, args.rows_per_partition))
            results["tiny"].append(tiny(stack, partitions, args.rows_per_partition, args.xmx, results["startup_s"],
                                        args.migrator_only))
            log(json.dumps(results["tiny"][-1]))
        if args.move_rows:
            log("in place (--strategy move), %d rows in 48 partitions" % args.move_rows)
            results["move"] = in_place(stack, args.move_rows, 48, args.xmx, results["startup_s"])
            log(json.dumps(results["move"]))
        if args.live_rows:
            results["live"] = []
            for free_local in (False, True):
                log("live table, %d rows, %s" % (args.live_rows, "--free-local-per-partition" if free_local else "source whole"))
                results["live"].append(live(stack, 12, args.live_rows // 12, args.xmx, free_local))
                log(json.dumps(results["live"][-1]))
        if args.large_rows:
            log("large table, %d rows" % args.large_rows)
            results["large"] = large(stack, args.large_rows, args.xmx, results["startup_s"])
            log(json.dumps(results["large"]))
    finally:
        stack.stop()
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print_table(results)


def print_table(results):
    print("clickhouse-migrator benchmark (local stack, ClickHouse %s, bin/clickhouse-migrator, JAVA_OPTS %s, -Xmx %s, "
          "class-data archive %s); start-up %.2f s (java -jar: %.2f s)"
          % (results["clickhouse"], results["java_opts"], results["xmx"], results["cds"], results["startup_s"],
             results["startup_java_jar_s"]))
    if results.get("first_statement_s") is not None:
        print("start-up to the first ClickHouse statement (launcher): %.2f s" % results["first_statement_s"])
    if "small" in results:
        row = results["small"]
        print("per-table fixed work (4 partitions, 2,000 rows): job %.2f s from the table lock to its end, %d statements; "
              "the ATTACH sequence by hand %.2f s; fixed work %.2f s" % (row["job_s"], row["statements"], row["direct_s"],
                                                                      row["fixed_s"]))
    if results["tiny"]:
        print("%-12s %-10s %-12s %-8s %-22s %-20s %-12s %s" % ("partitions", "direct s", "migrator s", "ratio",
                                                               "overhead ms/partition", "migrator ms/partition",
                                                               "peak RSS MB", "live heap MB"))

    def figure(value, form):
        return "-" if value is None else form % value

    for row in results["tiny"]:
        print("%-12d %-10s %-12.2f %-8s %-22s %-20.2f %-12d %d" % (
            row["partitions"], figure(row["direct_s"], "%.2f"), row["migrator_s"], figure(row["ratio"], "%.2f"),
            figure(row["overhead_ms_per_partition"], "%.2f"), row["migrator_ms_per_partition"], row["peak_rss_mb"],
            row["peak_live_heap_mb"]))
    if len(results["tiny"]) > 1:
        first, last = results["tiny"][0], results["tiny"][-1]
        print("per-partition cost at %d partitions / at %d: %.2f" % (
            last["partitions"], first["partitions"],
            last["migrator_ms_per_partition"] / max(first["migrator_ms_per_partition"], 0.001)))
    if "large" in results:
        row = results["large"]
        print("large: %d rows (%d MB) in %d partitions: direct %.2f s, migrator %.2f s (%.2f s without start-up), "
              "migrator / (direct + start-up) = %.2f, peak RSS %d MB, live heap %d MB" % (
                  row["rows"], row["bytes"] // 2**20, row["partitions"], row["direct_s"], row["migrator_s"],
                  row["migrator_minus_startup_s"], row["ratio_to_direct_plus_startup"], row["peak_rss_mb"],
                  row["peak_live_heap_mb"]))
        print("attach path without start-up: %.2fx the hand-typed ATTACH sequence" % (
            row["migrator_minus_startup_s"] / max(row["direct_s"], 0.001)))
    if "move" in results:
        row = results["move"]
        print("in place: %d rows (%d MB) in %d partitions: hand-typed moves %.2f s (%.1f ms/partition), --strategy move "
              "%.2f s, %.2f s without start-up (%.1f ms/partition), %.2fx the hand-typed moves" % (
                  row["rows"], row["bytes"] // 2**20, row["partitions"], row["direct_s"], row["direct_ms_per_partition"],
                  row["migrator_s"], row["migrator_minus_startup_s"], row["migrator_ms_per_partition"],
                  row["ratio_without_startup"]))
        print("  the moves themselves (the job's log: policy set -> last partition recorded): %.2f s, %.2fx the "
              "hand-typed moves; the rest is per-table work (checks, validation, report)" % (row["moves_s"],
                                                                                          row["moves_ratio"]))
    if results.get("live"):
        whole, free = results["live"][0], results["live"][1]
        print("live table under inserts: %d rows in %d partitions, %d MB local" % (
            whole["rows"], whole["partitions"], whole["local_bytes"] // 2**20))
        for row in results["live"]:
            print("  %-6s migrator %.2f s, %d rows inserted meanwhile, %d carried by the catch-up, %d copied again, "
                  "cut-over %s s" % (row["mode"], row["migrator_s"], row["rows_inserted"], row["rows_caught_up"],
                                     row["rows_copied_again"], row["cut_over_s"]))
        print("  source whole / --free-local-per-partition: %.2fx the time; rows re-copied %.2fx the rows inserted; "
              "%d MB held on local disks until the cut-over" % (
                  whole["migrator_s"] / max(free["migrator_s"], 0.001),
                  (whole["rows_caught_up"] + whole["rows_copied_again"]) / max(whole["rows_inserted"], 1),
                  whole["local_bytes_held_at_cut_over"] // 2**20))
    print("(results: %s)" % os.path.join(WORK, "results.json"))


if __name__ == "__main__":
    main()
