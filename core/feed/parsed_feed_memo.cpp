#include "core/feed/parsed_feed_memo.hpp"

namespace nf::feed {

std::optional<CachedFeed> ParsedFeedMemo::find(uint64_t user_id, std::string_view raw) const {
  auto& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  const auto it = s.entries.find(user_id);
  if (it == s.entries.end() || it->second.raw != raw) return std::nullopt;
  return it->second.feed;
}

void ParsedFeedMemo::remember(uint64_t user_id, std::string raw, const CachedFeed& feed) {
  auto& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  if (s.entries.size() >= per_shard_ && !s.entries.count(user_id)) s.entries.clear();
  s.entries[user_id] = Entry{std::move(raw), feed};
}

}  // namespace nf::feed
