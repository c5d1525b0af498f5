// The per-post numbers of SPEC §3: the one place the formula lives.
#include <algorithm>
#include <cmath>

#include "core/ranking/ranking.hpp"

namespace nf::ranking {

namespace {
constexpr double kMsPerHour = 3'600'000.0;
}

double age_hours(int64_t now_ms, int64_t created_at_ms) {
  // A post "from the future" (clock skew between PostgreSQL and serve) counts as brand
  // new rather than getting a freshness above 1.
  if (created_at_ms >= now_ms) return 0.0;
  return static_cast<double>(now_ms - created_at_ms) / kMsPerHour;
}

double freshness(const Params& params, int64_t now_ms, int64_t created_at_ms) {
  return std::exp(-params.decay_per_hour * age_hours(now_ms, created_at_ms));
}

double engagement(const Engagement& counts) {
  // Real-valued ratio: 3 weighted actions over 10 impressions is 0.3, not 0.
  const double actions = static_cast<double>(counts.likes) + 2.0 * static_cast<double>(counts.comments) +
                         3.0 * static_cast<double>(counts.shares);
  const double impressions = std::max(1.0, static_cast<double>(counts.impressions));
  return std::log1p(actions / impressions);
}

double affinity(uint64_t interactions) { return std::log1p(static_cast<double>(interactions)); }

double score(const Params& params, double freshness, double engagement, double affinity) {
  return params.weight_freshness * freshness + params.weight_engagement * engagement +
         params.weight_affinity * affinity;
}

double trend(const Params& params, double engagement, double freshness) {
  return params.trend_weight_engagement * engagement + params.trend_weight_freshness * freshness;
}

bool ranks_before(const Post& a, double score_a, const Post& b, double score_b) {
  if (score_a != score_b) return score_a > score_b;
  if (a.created_at_ms != b.created_at_ms) return a.created_at_ms > b.created_at_ms;
  return a.id > b.id;
}

Features features_of(const Params& params, const RankInput& input, const Post& post) {
  Features features;
  if (auto found = input.engagement.find(post.id); found != input.engagement.end()) features.counts = found->second;
  if (auto found = input.author_interactions.find(post.author_id); found != input.author_interactions.end())
    features.author_interactions = found->second;
  features.freshness = freshness(params, input.now_ms, post.created_at_ms);
  features.engagement = engagement(features.counts);
  features.affinity = affinity(features.author_interactions);
  features.score = score(params, features.freshness, features.engagement, features.affinity);
  return features;
}

}  // namespace nf::ranking
