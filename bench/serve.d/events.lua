-- bench/serve, figure 3: POST /api/v1/events as fast as the server takes them. Each
-- request is a batch of BENCH_BATCH events with ids unique to this run
-- (<BENCH_RUN>-t<thread>-<n>), "view" actions on the posts of BENCH_POSTS (one id a
-- line: bench/serve's own posts, too old to be ranked; ingest resolves each post's
-- author, so they must exist), as the bench-only users of BENCH_TOKENS, so the run
-- changes nobody's feed.
-- The tokens rotate per request: the Kafka key is the user id, so the batches spread
-- over the topic's partitions as real traffic would.
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
  batch = tonumber(os.getenv("BENCH_BATCH") or "100")
  prefix = os.getenv("BENCH_RUN") .. "-t" .. thread_index .. "-"
  tokens, posts = {}, {}
  for token in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = token end
  for post in io.lines(os.getenv("BENCH_POSTS")) do posts[#posts + 1] = post end
  counter, turn = 0, thread_index
  posted, status_202, other_status, accepted, duplicates, rejected = 0, 0, 0, 0, 0, 0
end

function request()
  local ts = os.time() * 1000
  local parts = {}
  for i = 1, batch do
    counter = counter + 1
    parts[i] = string.format('{"event_id":"%s%d","post_id":%s,"action":"view","ts":%d,"dwell_ms":1500}',
                             prefix, counter, posts[(counter * 7919) % #posts + 1], ts)
  end
  turn = turn % #tokens + 1
  posted = posted + batch
  return wrk.format("POST", "/api/v1/events", {
    ["Authorization"] = "Bearer " .. tokens[turn],
    ["Content-Type"] = "application/json",
  }, "[" .. table.concat(parts, ",") .. "]")
end

-- BENCH_DELAY_MS (bench/latency): each connection waits this long before each request,
-- so the load is a fixed offered rate (connections x batch / delay) instead of saturation.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if delay_ms > 0 then
  function delay() return delay_ms end
end

function response(status, headers, body)
  if status ~= 202 then
    other_status = other_status + 1
    return
  end
  status_202 = status_202 + 1
  accepted = accepted + tonumber(body:match('"accepted":(%d+)') or 0)
  duplicates = duplicates + tonumber(body:match('"duplicates":(%d+)') or 0)
  for _ in body:gmatch('"index"') do rejected = rejected + 1 end
end

function done(summary, latency, requests)
  report.emit(summary, latency, {
    events_posted = report.sum(threads, "posted"),
    status_202 = report.sum(threads, "status_202"),
    other_status = report.sum(threads, "other_status"),
    accepted = report.sum(threads, "accepted"),
    duplicates = report.sum(threads, "duplicates"),
    rejected = report.sum(threads, "rejected"),
  })
end
