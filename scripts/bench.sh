#!/usr/bin/env bash
# Reproduces the "Directory" figures of BENCHMARKS.md: loads synthetic
# organisations into the development database (make services), serves the
# app on a loopback port of its own and measures a baseline (/healthz), the
# first page of /organisations, a page deep down its keyset pagination and
# a profile, and the news (/news, a deep page of it, an article, the Atom
# feed: seed synthetic writes about 3 articles per organisation), and the
# JSON API (/api/v1/organisations: its first page, a cursor as deep as the
# deep page, one organisation), /countries/FR and a theme page with wrk: N
# concurrent connections for a fixed time each.
#
# As served (with the page cache for anonymous visitors), each page is
# measured side by side with a bare baseline: cmd/benchserve fetches it once
# from the app (same Accept-Encoding) and serves the very same bytes and
# headers from a plain net/http server on BENCH_BARE_ADDR; the table gives
# the app's throughput as a fraction of the bare server's.
#
# Then cold: with the page cache off (PAGE_CACHE_BYTES=0), /countries/FR, the list filtered by theme, country,
# kind, verification and all of them at once, a page of the country's list
# deep in its keyset, the API filtered by support
# sought, and profiles each asked for in turn from 1,000 (nobody asked for
# the same one a moment ago). At the end of each phase, the resident memory
# of the serve process (VmRSS, and its peak VmHWM, from /proc).
#
# The API's requests come from many client addresses (scripts/bench-api.lua
# sets X-Forwarded-For; the server trusts it from 127.0.0.1 only), so its
# per-client rate limit is measured without refusing the benchmark.
#
# Settings (environment): BENCH_ORGS (100000), BENCH_SEED (1),
# BENCH_CONNECTIONS (16), BENCH_DURATION (10s), BENCH_DEPTH (500 pages),
# BENCH_NEWS_DEPTH (100 pages of /news), BENCH_ENCODING (the Accept-Encoding
# sent: gzip, br), BENCH_ADDR (127.0.0.1:18080), BENCH_BARE_ADDR
# (127.0.0.1:18081), BENCH_ENV (a file of settings read after .data/dev.env,
# e.g. a DATABASE_URL of a database of its own).
set -euo pipefail
cd "$(dirname "$0")/.."

orgs=${BENCH_ORGS:-100000}
seed=${BENCH_SEED:-1}
conns=${BENCH_CONNECTIONS:-16}
duration=${BENCH_DURATION:-10s}
depth=${BENCH_DEPTH:-500}
news_depth=${BENCH_NEWS_DEPTH:-100}
addr=${BENCH_ADDR:-127.0.0.1:18080}
bare_addr=${BENCH_BARE_ADDR:-127.0.0.1:18081}
encoding=${BENCH_ENCODING:-gzip, br}
bin=bin/partnerdir
out=.data/bench
mkdir -p "$out"

for a in "$addr" "$bare_addr"; do
	case $a in
	127.0.0.1:* | localhost:*) ;;
	*) echo "bench: BENCH_ADDR and BENCH_BARE_ADDR must be loopback addresses" >&2; exit 2 ;;
	esac
done
if ! command -v wrk >/dev/null; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "bench: needs wrk: run 'sudo apt-get install -y wrk'" >&2; exit 1
	fi
	echo "apt: installing wrk"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

set -a; source .data/dev.env; [[ -z ${BENCH_ENV:-} ]] || source "$BENCH_ENV"; set +a
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
server= bare=
stop_server() {
	if [[ -n $server ]]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
		server=
	fi
}
stop_bare() {
	if [[ -n $bare ]]; then
		kill "$bare" 2>/dev/null || true
		wait "$bare" 2>/dev/null || true
		bare=
	fi
}
trap 'stop_bare; stop_server' EXIT
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


# A theme page, and profiles for the cold run: 1,000 published synthetic
# organisations, in an order of their own.
theme=$(psql "$DATABASE_URL" -Atc "SELECT slug FROM themes ORDER BY position, slug LIMIT 1")
[[ -n $theme ]] || { echo "bench: no theme" >&2; exit 1; }
psql "$DATABASE_URL" -Atc "SELECT '/organisations/' || slug FROM organisations
	WHERE status = 'published' AND slug LIKE 'syn-$seed-%' ORDER BY md5(slug) LIMIT 1000" >"$out/profiles.txt"
[[ -s $out/profiles.txt ]] || { echo "bench: no synthetic profiles found" >&2; exit 1; }

echo "== $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $conns connections, $duration each; Accept-Encoding: $encoding"
echo "deep page: $depth pages in ($deep)"
echo "profile:   $profile"
echo "news deep: $news_depth pages in ($news_deep)"
echo "article:   $article"
echo "api deep:  $depth pages in ($api_deep)"
echo "api org:   $api_org"
echo "theme:     /themes/$theme"

