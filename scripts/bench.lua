-- wrk reporter for scripts/bench.sh: one machine-readable line per run.
-- Latencies are in microseconds in wrk; printed here in milliseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.2f p50=%.2f p95=%.2f p99=%.2f max=%.2f errors=%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect + e.read + e.write + e.status + e.timeout))
end
