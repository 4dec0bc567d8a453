#!/usr/bin/env bash
# Reproduces the "Directory" figures of BENCHMARKS.md: loads synthetic
# organisations into the development database (make services), serves the
# app on a loopback port of its own and measures a baseline (/healthz), the
# first page of /organisations, a page deep down its keyset pagination and
# a profile, and the news (/news, a deep page of it, an article, the Atom
# feed: seed synthetic writes about 3 articles per organisation), and the
# JSON API (/api/v1/organisations: its first page, a cursor as deep as the
# deep page, one organisation) with wrk: N concurrent connections for a fixed time each. It
# measures twice: as served (with the page cache for anonymous visitors),
# then with PAGE_CACHE_BYTES=0, where every request queries and renders.
#
# The API's requests come from many client addresses (scripts/bench-api.lua
# sets X-Forwarded-For; the server trusts it from 127.0.0.1 only), so its
# per-client rate limit is measured without refusing the benchmark.
#
# Settings (environment): BENCH_ORGS (100000), BENCH_SEED (1),
# BENCH_CONNECTIONS (16), BENCH_DURATION (20s), BENCH_DEPTH (500 pages),
# BENCH_NEWS_DEPTH (100 pages of /news),
# BENCH_ADDR (127.0.0.1:18080).
set -euo pipefail
cd "$(dirname "$0")/.."

orgs=${BENCH_ORGS:-100000}
seed=${BENCH_SEED:-1}
conns=${BENCH_CONNECTIONS:-16}
duration=${BENCH_DURATION:-20s}
depth=${BENCH_DEPTH:-500}
news_depth=${BENCH_NEWS_DEPTH:-100}
addr=${BENCH_ADDR:-127.0.0.1:18080}
bin=bin/partnerdir
out=.data/bench
mkdir -p "$out"

case $addr in
127.0.0.1:* | localhost:*) ;;
*) echo "bench: BENCH_ADDR must be a loopback address" >&2; exit 2 ;;
esac
if ! command -v wrk >/dev/null; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "bench: needs wrk: run 'sudo apt-get install -y wrk'" >&2; exit 1
	fi
	echo "apt: installing wrk"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

set -a; source .data/dev.env; set +a
# Its own metrics listener would collide with a running `make run`'s.
export HTTP_ADDR=$addr BASE_URL=http://$addr METRICS_ADDR=off
$bin migrate up >/dev/null
$bin seed demo >/dev/null
echo "== seed synthetic --orgs $orgs --seed $seed"
start=$(date +%s.%N)
$bin seed synthetic --orgs "$orgs" --seed "$seed" | tee "$out/seed.log" | grep -v '^synthetic organisations: '
echo "seed wall time: $(echo "$(date +%s.%N) - $start" | bc) s"

base=http://$addr
if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then
	echo "bench: something already answers on $addr; stop it or set BENCH_ADDR" >&2
	exit 1
fi
server=
stop_server() {
	if [[ -n $server ]]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
		server=
	fi
}
trap stop_server EXIT
# start_server [VAR=value…] starts the app with extra settings and waits
# until it answers.
start_server() {
	env TRUSTED_PROXIES=127.0.0.1 "$@" $bin serve >>"$out/serve.log" 2>&1 &
	server=$!
	for _ in $(seq 300); do
		curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
		kill -0 "$server" 2>/dev/null || { echo "bench: the server exited; see $out/serve.log" >&2; exit 1; }
		sleep 0.1
	done
	curl -fsS -o /dev/null "$base/healthz"
}
: >"$out/serve.log"
start_server

# Follow the "next" link $depth pages deep, as a visitor would.
page=/organisations
for ((i = 0; i < depth; i++)); do
	next=$(curl -fsS "$base$page" | grep -o 'href="/organisations?after=[^"]*"' | head -1 | sed -e 's/^href="//' -e 's/"$//' -e 's/&amp;/\&/g')
	[[ -n $next ]] || { echo "bench: no next link on $page" >&2; exit 1; }
	page=$next
