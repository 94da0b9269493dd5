-- Supports spread over many items with a Zipf-like popularity: the item of rank k (1-based, in
-- the order of the file named by WRK_ITEMS) is chosen with weight 1 / k^WRK_ZIPF_S, so a few items
-- are hot and the long tail keeps moving. Each request is a different verified citizen (tokens
-- as in votes.lua: thread k of n uses k, k+n, k+2n, … after the first WRK_OFFSET). Counts
-- responses by status.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[1])
  math.randomseed(os.time() + tid * 7919)
  tokens = {}
  for line in io.lines(os.getenv("WRK_TOKENS")) do tokens[#tokens + 1] = line end
  items = {}
  for line in io.lines(os.getenv("WRK_ITEMS")) do items[#items + 1] = line end
  local s = tonumber(os.getenv("WRK_ZIPF_S") or "1.0")
  cumulative = {}
  local total = 0
  for k = 1, #items do
    total = total + 1 / (k ^ s)
    cumulative[k] = total
  end
  idx = tid + 1 + tonumber(os.getenv("WRK_OFFSET") or "0")
  counts = {}
end

local function pick()
  local u = math.random() * cumulative[#cumulative]
  local lo, hi = 1, #cumulative
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cumulative[mid] < u then lo = mid + 1 else hi = mid end
  end
  return items[lo]
end

function request()
  local token = tokens[idx]
  if token == nil then token = tokens[1] end -- ran out: a repeat, which must be refused (409)
  idx = idx + nthreads
  local path = "/api/proposals/" .. pick() .. "/support"
  return wrk.format("POST", path, {["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0"}, nil)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for status, n in pairs(c) do io.write(string.format("STATUS %d %d\n", status, n)) end
  end
end
