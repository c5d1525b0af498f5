#include "core/feed/canary.hpp"

#include "core/error/error.hpp"
#include "core/ranking/probes.hpp"

namespace nf::feed {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

int canary_bucket(uint64_t user_id) { return static_cast<int>(splitmix64(user_id) % 100); }

bool ranked_side(uint64_t user_id, int percent) {
  return ranking::is_probe_id(user_id) || canary_bucket(user_id) < percent;
}

int ranked_percent_from(const config::Config& config) {
  constexpr std::string_view key = "feed.ranked_percent";
  const int64_t percent = config.get_int(key);  // refuses a non-integer, naming key and origin
  if (percent < 0 || percent > 100)
    fail_usage("configuration key 'feed.ranked_percent' (from " + config.values.find(key)->second.origin +
               ") must be an integer from 0 to 100 (the share of users served the ranked feed), got '" +
               config.get(key) + "'");
  return static_cast<int>(percent);
}

CanarySide canary_side(const config::Config& config, uint64_t user_id) {
  CanarySide side;
  side.user_id = user_id;
  side.percent = ranked_percent_from(config);
  side.bucket = canary_bucket(user_id);
  side.ranked = ranked_side(user_id, side.percent);
  side.origin = config.values.find("feed.ranked_percent")->second.origin;
  return side;
}

nlohmann::json to_json(const CanarySide& side) {
  return {{"ranked_percent", side.percent},
          {"bucket", side.bucket},
          {"side", side.ranked ? "ranked" : "timeline"},
          {"origin", side.origin}};
}

std::string describe(const CanarySide& side) {
  return "canary: feed.ranked_percent = " + std::to_string(side.percent) + " (from " + side.origin + "); user " +
         std::to_string(side.user_id) + " is in bucket " + std::to_string(side.bucket) + " of 0..99: " +
         (side.ranked ? "ranked side (buckets below " + std::to_string(side.percent) + " get the ranked feed)"
                      : "TIMELINE side (only buckets below " + std::to_string(side.percent) +
                            " get the ranked feed)");
}

}  // namespace nf::feed
