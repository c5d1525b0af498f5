#include "core/events/dedup.hpp"

#include <unordered_set>

#include "core/error/error.hpp"
#include "core/redis/keys.hpp"

namespace nf::events {

namespace {

// One atomic step for the batch: SET NX EX per key, 1 where the mark is new, 0 where an
// earlier request left it. Redis caches the compiled script by its hash, so sending the
// text with EVAL costs only its bytes.
constexpr std::string_view kMarkScript =
    "local new = {}\n"
    "for i, key in ipairs(KEYS) do\n"
    "  if redis.call('SET', key, '1', 'NX', 'EX', ARGV[1]) then new[i] = 1 else new[i] = 0 end\n"
    "end\n"
    "return new\n";

}  // namespace

std::string dedup_key(uint64_t user_id, const std::string& event_id) {
  std::string key(redis::kDedupPrefix);
  key += '{';
  key += std::to_string(user_id);
  key += "}:";
  key += event_id;
  return key;
}

size_t drop_repeated_ids(std::vector<Event>& events) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(events.size());
  std::vector<Event> first;
  first.reserve(events.size());
  for (auto& event : events) {
    if (seen.count(event.event_id)) continue;
    first.push_back(std::move(event));
    seen.insert(first.back().event_id);  // views into `first`, which never reallocates (reserved)
  }
  const size_t dropped = events.size() - first.size();
  events = std::move(first);
  return dropped;
}

std::optional<std::vector<bool>> mark_new(redis::Pool& redis, uint64_t user_id, const std::vector<Event>& events,
                                          int64_t window_s) {
  if (events.empty()) return std::vector<bool>{};
  std::vector<std::string> args;
  args.reserve(events.size() + 4);
  args.emplace_back("EVAL");
  args.emplace_back(kMarkScript);
  args.push_back(std::to_string(events.size()));
  for (const auto& event : events) args.push_back(dedup_key(user_id, event.event_id));
  args.push_back(std::to_string(window_s));
  return redis.try_with([&](redis::Connection& connection) {
    const auto reply = connection.command(args);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != events.size())
      fail_check("Redis EVAL of the events dedup script answered " +
                 std::string(reply ? "an unexpected reply" : "nothing") + " (expected " +
                 std::to_string(events.size()) + " integers)");
    std::vector<bool> fresh(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      const redisReply* element = reply->element[i];
      fresh[i] = element->type == REDIS_REPLY_INTEGER && element->integer == 1;
    }
    return fresh;
  });
}

bool unmark(redis::Pool& redis, uint64_t user_id, const std::vector<Event>& events) {
  if (events.empty()) return true;
  std::vector<std::string> args;
  args.reserve(events.size() + 1);
  args.emplace_back("DEL");
  for (const auto& event : events) args.push_back(dedup_key(user_id, event.event_id));
  return redis
      .try_with([&](redis::Connection& connection) {
        connection.command(args);
        return true;
      })
      .has_value();
}

}  // namespace nf::events
