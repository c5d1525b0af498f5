#include "core/feed/feed_page.hpp"

#include "core/time/rfc3339.hpp"

namespace nf::feed {

std::optional<ranking::Source> source_from_name(std::string_view name) {
  for (auto source : {ranking::Source::follow, ranking::Source::trending, ranking::Source::affinity})
    if (ranking::source_name(source) == name) return source;
  return std::nullopt;
}

nlohmann::json to_json(const FeedPage& page) {
  auto items = nlohmann::json::array();
  for (const auto& item : page.items) {
    items.push_back({{"post_id", item.post_id},
                     {"author_id", item.author_id},
                     {"created_at", time::format_rfc3339(item.created_at_ms, false)},
                     {"score", item.score ? nlohmann::json(*item.score) : nlohmann::json(nullptr)},
                     {"source", ranking::source_name(item.source)}});
  }
  return {{"user_id", page.user_id},
          {"algo", page.algo},
          {"cached", page.cached},
          {"computed_at", time::format_rfc3339(page.computed_at_ms, true)},
          {"items", std::move(items)},
          {"next_cursor", page.next_cursor ? nlohmann::json(*page.next_cursor) : nlohmann::json(nullptr)}};
}

}  // namespace nf::feed
