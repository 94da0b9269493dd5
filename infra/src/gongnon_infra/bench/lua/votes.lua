-- Each request supports the item as a different verified citizen: thread k of n uses tokens
-- k, k+n, k+2n, … from the file named by WRK_TOKENS, after the first WRK_OFFSET of them (a run
-- after another on the same item starts on fresh citizens). Counts responses by status.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  nthreads = tonumber(args[2])
  tokens = {}
  for line in io.lines(os.getenv("WRK_TOKENS")) do tokens[#tokens + 1] = line end
  idx = tid + 1 + tonumber(os.getenv("WRK_OFFSET") or "0")
  counts = {}
end

function request()
  local token = tokens[idx]
  if token == nil then token = tokens[1] end -- ran out: a repeat, which must be refused (409)
  idx = idx + nthreads
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
