-- wrk script for benches/load_tiles.sh: cycles through a block of z/x/y tiles and prints one
-- summary line (requests, non-2xx/3xx, socket errors, p50/p99 in microseconds).
-- env: TILE_PREFIX (e.g. "/tiles/atlas/"), TILE_SUFFIX (".mvt"), Z, X0, X1, Y0, Y1.
local prefix = os.getenv("TILE_PREFIX") or "/tiles/atlas/"
local suffix = os.getenv("TILE_SUFFIX") or ".mvt"
local z = tonumber(os.getenv("Z") or "13")
local x0, x1 = tonumber(os.getenv("X0") or "4090"), tonumber(os.getenv("X1") or "4099")
local y0, y1 = tonumber(os.getenv("Y0") or "2720"), tonumber(os.getenv("Y1") or "2727")
local nx, ny = x1 - x0 + 1, y1 - y0 + 1
local counter = 0
request = function()
  counter = counter + 1
  local k = counter % (nx * ny)
  return wrk.format("GET", prefix .. z .. "/" .. (x0 + k % nx) .. "/" .. (y0 + math.floor(k / nx)) .. suffix)
end
done = function(summary, latency, requests)
  io.write(string.format("requests=%d non2xx3xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
