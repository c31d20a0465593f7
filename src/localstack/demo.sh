#!/usr/bin/env bash
# Demo: builds clickhouse-migrator, starts the local stack (libchdb ClickHouse + S3Proxy, no Docker),
# creates demo.events (~100k rows, 4 monthly partitions on the local disk) and migrates it to the
# `s3` storage policy, showing system.parts before and after.
# Needs JDK 17, npm (first run downloads libchdb, ~180 MB) and python3. Usage: bash src/localstack/demo.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# absolute paths for the migrator: H2 refuses a JobRepository path like target/demo/data (no ./)

DEMO=target/demo
STATE="$DEMO/stack"
# a throwaway password for this demo stack only, new on every run
PASSWORD="demo-$(od -An -N8 -tx8 /dev/urandom | tr -d " \n")"
STACK_PID=""

say() { printf '\n==> %s\n' "$*"; }

stop_stack() {
	if [ -n "$STACK_PID" ] && kill -0 "$STACK_PID" 2>/dev/null; then
		say "stopping the local stack (pid $STACK_PID)"
		kill -TERM "$STACK_PID" 2>/dev/null || true
		for _ in $(seq 1 300); do
			kill -0 "$STACK_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$STACK_PID" 2>/dev/null || true
		wait "$STACK_PID" 2>/dev/null || true
	fi
}
trap stop_stack EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# one statement against the stack's HTTP interface; the password goes in a header, never in argv
sql() {
	PORT="$PORT" CH_PASSWORD="$PASSWORD" python3 - "$1" <<'PY'
import base64, os, sys, urllib.error, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/" % os.environ["PORT"], data=sys.argv[1].encode())
token = base64.b64encode(("default:" + os.environ["CH_PASSWORD"]).encode()).decode()
req.add_header("Authorization", "Basic " + token)
try:
    with urllib.request.urlopen(req, timeout=600) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stderr.write("ClickHouse error: %s\n" % e.read().decode().strip())
    sys.exit(1)
PY
}

parts() {
	sql "SELECT partition, count() AS parts, sum(rows) AS rows, groupUniqArray(disk_name) AS disks
	     FROM system.parts WHERE database = 'demo' AND table = 'events' AND active
	     GROUP BY partition ORDER BY partition FORMAT PrettyCompactMonoBlock"
}

say "building target/clickhouse-migrator.jar"
./mvnw -q -B -DskipTests package

say "starting the local stack in $STATE (log: $STATE/localstack.log; first run fetches libchdb via npm)"
mkdir -p "$STATE"
rm -f "$STATE/stack.json"
python3 src/localstack/localstack.py --state-dir "$STATE" --s3proxy-jar target/localstack/s3proxy.jar \
	--password "$PASSWORD" --parent-pid $$ >"$STATE/localstack.log" 2>&1 &
STACK_PID=$!

deadline=$((SECONDS + 600))
until [ -f "$STATE/stack.json" ]; do
	if ! kill -0 "$STACK_PID" 2>/dev/null; then
		echo "the local stack exited; its log ends with:" >&2
		tail -n 20 "$STATE/localstack.log" >&2
		exit 1
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "the local stack is not ready after 10 minutes; see $STATE/localstack.log" >&2
		exit 1
	fi
	sleep 1
done
PORT="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["http_port"])' "$STATE/stack.json")"
echo "ClickHouse $(sql 'SELECT version()' | tr -d '\n') on http://127.0.0.1:$PORT (user default)"

say "creating demo.events"
sql "DROP DATABASE IF EXISTS demo SYNC" >/dev/null
rm -rf "$DEMO/data"
sql "CREATE DATABASE demo" >/dev/null
sql "CREATE TABLE demo.events (
	     day Date, ts DateTime, id UInt64, user_id UInt32, kind LowCardinality(String),
	     amount Decimal(12, 2), payload String
	 ) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (day, id)" >/dev/null
sql "INSERT INTO demo.events
	 SELECT toDate('2024-01-01') + intDiv(number, 834) AS day,
	        toDateTime(day) + number % 86400, number, number % 5000,
	        ['click', 'view', 'purchase', 'signup'][number % 4 + 1],
	        toDecimal64((number % 10000) / 100, 2), concat('event-', toString(number))
	 FROM numbers(100000)" >/dev/null

say "system.parts before"
parts

say "running clickhouse-migrator --mode single --db demo --table events --s3-policy s3"
set +e
CH_PASSWORD="$PASSWORD" java -jar target/clickhouse-migrator.jar --mode single --db demo --table events \
	--s3-policy s3 --host 127.0.0.1 --port "$PORT" --insert-interval 0 \
	--clickhouse.properties.compress=false --migrator.home="$ROOT/$DEMO/data" \
	--report-path "$ROOT/$DEMO/reports" --log-path "$ROOT/$DEMO/logs"
EXIT=$?
set -e
echo "clickhouse-migrator exited with $EXIT"

say "system.parts after"
parts
echo "rows in demo.events: $(sql 'SELECT count() FROM demo.events' | tr -d '\n')"
echo "storage policy of demo.events: $(sql "SELECT storage_policy FROM system.tables WHERE database = 'demo' AND name = 'events'" | tr -d '\n')"

say "where things are"
echo "reports:       $ROOT/$DEMO/reports $(ls "$DEMO/reports" 2>/dev/null | tr '\n' ' ')"
echo "logs:          $ROOT/$DEMO/logs"
echo "JobRepository: $ROOT/$DEMO/data/jobrepository.mv.db (H2: jdbc:h2:file:$ROOT/$DEMO/data/jobrepository;AUTO_SERVER=TRUE, user sa)"
echo "S3 objects:    $ROOT/$STATE/s3/clickhouse/data/"
exit "$EXIT"
