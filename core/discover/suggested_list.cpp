// The suggested-users list: its merge of the two sources, Redis key and JSON shape.
#include <algorithm>
#include <cmath>

#include "core/json/fields.hpp"
#include "core/discover/suggestions.hpp"
#include "core/error/error.hpp"
#include "core/redis/keys.hpp"

namespace nf::discover {

std::string suggestions_key(uint64_t user_id) {
  return std::string(redis::kSuggestionsPrefix) + std::to_string(user_id);
}

std::vector<SuggestedUser> rank_suggestions(std::vector<SuggestionCandidate> candidates, size_t limit) {
  std::vector<SuggestedUser> ranked;
  ranked.reserve(candidates.size());
  for (const auto& c : candidates) {
    if (c.mutual_follows == 0 && c.interactions == 0) continue;
    SuggestedUser user;
    user.user_id = c.user_id;
    user.mutual_follows = c.mutual_follows;
    user.interactions = c.interactions;
    user.score = std::log(1.0 + static_cast<double>(c.mutual_follows)) + ranking::affinity(c.interactions);
    user.reason = c.mutual_follows == 0 ? "affinity" : c.interactions == 0 ? "friends_of_friends" : "both";
    ranked.push_back(std::move(user));
  }
  std::sort(ranked.begin(), ranked.end(), [](const SuggestedUser& a, const SuggestedUser& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.user_id < b.user_id;
  });
  if (ranked.size() > limit) ranked.resize(limit);
  return ranked;
}

nlohmann::json to_json(const SuggestedList& list) {
  auto items = nlohmann::json::array();
  for (const auto& user : list.items) {
    items.push_back({{"user_id", user.user_id},
                     {"mutual_follows", user.mutual_follows},
                     {"interactions", user.interactions},
                     {"score", user.score},
                     {"reason", user.reason}});
  }
  return {{"user_id", list.user_id},
          {"computed_at_ms", list.computed_at_ms},
          {"cached", list.from_cache},
          {"items", std::move(items)}};
}

SuggestedList suggestions_from_json(const nlohmann::json& json) {
  constexpr std::string_view what = "suggested users";
  SuggestedList list;
  list.user_id = json::u64_field(json, "user_id", what);
  list.computed_at_ms = json::i64_field(json, "computed_at_ms", what);
  for (const auto& item : json::array_field(json, "items", what)) {
    SuggestedUser user;
    user.user_id = json::u64_field(item, "user_id", what);
    user.mutual_follows = json::u64_field(item, "mutual_follows", what);
    user.interactions = json::u64_field(item, "interactions", what);
    user.score = json::number_field(item, "score", what);
    user.reason = json::string_field(item, "reason", what);
    if (user.reason != "friends_of_friends" && user.reason != "affinity" && user.reason != "both")
      fail_check("suggested users: unknown reason '" + user.reason + "'");
    list.items.push_back(std::move(user));
  }
  return list;
}

}  // namespace nf::discover
