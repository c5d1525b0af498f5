// serve's SIGHUP reload: what changed is applied (feed.ranked_percent) or named as needing
// a restart; a bad percent keeps the old one.

#include <catch2/catch.hpp>

#include "core/config/config.hpp"
#include "core/serve/config_reload.hpp"

namespace {

nf::config::Config config_with(const nf::config::EnvList& env) {
  nf::config::Sources sources;
  sources.env = env;
  return nf::config::load(sources);
}

std::string joined(const std::vector<nf::serve::ReloadNote>& notes) {
  std::string out;
  for (const auto& note : notes) out += (note.warning ? "W: " : "I: ") + note.text + "\n";
  return out;
}

}  // namespace

TEST_CASE("config reload: a new feed.ranked_percent is applied and logged with both values", "[serve][canary]") {
  const auto before = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "10"}});
  const auto after = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "100"}});
  nf::feed::Canary canary(10);
  nf::config::Config in_force;
  const auto notes = nf::serve::apply_reload(before, after, canary, in_force);
  INFO(joined(notes));
  CHECK(canary.percent() == 100);
  REQUIRE(notes.size() == 1);
  CHECK_FALSE(notes[0].warning);
  CHECK_THAT(notes[0].text, Catch::Contains("feed.ranked_percent '10'") && Catch::Contains("-> '100'") &&
                                Catch::Contains("applied"));
  CHECK(in_force.get("feed.ranked_percent") == "100");
}

TEST_CASE("config reload: a bad percent keeps the old one, other keys need a restart, secrets stay hidden",
          "[serve][canary]") {
  const auto before = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "10"}, {"NOVAFEED_AUTH_JWT_SECRET", "old-secret"}});
  const auto after = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "150"},
                                  {"NOVAFEED_AUTH_JWT_SECRET", "new-secret"},
                                  {"NOVAFEED_CLICKHOUSE_TIMEOUT_MS", "500"}});
  nf::feed::Canary canary(10);
  nf::config::Config in_force;
  const auto notes = nf::serve::apply_reload(before, after, canary, in_force);
  const auto text = joined(notes);
  INFO(text);
  CHECK(canary.percent() == 10);
  CHECK(notes.size() == 3);
  for (const auto& note : notes) CHECK(note.warning);
  CHECK_THAT(text, Catch::Contains("must be an integer from 0 to 100") &&
                       Catch::Contains("keeping feed.ranked_percent = 10"));
  CHECK_THAT(text, Catch::Contains("clickhouse.timeout_ms '2000' (from default) -> '500'") &&
                       Catch::Contains("next start"));
  CHECK_THAT(text, Catch::Contains("auth.jwt_secret <secret>"));
  CHECK_THAT(text, !Catch::Contains("new-secret") && !Catch::Contains("old-secret"));
  // The refused value is not taken as in force: fixing it later is a change again.
  CHECK(in_force.get("feed.ranked_percent") == "10");
  const auto fixed = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "20"}});
  nf::config::Config next;
  nf::serve::apply_reload(in_force, fixed, canary, next);
  CHECK(canary.percent() == 20);
}

TEST_CASE("config reload: nothing changed says so, and a file that fails to load changes nothing", "[serve][canary]") {
  const auto config = config_with({{"NOVAFEED_FEED_RANKED_PERCENT", "40"}});
  nf::feed::Canary canary(40);
  nf::config::Config in_force;
  const auto notes = nf::serve::apply_reload(config, config, canary, in_force);
  REQUIRE(notes.size() == 1);
  CHECK_THAT(notes[0].text, Catch::Contains("nothing changed"));

  const auto kept = nf::serve::reload_config(
      config, [] { return config_with({{"NOVAFEED_CONFIG", "/nonexistent/novafeed.toml"}}); }, canary);
  CHECK(canary.percent() == 40);
  CHECK(kept.get("feed.ranked_percent") == "40");
}
