-- wrk script for the cold pages of scripts/bench.sh: each request asks for
-- the next path of a file (one a line, e.g. 1,000 profiles), so the page
-- is one nobody asked for a moment ago. Reports like bench.lua.
--   wrk ... -s scripts/bench-paths.lua http://HOST -- FILE
dofile("scripts/bench.lua")

local paths, n = {}, 0
init = function(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  -- threads start at different places of the file
  n = math.random(#paths)
end

request = function()
  n = n % #paths + 1
  return wrk.format(nil, paths[n])
end
