#include <catch2/catch.hpp>

#include <cmath>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/ranking/ranking.hpp"

namespace {

nf::config::Config config_with(std::vector<std::string> settings) {
  nf::config::Sources sources;
  sources.flag_settings = std::move(settings);
  return nf::config::load(sources);
}

}  // namespace

TEST_CASE("ranking: params_from the default configuration are SPEC §3's numbers", "[ranking]") {
  const auto params = nf::ranking::params_from(config_with({}));
  CHECK(params.weight_freshness == 0.30);
  CHECK(params.weight_engagement == 0.40);
  CHECK(params.weight_affinity == 0.30);
  CHECK(params.trend_weight_engagement == 0.40);
  CHECK(params.trend_weight_freshness == 0.30);
  CHECK(params.decay_per_hour == 0.10);
  CHECK(params.follow_window_h == 72);
  CHECK(params.trending_window_h == 24);
  CHECK(params.affinity_window_h == 72);
  CHECK(params.affinity_days == 90);
  CHECK(params.seen_window_h == 24);
  CHECK(params.follow_limit == 500);
  CHECK(params.trending_limit == 200);
  CHECK(params.affinity_limit == 200);
  CHECK(params.feed_size == 50);
}

TEST_CASE("ranking: params_from reads changed weights and windows", "[ranking]") {
  const auto params =
      nf::ranking::params_from(config_with({"ranking.weight_affinity=0.5", "ranking.decay_per_hour=0.2",
                                            "ranking.follow_window_h=48"}));
  CHECK(params.weight_affinity == 0.5);
  CHECK(params.decay_per_hour == 0.2);
  CHECK(params.follow_window_h == 48);
  CHECK(nf::ranking::freshness(params, 3'600'000, 0) == Approx(std::exp(-0.2)).epsilon(1e-12));
}

TEST_CASE("ranking: a negative weight or window is a usage error naming the key and its origin", "[ranking]") {
  for (const std::string setting : {"ranking.weight_engagement=-0.1", "ranking.trend_weight_freshness=-1",
                                    "ranking.decay_per_hour=-0.5", "ranking.seen_window_h=-24"}) {
    INFO(setting);
    const auto key = setting.substr(0, setting.find('='));
    try {
      nf::ranking::params_from(config_with({setting}));
      FAIL("expected an error for " << setting);
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains(key) && Catch::Contains("flag"));
    }
  }
}

TEST_CASE("ranking: engagement divides as real numbers, not integers", "[ranking]") {
  // (1 + 2*1) / 4 = 0.75 → ln(1.75); integer division would give ln(1) = 0.
  CHECK(nf::ranking::engagement({1, 1, 0, 4}) == Approx(std::log(1.75)).epsilon(1e-12));
  // No impressions: divide by max(1, 0) = 1.
  CHECK(nf::ranking::engagement({0, 0, 1, 0}) == Approx(std::log(4.0)).epsilon(1e-12));
  CHECK(nf::ranking::age_hours(0, 5'400'000) == 0.0);  // from the future: age 0
  CHECK(nf::ranking::age_hours(5'400'000, 0) == 1.5);
}

TEST_CASE("ranking: a seen window longer than ClickHouse keeps (48 h) is a usage error, 48 is fine", "[ranking]") {
  CHECK(nf::ranking::params_from(config_with({"ranking.seen_window_h=48"})).seen_window_h == 48);
  try {
    nf::ranking::params_from(config_with({"ranking.seen_window_h=49"}));
    FAIL("expected an error for ranking.seen_window_h=49");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("ranking.seen_window_h") && Catch::Contains("48 or less"));
  }
}
