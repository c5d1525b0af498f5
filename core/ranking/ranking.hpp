#pragma once
// The ranking of SPEC §3 as pure functions: no I/O, no clock. A feed request reads top to
// bottom: candidates (core/feed fetches them) → features → score → filter → saturate.
// Everything here is computed from the plain values passed in, so the unit tests check it
// against vectors worked by hand (tests/data/ranking/).

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace nf::ranking {

// The longest seen window the store holds (user_seen keeps two days: schema/clickhouse/0004).
constexpr int64_t kMaxSeenWindowH = 48;

// Where a candidate came from; the order is the merge priority (F1 > F2 > F3).
enum class Source { follow = 1, trending = 2, affinity = 3 };
std::string_view source_name(Source source);  // "follow", "trending", "affinity"

// Weights, decay, windows and limits; defaults are SPEC §3's.
struct Params {
  double weight_freshness = 0.30;
  double weight_engagement = 0.40;
  double weight_affinity = 0.30;
  double trend_weight_engagement = 0.40;
  double trend_weight_freshness = 0.30;
  double decay_per_hour = 0.10;
  int64_t follow_window_h = 72;
  int64_t trending_window_h = 24;
  int64_t affinity_window_h = 72;
  int64_t affinity_days = 90;
  int64_t seen_window_h = 24;
  size_t follow_limit = 500;
  size_t trending_limit = 200;
  size_t affinity_limit = 200;
  size_t feed_size = 50;         // the final feed keeps the best 50
  size_t saturation_head = 5;    // at most one post per author among the first 5
  size_t saturation_gap = 3;     // two posts by one author at least 3 positions apart
};

// Reads ranking.* from the configuration; throws nf::Error(usage) for a negative weight or
// window, naming the key and where it came from.
Params params_from(const config::Config& config);

struct Post {
  uint64_t id = 0;
  uint64_t author_id = 0;
  int64_t created_at_ms = 0;  // epoch milliseconds (ClickHouse DateTime: whole seconds)
};

// Deduplicated like, comment, share and impression events on one post.
struct Engagement {
  uint64_t likes = 0, comments = 0, shares = 0, impressions = 0;
};

// age_hours = (now - created_at) / 3600 s, fractional; a post from the future has age 0.
double age_hours(int64_t now_ms, int64_t created_at_ms);
// exp(-decay * age_hours)
double freshness(const Params& params, int64_t now_ms, int64_t created_at_ms);
// ln(1 + (L + 2C + 3S) / max(1, I))
double engagement(const Engagement& counts);
// ln(1 + N)
double affinity(uint64_t interactions);
// w_f * freshness + w_e * engagement + w_a * affinity
double score(const Params& params, double freshness, double engagement, double affinity);
// tw_e * engagement + tw_f * freshness
double trend(const Params& params, double engagement, double freshness);

// One post with everything that decided its place.
struct Features {
  Engagement counts;
  uint64_t author_interactions = 0;  // N of the post's author
  double freshness = 0, engagement = 0, affinity = 0, score = 0;
};

// trending(W): `posts` are the live posts created within W with their counts (posts
// without an entry in `counts` have none); returns the best `limit` by trend, then newer,
// then higher id.
struct TrendingPost {
  Post post;
  double trend = 0;
  Features features;  // freshness, engagement; affinity and score are 0
};
std::vector<TrendingPost> trending(const Params& params, int64_t now_ms, const std::vector<Post>& posts,
                                   const std::unordered_map<uint64_t, Engagement>& counts, size_t limit);

// The three sources as fetched, each already in its own order and cut to its limit
// (follow: newest first; trending: trend, then newer; affinity: author's N, then newer).
struct Sources {
  std::vector<Post> follow, trending, affinity;
};

struct RankInput {
  uint64_t user_id = 0;
  int64_t now_ms = 0;
  Sources sources;
  std::set<uint64_t> seen;                                 // post ids u saw in the seen window
  std::unordered_map<uint64_t, Engagement> engagement;     // per candidate post id
  std::unordered_map<uint64_t, uint64_t> author_interactions;  // N per author id
};

struct RankedPost {
  Post post;
  Source source = Source::follow;
  Features features;
  size_t rank = 0;        // 0-based place by score, before author saturation
  bool deferred = false;  // saturation placed it later than its rank
};

enum class DropReason {
  own_post,   // written by u
  seen,       // u had an event on it within the seen window
  duplicate,  // also found by a source of higher priority, which keeps it
  below_top,  // scored outside the best feed_size
};
std::string_view drop_reason_name(DropReason reason);  // "own_post", "seen", "duplicate", "below_top"

struct DroppedPost {
  Post post;
  Source source = Source::follow;
  DropReason reason = DropReason::seen;
  std::optional<Source> kept_by;     // duplicate: the source that keeps it
  std::optional<Features> features;  // below_top: what it scored
};

struct RankResult {
  std::vector<RankedPost> feed;  // at most feed_size, in final (saturated) order
  std::vector<DroppedPost> dropped;
};

// SPEC §3 end to end on fetched candidates: remove own and seen posts, merge F1 > F2 > F3,
// score, keep the best feed_size (ties: newer, then higher id), then author saturation.
RankResult rank_feed(const Params& params, const RankInput& input);

// The removal and merge step alone: the candidates in source priority order, each once.
struct Candidate {
  Post post;
  Source source = Source::follow;
};
std::vector<Candidate> merge_sources(const RankInput& input, std::vector<DroppedPost>* dropped);

// Author saturation over posts already in rank order: fills positions one by one with the
// best remaining post that keeps (a) at most one post per author among the first
// `saturation_head` and (b) two posts by one author at least `saturation_gap` positions
// apart; when none fits, the rest follow in rank order. Sets `rank` to each post's index in
// `ranked` and `deferred` on posts whose final position is after their rank.
std::vector<RankedPost> apply_author_saturation(const Params& params, std::vector<RankedPost> ranked);

// Score order: higher score, then newer, then higher post id. True when `a` ranks first.
bool ranks_before(const Post& a, double score_a, const Post& b, double score_b);

// The features of one post for the user of `input` at `input.now_ms` (counts and N looked
// up in `input`; missing entries count as zero).
Features features_of(const Params& params, const RankInput& input, const Post& post);

// For --explain and tests: every number that decided a post's place, by name.
nlohmann::json to_json(const Features& features);
nlohmann::json to_json(const RankedPost& post);
nlohmann::json to_json(const DroppedPost& post);
nlohmann::json to_json(const RankResult& result);

}  // namespace nf::ranking
