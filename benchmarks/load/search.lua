-- wrk script: POST /v1/search with the text of a random need.
-- Env: KETNOI_KEY, LOAD_BODIES (file, one JSON request body per line),
-- LOAD_NAME. wrk counts answers >= 400 as errors (summary.errors.status).
local bodies = {}
local key = os.getenv("KETNOI_KEY") or ""
local name = os.getenv("LOAD_NAME") or "search"

for line in io.lines(os.getenv("LOAD_BODIES")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end

local headers = { ["Authorization"] = "Bearer " .. key,
                  ["Content-Type"] = "application/json" }

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

request = function()
  return wrk.format("POST", "/v1/search", headers, bodies[math.random(#bodies)])
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + e.status
  io.write(string.format("RESULT %s %.0f %.2f %.2f %.2f %d %d\n", name,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors, summary.requests))
end
