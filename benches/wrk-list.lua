-- wrk script for benches/peers.sh: requests paths picked at random (fixed seed per thread)
-- from a file, one path a line, and prints one summary line (requests, non-2xx/3xx, socket
-- errors, p50/p99 in microseconds). env: URL_LIST (the file).
local paths = {}
local list = os.getenv("URL_LIST") or error("URL_LIST is not set")
for line in io.lines(list) do
  if #line > 0 then paths[#paths + 1] = line end
end
local seeded = 0
setup = function(thread)
  seeded = seeded + 1
  thread:set("seed", seeded)
end
init = function()
  math.randomseed(1000 + (seed or 0))
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  io.write(string.format("requests=%d non2xx3xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