done
deep=$page
profile=$(curl -fsS "$base$deep" | grep -o 'href="/organisations/syn-[^"]*"' | head -1 | sed -e 's/^href="//' -e 's/"$//')
[[ -n $profile ]] || { echo "bench: no synthetic profile on $deep" >&2; exit 1; }

# The same for the partners' news: $news_depth pages deep into /news, and
# an article found there.
page=/news
for ((i = 0; i < news_depth; i++)); do
	next=$(curl -fsS "$base$page" | grep -o 'href="/news?after=[^"]*"' | head -1 | sed -e 's/^href="//' -e 's/"$//' -e 's/&amp;/\&/g')
	[[ -n $next ]] || { echo "bench: no next link on $page" >&2; exit 1; }
	page=$next
done
news_deep=$page
article=$(curl -fsS "$base$news_deep" | grep -o 'href="/news/[a-z0-9-]*"' | head -1 | sed -e 's/^href="//' -e 's/"$//')
[[ -n $article ]] || { echo "bench: no article on $news_deep" >&2; exit 1; }

# The API's cursor as deep as the deep page: $depth pages of 20 through
# next_cursor.
api_deep=/api/v1/organisations
for ((i = 0; i < depth; i++)); do
	# from an address of its own each time: one address gets 60 at once
	cursor=$(curl -fsS -H "X-Forwarded-For: 10.255.$((i / 256 % 256)).$((i % 256))" "$base$api_deep" | grep -o '"next_cursor":"[^"]*"' | head -1 | sed -e 's/^"next_cursor":"//' -e 's/"$//')
	[[ -n $cursor ]] || { echo "bench: no next_cursor on $api_deep" >&2; exit 1; }
	api_deep="/api/v1/organisations?cursor=$cursor"
done
api_org=/api/v1$profile

echo "== $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $conns connections, $duration each"
echo "deep page: $depth pages in ($deep)"
echo "profile:   $profile"
echo "news deep: $news_depth pages in ($news_deep)"
echo "article:   $article"
echo "api deep:  $depth pages in ($api_deep)"
echo "api org:   $api_org"

# measure LABEL: the four endpoints against the running server, as a table.
measure() {
	echo
	echo "== $1"
	echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
	local results=() target name path line r
	for target in "healthz|/healthz" "list first page|/organisations" "list deep page|$deep" "profile|$profile" \
		"news first page|/news" "news deep page|$news_deep" "article|$article" "news feed|/news.atom" \
		"api first page|/api/v1/organisations" "api deep cursor|$api_deep" "api organisation|$api_org"; do
		name=${target%%|*}
		path=${target#*|}
		script=scripts/bench.lua
		[[ $path != /api/* ]] || script=scripts/bench-api.lua
		wrk -t2 -c"$conns" -d2s -s "$script" "$base$path" >/dev/null # warm up
		line=$(wrk -t2 -c"$conns" -d"$duration" -s "$script" "$base$path" | grep '^RESULT')
		results+=("$name|$line")
	done
	echo
	echo "| endpoint | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors | p95 / baseline p95 |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	local base95=
	for r in "${results[@]}"; do
		name=${r%%|*}
		line=${r#*|}
		get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
		reqs=$(get requests); secs=$(get seconds); p95=$(get p95)
		[[ -n $base95 ]] || base95=$p95
		printf '| %s | %.0f | %s | %s | %s | %s | %s | %.1f× |\n' "$name" "$(echo "$reqs / $secs" | bc -l)" \
			"$(get p50)" "$p95" "$(get p99)" "$(get max)" "$(get errors)" "$(echo "$p95 / $base95" | bc -l)"
	done
	echo
	echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
}

measure "page cache on (PAGE_CACHE_BYTES default): what visitors get"
stop_server
start_server PAGE_CACHE_BYTES=0
measure "page cache off (PAGE_CACHE_BYTES=0): every request queries PostgreSQL and renders"
