-- Rotates over the request paths listed in the file named by WRK_PATHS (one per line): thread k
-- starts at line k+1 and steps through all of them, so every kind of list query runs
-- throughout. Counts responses by status.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("WRK_PATHS")) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  idx = (tid * 7) % #paths
  counts = {}
end

function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx], {["Accept"] = "application/json"}, nil)
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
