#include "core/feed/feed_page.hpp"

#include <ctime>

namespace nf::feed {

std::string rfc3339_utc(int64_t epoch_ms, bool with_ms) {
  // Floor division, so times before 1970 still print the right second.
  int64_t seconds = epoch_ms / 1000;
  int64_t millis = epoch_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  if (with_ms)
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  else
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

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
                     {"created_at", rfc3339_utc(item.created_at_ms, false)},
                     {"score", item.score ? nlohmann::json(*item.score) : nlohmann::json(nullptr)},
                     {"source", ranking::source_name(item.source)}});
  }
  return {{"user_id", page.user_id},
          {"algo", page.algo},
          {"cached", page.cached},
          {"computed_at", rfc3339_utc(page.computed_at_ms, true)},
          {"items", std::move(items)},
          {"next_cursor", page.next_cursor ? nlohmann::json(*page.next_cursor) : nlohmann::json(nullptr)}};
}

}  // namespace nf::feed
