// `novafeed ingest` through the real binary, for what needs no running stack: a bad
// configuration value stops it with exit 2 (SPEC §5) before it reaches any server.

#include <catch2/catch.hpp>

#include "tests/support/run.hpp"

namespace {

// Nothing listens on port 1: were a server reached first, the exit would be 3, not 2.
const std::map<std::string, std::string> kNoServers = {{"NOVAFEED_CLICKHOUSE_URL", "http://127.0.0.1:1"},
                                                       {"NOVAFEED_KAFKA_BROKERS", "127.0.0.1:1"},
                                                       {"NOVAFEED_REDIS_URL", "redis://127.0.0.1:1"},
                                                       {"NOVAFEED_POSTGRES_URL",
                                                        "postgresql://novafeed@127.0.0.1:1/novafeed"}};

}  // namespace

TEST_CASE("ingest: a negative ingest.refresh_max_pending is a usage error (exit 2), the refresh on or off") {
  for (const std::string refresh : {"true", "false"}) {
    INFO("ingest.refresh_feeds=" << refresh);
    const auto result = nf::test::run_novafeed({"--set", "ingest.refresh_max_pending=-1", "--set",
                                                "ingest.refresh_feeds=" + refresh, "ingest", "events"},
                                               kNoServers);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::Contains("ingest.refresh_max_pending") && Catch::Contains("zero or more"));
  }
}
