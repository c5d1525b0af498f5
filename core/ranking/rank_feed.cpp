// SPEC §3 end to end on fetched candidates: filter and merge → features and score →
// the best feed_size → author saturation.
#include <algorithm>

#include "core/ranking/ranking.hpp"

namespace nf::ranking {

RankResult rank_feed(const Params& params, const RankInput& input) {
  RankResult result;
  const auto candidates = merge_sources(input, &result.dropped);

  std::vector<RankedPost> scored;
  scored.reserve(candidates.size());
  for (const auto& candidate : candidates)
    scored.push_back(RankedPost{candidate.post, candidate.source, features_of(params, input, candidate.post), 0, false});
  std::sort(scored.begin(), scored.end(), [](const RankedPost& a, const RankedPost& b) {
    return ranks_before(a.post, a.features.score, b.post, b.features.score);
  });

  // Below the cut: kept in the explanation with what they scored.
  for (size_t i = params.feed_size; i < scored.size(); ++i)
    result.dropped.push_back(
        DroppedPost{scored[i].post, scored[i].source, DropReason::below_top, std::nullopt, scored[i].features});
  if (scored.size() > params.feed_size) scored.resize(params.feed_size);

  result.feed = apply_author_saturation(params, std::move(scored));
  return result;
}

}  // namespace nf::ranking
