// trending(W) of SPEC §3: the F2 source and the hot-posts lists.
#include <algorithm>

#include "core/ranking/ranking.hpp"

namespace nf::ranking {

std::vector<TrendingPost> trending(const Params& params, int64_t now_ms, const std::vector<Post>& posts,
                                   const std::unordered_map<uint64_t, Engagement>& counts, size_t limit) {
  std::vector<TrendingPost> ranked;
  ranked.reserve(posts.size());
  for (const auto& post : posts) {
    TrendingPost item;
    item.post = post;
    if (auto found = counts.find(post.id); found != counts.end()) item.features.counts = found->second;
    item.features.freshness = freshness(params, now_ms, post.created_at_ms);
    item.features.engagement = engagement(item.features.counts);
    item.trend = trend(params, item.features.engagement, item.features.freshness);
    ranked.push_back(item);
  }
  // Same tie order as the feed: a higher trend, then newer, then the higher post id.
  const auto before = [](const TrendingPost& a, const TrendingPost& b) {
    return ranks_before(a.post, a.trend, b.post, b.trend);
  };
  if (ranked.size() > limit) {
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(limit), ranked.end(), before);
    ranked.resize(limit);
  } else {
    std::sort(ranked.begin(), ranked.end(), before);
  }
  return ranked;
}

}  // namespace nf::ranking
