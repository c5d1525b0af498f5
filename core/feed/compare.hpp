#pragma once
// `novafeed feed --compare KEY=VALUE`: how a change of ranking.* settings would move
// feeds, before it is rolled out (docs/canary.md). Both sides are ranked fresh at the same
// `now` from the same candidates (read again only when a window changes what is read),
// never from or into the cache:
//   one user  (--user ID)     each position's post under both, what entered, left, moved;
//   a sample  (--sample N)    over the N most active users of the last 24 h: the mean
//                              overlap of the top K, the mean rank correlation, and the
//                              source mix before and after.
// The measures are pure functions of two ranked lists of post ids (unit tested by hand).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/feed/feed_page.hpp"

namespace nf::feed {

// ------------------------------------------------------------ two rankings compared

struct Placed {
  uint64_t post_id = 0;
  size_t position = 0;  // 1-based
};
struct Moved {
  uint64_t post_id = 0;
  size_t from = 0, to = 0;  // 1-based positions before and after
  long places() const { return static_cast<long>(from) - static_cast<long>(to); }  // > 0: moved up
};
struct RankChanges {
  std::vector<Placed> entered;  // in `after` only, at its position there (in order of it)
  std::vector<Placed> left;     // in `before` only, at its position there (in order of it)
  std::vector<Moved> moved;     // in both at different positions (in `after`'s order)
  size_t unchanged = 0;         // in both at the same position
  bool none() const { return entered.empty() && left.empty() && moved.empty(); }
};
// Lists of distinct post ids, best first.
RankChanges rank_changes(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after);

// |before ∩ after| / max(|before|, |after|): 1 for the same posts in any order (and for
// two empty lists), 0 for none in common.
double overlap(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after);

// Kendall's tau-b between the two lists over the union of their posts: a post missing
// from a list ranks just below that list's last post, tied with the others missing from
// it (so a post that entered the top K counts as having climbed from below it). 1 for the
// same order, -1 for the reverse; nullopt when undefined (fewer than two posts in the
// union, or one list empty: every pair tied on that side).
std::optional<double> kendall_tau_b(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after);

// ------------------------------------------------------------ the settings compared

struct Override {
  std::string key;
  std::string before;         // the value in force
  std::string before_origin;  // "default", "file:…", "env:…", "flag"
  std::string after;
};

struct CompareRequest {
  std::vector<std::string> assignments;  // KEY=VALUE, ranking.* keys only
  uint64_t user_id = 0;                  // one user, or
  size_t sample = 0;                     // the N most active users of the last 24 h
  size_t depth = 20;                     // positions compared (--limit)
};

// One side's list, best first, cut to the depth.
struct Side {
  std::vector<FeedItem> items;
  std::vector<uint64_t> ids() const;
};

struct UserComparison {
  uint64_t user_id = 0;
  Side before, after;
  RankChanges changes;
  double overlap = 1;
  std::optional<double> tau;
};

struct SourceMix {
  size_t follow = 0, trending = 0, affinity = 0;
  size_t total() const { return follow + trending + affinity; }
  double share(size_t n) const { return total() ? static_cast<double>(n) / static_cast<double>(total()) : 0.0; }
};

struct SampleSummary {
  size_t asked = 0;            // --sample N
  size_t active = 0;           // users with events in the last 24 h, at most N
  size_t compared = 0;         // of those, with a feed on either side
  size_t changed = 0;          // ... whose top K changed at all
  double mean_overlap = 1, min_overlap = 1;
  std::optional<double> mean_tau;  // over the users where it is defined
  size_t tau_users = 0;
  SourceMix before, after;
};

struct Comparison {
  int64_t now_ms = 0;
  size_t depth = 20;
  std::vector<Override> overrides;
  std::string candidates;  // how the candidates were read ("read once, ranked twice", ...)
  std::string trending;    // where F2 came from
  std::vector<UserComparison> users;  // --user: one; --sample: every user compared
  std::optional<SampleSummary> sample;
};

// Throws nf::Error: usage for a key that is not ranking.*, a repeated key or a bad value
// (naming it, as coming from --compare); unreachable when ClickHouse fails (there is no
// timeline to compare: both sides are rankings).
Comparison run_compare(const config::Config& config, const CompareRequest& request, int64_t now_ms);

// The settings with the overrides applied (config values from origin "--compare"), and
// what each changes; throws nf::Error(usage) as run_compare does.
config::Config with_overrides(const config::Config& config, const std::vector<std::string>& assignments,
                              std::vector<Override>* overrides);

// The most active users of the 24 h before `now` (events, most first, then lower id;
// latency probes never): the sample's statement.
std::string active_users_sql(int64_t now_ms, size_t limit);

// Summary of the users' comparisons (the sample's figures).
SampleSummary summarise(const std::vector<UserComparison>& users, size_t asked, size_t active);

std::string render_compare_text(const Comparison& comparison);
nlohmann::json to_json(const Comparison& comparison);

}  // namespace nf::feed
