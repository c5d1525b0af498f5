-- bench/serve, figure 1: the cached feed at 1,000 connections, against novafeed and
-- against nginx serving the same bytes. No response() on purpose: parsing bodies would
-- make wrk, which shares the 2 cores with the server, the bottleneck. Cache hits are
-- checked on the server's side instead (/api/v1/feed/metrics before and after).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local report = require("report")

function done(summary, latency, requests)
  report.emit(summary, latency)
end
