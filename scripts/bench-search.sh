#!/usr/bin/env bash
# make bench-search: the search benchmark of BENCHMARKS.md, repeatable in one
# command. It uses the test services' PostgreSQL (its own database,
# partnerdir_bench) and starts a private Meilisearch and the app, so nothing
# else shares them during the measurement; then runs cmd/searchbench.
#
#   ORGS=100000 CONCURRENCY=8 REQUESTS=3000 FALLBACK_REQUESTS=500 scripts/bench-search.sh
#   (SKIP_INDEX=1 skips the reindex and raw ingestion timings)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
ORGS=${ORGS:-100000}
CONCURRENCY=${CONCURRENCY:-8}
REQUESTS=${REQUESTS:-3000}
FALLBACK_REQUESTS=${FALLBACK_REQUESTS:-500}
MEILI_PORT=${BENCH_MEILI_PORT:-7790}
APP_ADDR=${BENCH_APP_ADDR:-127.0.0.1:18090}
DB=${BENCH_DB:-partnerdir_bench}

scripts/services.sh up test >/dev/null
set -a
# shellcheck disable=SC1091
source .data/test.env
set +a
go build -o bin/partnerdir ./cmd/partnerdir
go build -o bin/searchbench ./cmd/searchbench

base=${DATABASE_URL%/*}
psql "$base/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
	psql "$base/postgres" -qc "CREATE DATABASE $DB"
export DATABASE_URL="$base/$DB?sslmode=disable"

dir=$ROOT/.data/bench-meili
rm -rf "$dir" && mkdir -p "$dir"
export MEILI_URL="http://127.0.0.1:$MEILI_PORT" MEILI_MASTER_KEY="bench-master-key-0123456789abcdef" MEILI_INDEX=organisations
"$MEILI_BIN" --db-path "$dir/data" --dump-dir "$dir/dumps" --snapshot-dir "$dir/snapshots" \
	--http-addr "127.0.0.1:$MEILI_PORT" --master-key "$MEILI_MASTER_KEY" --no-analytics --env development \
	>"$dir/meili.log" 2>&1 &
meili_pid=$!
app_pid=
cleanup() {
	[[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null || true
	kill "$meili_pid" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT
until curl -fsS "$MEILI_URL/health" >/dev/null 2>&1; do sleep 0.1; done

bin/partnerdir migrate up >/dev/null
# The result on stdout; progress (stderr) only when the seed fails.
bin/partnerdir seed synthetic --orgs "$ORGS" 2>"$dir/seed.log" || { cat "$dir/seed.log" >&2; exit 1; }

since=$(psql "$DATABASE_URL" -Atqc "SELECT now()")
HTTP_ADDR=$APP_ADDR APP_ENV=development bin/partnerdir serve >"$dir/app.log" 2>&1 &
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
echo "app start-up: its index check rebuilt the new index in about $(($(date +%s) - start)) s"

echo "machine: $(nproc) cores, $(uname -sr); Meilisearch $(curl -fsS -H "Authorization: Bearer $MEILI_MASTER_KEY" "$MEILI_URL/version" | sed 's/.*"pkgVersion":"\([^"]*\)".*/\1/')"
echo
bin/searchbench -app "http://$APP_ADDR" -c "$CONCURRENCY" -n "$REQUESTS" -nf "$FALLBACK_REQUESTS" ${SKIP_INDEX:+-skip-index}
