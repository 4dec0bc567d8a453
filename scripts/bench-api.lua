-- wrk script for the JSON API in scripts/bench.sh: each request comes from
-- another client address (X-Forwarded-For, believed from 127.0.0.1 only
-- because the benchmark's server sets TRUSTED_PROXIES), so the API's
-- per-client rate limit is exercised, as under many clients, without
-- answering the one benchmarking address 429. Reports like bench.lua.
dofile("scripts/bench.lua")

local n = 0
request = function()
  n = n + 1
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", (n / 65536) % 256, (n / 256) % 256, n % 256)
  return wrk.format()
end
