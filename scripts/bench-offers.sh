#!/usr/bin/env bash
# Offer throughput (BENCHMARKS.md, "Speed and operations"): serves the app
# on a loopback port of its own, its mail going to cmd/offerbench's SMTP
# catcher, and submits BENCH_OFFERS real offer forms (GET the form, wait
# its minimum fill time, POST) from BENCH_OFFER_CLIENTS concurrent clients,
# each offer a donor of its own on a client address of 127.0.0.0/8. Reports
# confirmed offers per second, mails delivered, offers lost and duplicate
# mails; fails if any offer is lost or any mail duplicated.
#
# Settings (environment): BENCH_OFFERS (2000), BENCH_OFFER_CLIENTS (64),
# BENCH_ADDR (127.0.0.1:18080), BENCH_SMTP_ADDR (127.0.0.1:18025),
# BENCH_ENV (a file of settings read after .data/dev.env, e.g. a
# DATABASE_URL of a database of its own). The database needs published
# organisations: make bench's synthetic ones, or at least the demo's.
set -euo pipefail
cd "$(dirname "$0")/.."

offers=${BENCH_OFFERS:-2000}
clients=${BENCH_OFFER_CLIENTS:-64}
addr=${BENCH_ADDR:-127.0.0.1:18080}
smtp_addr=${BENCH_SMTP_ADDR:-127.0.0.1:18025}
bin=bin/partnerdir
out=.data/bench
mkdir -p "$out"
for a in "$addr" "$smtp_addr"; do
	case $a in
	127.0.0.1:* | localhost:*) ;;
	*) echo "bench-offers: BENCH_ADDR and BENCH_SMTP_ADDR must be loopback addresses" >&2; exit 2 ;;
	esac
done

set -a; source .data/dev.env; [[ -z ${BENCH_ENV:-} ]] || source "$BENCH_ENV"; set +a
export HTTP_ADDR=$addr BASE_URL=http://$addr METRICS_ADDR=off SMTP_URL=smtp://$smtp_addr
go build -o "$bin" ./cmd/partnerdir
go build -o bin/offerbench ./cmd/offerbench
$bin migrate up >/dev/null
$bin seed demo >/dev/null

base=http://$addr
if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then
	echo "bench-offers: something already answers on $addr; stop it or set BENCH_ADDR" >&2
	exit 1
fi
$bin serve >"$out/serve-offers.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
	curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
	kill -0 "$server" 2>/dev/null || { echo "bench-offers: the server exited; see $out/serve-offers.log" >&2; exit 1; }
	sleep 0.1
done

echo "== $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bin/offerbench -app "$base" -smtp "$smtp_addr" -offers "$offers" -clients "$clients"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "serve memory: VmRSS $(awk '/^VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$server/status"), VmHWM (peak) $(awk '/^VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$server/status")"
