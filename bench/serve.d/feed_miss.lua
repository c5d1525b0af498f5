-- bench/serve, figure 2: the uncached feed. Every request carries a different user's
-- token (BENCH_TOKENS: one token a line, distinct users whose feed:v1 keys were
-- deleted), so every answer is computed: candidates from ClickHouse, score, saturation.
-- Thread i of BENCH_THREADS takes lines i, i+T, i+2T, … and stops when its share is
-- used up; the requests still in flight at that moment are not recorded (at most one
-- per connection). Each answer's "cached" flag and algo are counted, so neither a hit nor
-- the timeline fallback can pass as a ranked miss.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local report = require("report")

local threads = {}
local next_index = 0

function setup(thread)
  thread:set("thread_index", next_index)
  next_index = next_index + 1
  threads[#threads + 1] = thread
end

function init(args)
  local stride = tonumber(os.getenv("BENCH_THREADS"))
  prepared = {}
  local line_no = 0
  for token in io.lines(os.getenv("BENCH_TOKENS")) do
    if line_no % stride == thread_index then
      prepared[#prepared + 1] = wrk.format("GET", wrk.path, { ["Authorization"] = "Bearer " .. token })
    end
    line_no = line_no + 1
  end
  sent, misses, hits, failures, timeline = 0, 0, 0, 0, 0
end

function request()
  sent = sent + 1
  if sent > #prepared then
    -- Share used up: stop this thread's loop; the request returned here is never timed.
    wrk.thread:stop()
    return prepared[#prepared] or wrk.format("GET", wrk.path)
  end
  return prepared[sent]
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  elseif body:find('"algo":"timeline"', 1, true) then
    -- The PostgreSQL fallback (ClickHouse slow or down) is no ranked answer: counted apart.
    timeline = timeline + 1
  elseif body:find('"cached":false', 1, true) then
    misses = misses + 1
  else
    hits = hits + 1
  end
end

function done(summary, latency, requests)
  report.emit(summary, latency, {
    misses = report.sum(threads, "misses"),
    hits = report.sum(threads, "hits"),
    failures = report.sum(threads, "failures"),
    timeline = report.sum(threads, "timeline"),
  })
end
