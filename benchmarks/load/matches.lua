-- wrk script: GET /v1/needs/{id}/matches for a random need id.
-- Env: KETNOI_KEY (the Authorization key), LOAD_IDS (file, one need id per
-- line), LOAD_QUERY (extra query string, e.g. "live=true"), LOAD_NAME.
local ids = {}
local key = os.getenv("KETNOI_KEY") or ""
local query = os.getenv("LOAD_QUERY") or ""
local name = os.getenv("LOAD_NAME") or "matches"

for line in io.lines(os.getenv("LOAD_IDS")) do
  if #line > 0 then ids[#ids + 1] = line end
end

local headers = { ["Authorization"] = "Bearer " .. key }

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

request = function()
  local path = "/v1/needs/" .. ids[math.random(#ids)] .. "/matches"
  if #query > 0 then path = path .. "?" .. query end
  return wrk.format("GET", path, headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + e.status
  io.write(string.format("RESULT %s %.0f %.2f %.2f %.2f %d %d\n", name,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors, summary.requests))
end
