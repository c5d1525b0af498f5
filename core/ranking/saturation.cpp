// Author saturation of SPEC §3: no author twice in the first positions, and never two
// posts by one author closer than `saturation_gap` positions.
#include <unordered_map>

#include "core/ranking/ranking.hpp"

namespace nf::ranking {

std::vector<RankedPost> apply_author_saturation(const Params& params, std::vector<RankedPost> ranked) {
  for (size_t i = 0; i < ranked.size(); ++i) ranked[i].rank = i;

  std::vector<RankedPost> placed;
  placed.reserve(ranked.size());
  std::vector<bool> used(ranked.size(), false);
  std::unordered_map<uint64_t, size_t> last_position;  // author → position of their latest post

  const auto fits = [&](uint64_t author, size_t position) {
    const auto last = last_position.find(author);
    if (last == last_position.end()) return true;
    if (position < params.saturation_head) return false;  // the author already has a post in the head
    return position - last->second >= params.saturation_gap;
  };

  // Greedy, position by position: the best-ranked remaining post that fits. At most 50
  // posts, so the quadratic scan costs nothing next to the queries that fetched them.
  size_t next_unused = 0;
  while (placed.size() < ranked.size()) {
    const size_t position = placed.size();
    while (used[next_unused]) ++next_unused;
    size_t chosen = ranked.size();
    for (size_t i = next_unused; i < ranked.size(); ++i) {
      if (!used[i] && fits(ranked[i].post.author_id, position)) {
        chosen = i;
        break;
      }
    }
    if (chosen == ranked.size()) {
      // No remaining post fits: SPEC §3 says the rest follow in rank order, unchecked.
      for (size_t i = next_unused; i < ranked.size(); ++i)
        if (!used[i]) placed.push_back(ranked[i]);
      break;
    }
    used[chosen] = true;
    last_position[ranked[chosen].post.author_id] = position;
    placed.push_back(ranked[chosen]);
  }

  for (size_t position = 0; position < placed.size(); ++position)
    placed[position].deferred = position > placed[position].rank;
  return placed;
}

}  // namespace nf::ranking
