// Params from the ranking.* configuration keys (core/config/options.cpp declares them
// with SPEC §3's defaults).
#include <string>

#include "core/error/error.hpp"
#include "core/ranking/ranking.hpp"

namespace nf::ranking {

namespace {

// A negative weight would reward staleness or silence, and a negative window selects
// nothing; both are configuration mistakes, so they stop the command (or serve's start).
double non_negative_double(const config::Config& config, std::string_view key) {
  const double value = config.get_double(key);
  if (!(value >= 0.0))  // also refuses NaN, which would make the score order meaningless
    fail_usage("configuration key '" + std::string(key) + "' (from " + config.values.find(key)->second.origin +
               ") must be zero or more, got '" + config.get(key) + "'");
  return value;
}

}  // namespace

Params params_from(const config::Config& config) {
  Params params;
  params.weight_freshness = non_negative_double(config, "ranking.weight_freshness");
  params.weight_engagement = non_negative_double(config, "ranking.weight_engagement");
  params.weight_affinity = non_negative_double(config, "ranking.weight_affinity");
  params.trend_weight_engagement = non_negative_double(config, "ranking.trend_weight_engagement");
  params.trend_weight_freshness = non_negative_double(config, "ranking.trend_weight_freshness");
  params.decay_per_hour = non_negative_double(config, "ranking.decay_per_hour");
  params.follow_window_h = config.get_non_negative_int("ranking.follow_window_h");
  params.trending_window_h = config.get_non_negative_int("ranking.trending_window_h");
  params.affinity_window_h = config.get_non_negative_int("ranking.affinity_window_h");
  params.affinity_days = config.get_non_negative_int("ranking.affinity_days");
  params.seen_window_h = config.get_non_negative_int("ranking.seen_window_h");
  // The seen filter reads ClickHouse's user_seen, which keeps two days (schema 0004).
  if (params.seen_window_h > kMaxSeenWindowH)
    fail_usage("configuration key 'ranking.seen_window_h' (from " +
               config.values.find("ranking.seen_window_h")->second.origin + ") is " +
               std::to_string(params.seen_window_h) + ", but ClickHouse's user_seen keeps " +
               std::to_string(kMaxSeenWindowH) + " hours: set 48 or less");
  return params;
}

}  // namespace nf::ranking
