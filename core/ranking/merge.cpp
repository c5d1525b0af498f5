// The removal and merge step of SPEC §3: own and seen posts leave every source, then the
// sources merge with priority F1 > F2 > F3.
#include <unordered_map>

#include "core/ranking/ranking.hpp"

namespace nf::ranking {

std::string_view source_name(Source source) {
  switch (source) {
    case Source::follow: return "follow";
    case Source::trending: return "trending";
    case Source::affinity: return "affinity";
  }
  return "unknown";
}

std::string_view drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::own_post: return "own_post";
    case DropReason::seen: return "seen";
    case DropReason::duplicate: return "duplicate";
    case DropReason::below_top: return "below_top";
  }
  return "unknown";
}

std::vector<Candidate> merge_sources(const RankInput& input, std::vector<DroppedPost>* dropped) {
  const auto drop = [dropped](const Post& post, Source source, DropReason reason, std::optional<Source> kept_by) {
    if (dropped) dropped->push_back(DroppedPost{post, source, reason, kept_by, std::nullopt});
  };
  std::vector<Candidate> merged;
  std::unordered_map<uint64_t, Source> kept;  // post id → the source that keeps it
  const std::pair<Source, const std::vector<Post>*> sources[] = {
      {Source::follow, &input.sources.follow},
      {Source::trending, &input.sources.trending},
      {Source::affinity, &input.sources.affinity},
  };
  for (const auto& [source, posts] : sources) {
    for (const auto& post : *posts) {
      // The filters apply to each source before the merge, so a seen post is reported
      // once per source that found it; own_post wins over seen for the reason.
      if (post.author_id == input.user_id) {
        drop(post, source, DropReason::own_post, std::nullopt);
      } else if (input.seen.count(post.id) != 0) {
        drop(post, source, DropReason::seen, std::nullopt);
      } else if (auto found = kept.find(post.id); found != kept.end()) {
        drop(post, source, DropReason::duplicate, found->second);
      } else {
        kept.emplace(post.id, source);
        merged.push_back(Candidate{post, source});
      }
    }
  }
  return merged;
}

}  // namespace nf::ranking
