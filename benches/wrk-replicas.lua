-- wrk script for benches/replicas.sh: alternates a point query at a random place in London
-- (never cached: every one reaches a replica) and a tile of a z13 block over central London
-- (cached by the proxy after its first fetch). Prints one summary line (requests, non-2xx/3xx,
-- socket errors, p50/p99 in microseconds).
local z, x0, x1, y0, y1 = 13, 4090, 4099, 2720, 2727
local nx, ny = x1 - x0 + 1, y1 - y0 + 1
local counter = 0
init = function(args)
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end
request = function()
  counter = counter + 1
  if counter % 2 == 0 then
    local lon = -0.45 + math.random() * 0.7
    local lat = 51.30 + math.random() * 0.38
    return wrk.format("GET", string.format("/api/point?lon=%.5f&lat=%.5f", lon, lat))
  end
  local k = math.floor(counter / 2) % (nx * ny)
  return wrk.format("GET", "/tiles/atlas/" .. z .. "/" .. (x0 + k % nx) .. "/" .. (y0 + math.floor(k / nx)) .. ".mvt")
end
done = function(summary, latency, requests)
  io.write(string.format("requests=%d non2xx3xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
