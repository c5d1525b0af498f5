#pragma once
// The canary of the ranked feed (feed.ranked_percent, docs/canary.md): a stable share of
// users gets the ranked feed, the rest the PostgreSQL timeline. Which side a user is on is
// a fixed function of the user id alone:
//
//     bucket(u) = splitmix64(u) % 100        ranked  ⇔  bucket(u) < percent
//
// so a user stays on one side for as long as the percent does, every serve instance (and
// `novafeed feed`) agrees without talking to each other, and raising the percent only
// adds users to the ranked side (nobody flips back and forth during a rollout).
// splitmix64 is Steele, Lea & Flood's 64-bit finaliser (the one java.util.SplittableRandom
// uses): consecutive ids spread evenly over the 100 buckets.
// A latency probe's reader (ranking/probes.hpp) is always on the ranked side: the probes
// measure the ranked pipeline (a seen post leaving the feed), whatever the rollout.

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace nf::feed {

// splitmix64's output function: x += 0x9e3779b97f4a7c15, then two xor-shift-multiply rounds.
uint64_t splitmix64(uint64_t x);

// splitmix64(user_id) % 100: 0..99.
int canary_bucket(uint64_t user_id);

// True when `user_id` gets the ranked feed at `percent` (0: nobody but the latency
// probes, 100: everybody).
bool ranked_side(uint64_t user_id, int percent);

// feed.ranked_percent, checked: an integer from 0 to 100, else nf::Error(usage) naming
// the key, its origin and the value.
int ranked_percent_from(const config::Config& config);

// The percent in force in a running process: read by every request (a relaxed atomic),
// changed by serve on SIGHUP.
class Canary {
 public:
  explicit Canary(int percent = 100) : percent_(percent) {}
  int percent() const { return percent_.load(std::memory_order_relaxed); }
  void set_percent(int percent) { percent_.store(percent, std::memory_order_relaxed); }
  bool ranked(uint64_t user_id) const { return ranked_side(user_id, percent()); }

 private:
  std::atomic<int> percent_;
};

// One user's side, for `novafeed feed`: which algo the canary gives them and why.
struct CanarySide {
  uint64_t user_id = 0;
  int percent = 100;
  int bucket = 0;
  bool ranked = true;
  std::string origin;  // where feed.ranked_percent came from ("default", "file:…", "env:…")
};
CanarySide canary_side(const config::Config& config, uint64_t user_id);

// {"ranked_percent", "bucket", "side": "ranked"|"timeline", "origin"}.
nlohmann::json to_json(const CanarySide& side);
// "canary: feed.ranked_percent = 10 (from file:/etc/novafeed.toml); user 42 is in bucket 57: timeline side"
std::string describe(const CanarySide& side);

}  // namespace nf::feed
