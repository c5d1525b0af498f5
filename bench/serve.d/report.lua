-- Shared by the wrk scripts of bench/serve: turns wrk's done() figures into one line,
--   BENCH_RESULT {"requests":…,"rps":…,"p50_ms":…,…}
-- which bench/serve reads back (wrk's own text report goes to the log beside it).
-- Each script's done() may add counters gathered from its threads (thread:get).
local M = {}

local function ms(us) return us / 1000.0 end

function M.emit(summary, latency, extra)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local fields = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_s":%.3f', seconds),
    string.format('"rps":%.1f', seconds > 0 and summary.requests / seconds or 0),
    string.format('"bytes":%d', summary.bytes),
    string.format('"p50_ms":%.3f', ms(latency:percentile(50))),
    string.format('"p90_ms":%.3f', ms(latency:percentile(90))),
    string.format('"p95_ms":%.3f', ms(latency:percentile(95))),
    string.format('"p99_ms":%.3f', ms(latency:percentile(99))),
    string.format('"max_ms":%.3f', ms(latency.max)),
    string.format('"mean_ms":%.3f', ms(latency.mean)),
    -- status counts responses >= 400; the others are socket-level failures.
    string.format('"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
                  e.connect, e.read, e.write, e.status, e.timeout),
  }
  for key, value in pairs(extra or {}) do
    fields[#fields + 1] = string.format('"%s":%d', key, value)
  end
  io.write("BENCH_RESULT {" .. table.concat(fields, ",") .. "}\n")
end

-- Sums a global counter over every thread (setup() keeps the thread handles).
function M.sum(threads, name)
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get(name) or 0) end
  return total
end

package.loaded["report"] = M
return M