# wrk_run URL SCRIPT [ARGS…] prints wrk's RESULT line after a 2 s warm-up.
wrk_run() {
	local url=$1 script=$2
	shift 2
	wrk -t2 -c"$conns" -d2s -H "Accept-Encoding: $encoding" -s "$script" "$url" -- "$@" >/dev/null
	wrk -t2 -c"$conns" -d"$duration" -H "Accept-Encoding: $encoding" -s "$script" "$url" -- "$@" | grep '^RESULT'
}
get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
rps() { echo "$(get requests "$1") / $(get seconds "$1")" | bc -l; }

# memory: the serve process's resident memory now and at its peak.
memory() {
	echo "serve memory: VmRSS $(awk '/^VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$server/status"), VmHWM (peak) $(awk '/^VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$server/status")"
}

# As served, against the bare copy of each page.
targets=("list first page|/organisations" "list deep page|$deep" "profile|$profile"
	"country page|/countries/FR" "theme page|/themes/$theme"
	"news first page|/news" "news deep page|$news_deep" "article|$article" "news feed|/news.atom"
	"api first page|/api/v1/organisations" "api deep cursor|$api_deep" "api organisation|$api_org")
paths=()
for target in "${targets[@]}"; do paths+=("${target#*|}"); done
go build -o bin/benchserve ./cmd/benchserve
: >"$out/benchserve.log"
bin/benchserve -app "$base" -addr "$bare_addr" -accept-encoding "$encoding" -header "X-Forwarded-For: 10.254.0.1" \
	-for 1h "${paths[@]}" >"$out/benchserve.out" 2>>"$out/benchserve.log" &
bare=$!
for _ in $(seq 300); do
	grep -q ready "$out/benchserve.out" 2>/dev/null && break
	kill -0 "$bare" 2>/dev/null || { echo "bench: benchserve exited; see $out/benchserve.log" >&2; exit 1; }
	sleep 0.1
done

echo
echo "== as served (page cache on), against the same bytes from a bare Go server (cmd/benchserve)"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| endpoint | app req/s | bare req/s | app / bare | app p50 ms | app p95 ms | app p99 ms | bare p50 ms | bare p95 ms | bare p99 ms | errors (app, bare) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for target in "${targets[@]}"; do
	name=${target%%|*}
	path=${target#*|}
	script=scripts/bench.lua
	[[ $path != /api/* ]] || script=scripts/bench-api.lua
	a=$(wrk_run "$base$path" "$script")
	b=$(wrk_run "http://$bare_addr$path" "$script")
	printf '| %s | %.0f | %.0f | %.2f× | %s | %s | %s | %s | %s | %s | %s, %s |\n' "$name" "$(rps "$a")" "$(rps "$b")" \
		"$(echo "$(rps "$a") / $(rps "$b")" | bc -l)" "$(get p50 "$a")" "$(get p95 "$a")" "$(get p99 "$a")" \
		"$(get p50 "$b")" "$(get p95 "$b")" "$(get p99 "$b")" "$(get errors "$a")" "$(get errors "$b")"
done
echo
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
memory
stop_bare
stop_server

# Cold: every request queries PostgreSQL and renders.
start_server PAGE_CACHE_BYTES=0
kind=national-ngo
# A page of /organisations?country=FR, $depth / 10 of its pages in.
country_deep=/organisations?country=FR
for ((i = 0; i < depth / 10; i++)); do
	next=$(curl -fsS "$base$country_deep" | grep -o 'href="/organisations?[^"]*after=[^"]*"' | head -1 | sed -e 's/^href="//' -e 's/"$//' -e 's/&amp;/\&/g')
	[[ -n $next ]] || { echo "bench: no next link on $country_deep" >&2; exit 1; }
	country_deep=$next
done
cold=("country page|/countries/FR" "list, theme|/organisations?theme=$theme" "list, country|/organisations?country=FR"
	"list, kind|/organisations?kind=$kind" "list, verified|/organisations?verified=1"
	"list, all filters|/organisations?theme=$theme&country=FR&kind=$kind&verified=1"
	"list, country, $((depth / 10)) pages deep|$country_deep"
	"api, support sought|/api/v1/organisations?support=donation"
	"profile, 1,000 in turn|@$out/profiles.txt")
echo
echo "== cold (PAGE_CACHE_BYTES=0): every request queries PostgreSQL and renders"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| page | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for target in "${cold[@]}"; do
	name=${target%%|*}
	path=${target#*|}
	if [[ $path == @* ]]; then
		r=$(wrk_run "$base/" scripts/bench-paths.lua "${path#@}")
	elif [[ $path == /api/* ]]; then
		r=$(wrk_run "$base$path" scripts/bench-api.lua)
	else
		r=$(wrk_run "$base$path" scripts/bench.lua)
	fi
	printf '| %s | %.0f | %s | %s | %s | %s | %s |\n' "$name" "$(rps "$r")" "$(get p50 "$r")" "$(get p95 "$r")" \
		"$(get p99 "$r")" "$(get max "$r")" "$(get errors "$r")"
done
echo
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
memory
