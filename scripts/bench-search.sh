#!/usr/bin/env bash
# make bench-search: the search benchmark of BENCHMARKS.md, repeatable in one
# command. It uses the test services' PostgreSQL (its own database,
# partnerdir_bench) and starts a private Meilisearch and the app, so nothing
# else shares them during the measurement; then runs cmd/searchbench.
#
# It then runs the realistic mix (at least 500 distinct queries drawn with a
# Zipf distribution, 32 clients) against Meilisearch directly, the app with
# its search answer cache and a second app without it (SEARCH_CACHE_BYTES=0).
#
#   ORGS=100000 CONCURRENCY=8 REQUESTS=3000 FALLBACK_REQUESTS=500 scripts/bench-search.sh
#   MIX_CLIENTS=32 MIX_QUERIES=600 MIX_RUN=15s MIX_SEED=42 (the mix)
#   (SKIP_INDEX=1 skips the reindex and raw ingestion timings; REQUESTS=0
#   the fixed 23 queries; FALLBACK_REQUESTS=0 the fallback; KEEP_INDEX=1
#   keeps the private Meilisearch's data of the last run, so its index is
#   not rebuilt)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
ORGS=${ORGS:-100000}
CONCURRENCY=${CONCURRENCY:-8}
REQUESTS=${REQUESTS:-3000}
FALLBACK_REQUESTS=${FALLBACK_REQUESTS:-500}
MEILI_PORT=${BENCH_MEILI_PORT:-7790}
APP_ADDR=${BENCH_APP_ADDR:-127.0.0.1:18090}
APP2_ADDR=${BENCH_APP2_ADDR:-127.0.0.1:18091}
METRICS=${BENCH_METRICS_ADDR:-127.0.0.1:18092}
DB=${BENCH_DB:-partnerdir_bench}

# BENCH_ENV=FILE uses the services that FILE's settings name (another
# checkout's .data/test.env) instead of starting this checkout's.
env_file=${BENCH_ENV:-}
if [[ -z $env_file ]]; then
	scripts/services.sh up test >/dev/null
	env_file=.data/test.env
fi
set -a
# shellcheck disable=SC1090
source "$env_file"
set +a
go build -o bin/partnerdir ./cmd/partnerdir
go build -o bin/searchbench ./cmd/searchbench

base=${DATABASE_URL%/*}
psql "$base/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
	psql "$base/postgres" -qc "CREATE DATABASE $DB"
export DATABASE_URL="$base/$DB?sslmode=disable"

dir=$ROOT/.data/bench-meili
[[ -n ${KEEP_INDEX:-} ]] || rm -rf "$dir"
mkdir -p "$dir"
export MEILI_URL="http://127.0.0.1:$MEILI_PORT" MEILI_MASTER_KEY="bench-master-key-0123456789abcdef" MEILI_INDEX=organisations
"$MEILI_BIN" --db-path "$dir/data" --dump-dir "$dir/dumps" --snapshot-dir "$dir/snapshots" \
	--http-addr "127.0.0.1:$MEILI_PORT" --master-key "$MEILI_MASTER_KEY" --no-analytics --env development \
	>"$dir/meili.log" 2>&1 &
meili_pid=$!
app_pid= app2_pid=
cleanup() {
	[[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null || true
	[[ -n $app2_pid ]] && kill "$app2_pid" 2>/dev/null || true
	kill "$meili_pid" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT
until curl -fsS "$MEILI_URL/health" >/dev/null 2>&1; do sleep 0.1; done

bin/partnerdir migrate up >/dev/null
# The result on stdout; progress (stderr) only when the seed fails.
bin/partnerdir seed synthetic --orgs "$ORGS" 2>"$dir/seed.log" || { cat "$dir/seed.log" >&2; exit 1; }

since=$(psql "$DATABASE_URL" -Atqc "SELECT now()")
# Both apps believe X-Forwarded-For from 127.0.0.1 only: the benchmark
# gives each request its own client address, so the per-client rate
# limits do not throttle a load test.
HTTP_ADDR=$APP_ADDR METRICS_ADDR=$METRICS TRUSTED_PROXIES=127.0.0.1 APP_ENV=development bin/partnerdir serve >"$dir/app.log" 2>&1 &
app_pid=$!
until curl -fsS "http://$APP_ADDR/healthz" >/dev/null 2>&1; do sleep 0.1; done
# The app's start-up index check finds a new, empty index and rebuilds it
# (as after a Meilisearch that lost its data); wait for it, so the timings
# below do not share the machine with it.
start=$(date +%s)
until [[ $(psql "$DATABASE_URL" -Atqc "SELECT count(*) FROM river_job WHERE kind = 'check_search_index' AND state = 'completed' AND finalized_at >= '$since'") -ge 1 ]]; do
	kill -0 "$app_pid" 2>/dev/null || { echo "bench-search: the app exited; see $dir/app.log" >&2; exit 1; }
	sleep 1
done
echo "app start-up: its index check (which rebuilds a new index) took about $(($(date +%s) - start)) s"
# The same app without the search answer cache, for the mix's comparison.
HTTP_ADDR=$APP2_ADDR METRICS_ADDR=off SEARCH_CACHE_BYTES=0 TRUSTED_PROXIES=127.0.0.1 APP_ENV=development \
	bin/partnerdir serve >"$dir/app2.log" 2>&1 &
app2_pid=$!
until curl -fsS "http://$APP2_ADDR/healthz" >/dev/null 2>&1; do
	kill -0 "$app2_pid" 2>/dev/null || { echo "bench-search: the second app exited; see $dir/app2.log" >&2; exit 1; }
	sleep 0.1
done

echo "machine: $(nproc) cores, $(uname -sr); Meilisearch $(curl -fsS -H "Authorization: Bearer $MEILI_MASTER_KEY" "$MEILI_URL/version" | sed 's/.*"pkgVersion":"\([^"]*\)".*/\1/')"
echo
bin/searchbench -app "http://$APP_ADDR" -c "$CONCURRENCY" -n "$REQUESTS" -nf "$FALLBACK_REQUESTS" ${SKIP_INDEX:+-skip-index} \
	-app-uncached "http://$APP2_ADDR" -mix-c "${MIX_CLIENTS:-32}" -mix-queries "${MIX_QUERIES:-600}" -mix-run "${MIX_RUN:-15s}" \
	-mix-seed "${MIX_SEED:-42}"
echo
echo "The cached app's search answer cache at the end (its /metrics):"
curl -fsS "http://$METRICS/metrics" | grep -E '^partnerdir_search_cache_(lookups_total|answers|bytes)' || true
echo "Resident memory of the cached app: $(($(curl -fsS "http://$METRICS/metrics" | awk '/^process_resident_memory_bytes/ {printf "%d", $2}') / 1048576)) MiB"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
