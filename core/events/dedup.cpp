#include "core/events/dedup.hpp"

#include <array>
#include <unordered_set>

#include "core/error/error.hpp"
#include "core/redis/keys.hpp"

namespace nf::events {

namespace {

// One atomic step for the batch, on two hashes per user (KEYS[1], KEYS[2]): field =
// event_id, value = when it was accepted (ms, Redis's own clock, so every serve instance
// agrees). Time is cut into generations one window long; generation g writes to
// KEYS[1 + g % 2], whose field "" names its generation (an event_id is never empty).
// Finding it holding an older one, the script empties it first: everything in it is over a
// window old. An id is a duplicate when the current hash has it (accepted within this
// generation, so within the window) or the other one has it with a time inside the window;
// every other id is new (1) and written to the current hash. So each user holds at most
// two windows of ids, and the answer is exact to the millisecond.
//
// Why hashes: field lookups and writes of plain strings, against a sorted set's score
// formatting and skip list (the previous design, measured at ~2.3 us of Redis CPU per
// event; docs/BENCHMARKS.md, events) or a key with its own expiry per event (the first
// one). Redis caches the compiled script by its hash, so sending the text with EVAL costs
// only its bytes. unpack is chunked: Lua's stack takes a few thousand values.
constexpr std::string_view kMarkScript =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local window = tonumber(ARGV[1])\n"
    "local generation = math.floor(now / window)\n"
    "local current, other = KEYS[1], KEYS[2]\n"
    "if generation % 2 == 1 then current, other = KEYS[2], KEYS[1] end\n"
    "local label = string.format('%d', generation)\n"
    "if redis.call('HGET', current, '') ~= label then\n"
    "  redis.call('UNLINK', current)\n"
    "  redis.call('HSET', current, '', label)\n"
    "end\n"
    "local horizon = now - window\n"
    "local stamp = string.format('%d', now)\n"
    "local new, add = {}, {}\n"
    "for first = 2, #ARGV, 1000 do\n"
    "  local last = math.min(first + 999, #ARGV)\n"
    "  local here = redis.call('HMGET', current, unpack(ARGV, first, last))\n"
    "  local there = redis.call('HMGET', other, unpack(ARGV, first, last))\n"
    "  for i = first, last do\n"
    "    local before = there[i - first + 1]\n"
    "    if here[i - first + 1] or (before and tonumber(before) > horizon) then\n"
    "      new[#new + 1] = 0\n"
    "    else\n"
    "      new[#new + 1] = 1\n"
    "      add[#add + 1] = ARGV[i]\n"
    "      add[#add + 1] = stamp\n"
    "    end\n"
    "  end\n"
    "end\n"
    "for first = 1, #add, 1000 do\n"
    "  redis.call('HSET', current, unpack(add, first, math.min(first + 999, #add)))\n"
    "end\n"
    "redis.call('PEXPIRE', current, 2 * window)\n"
    "return new\n";

}  // namespace

std::array<std::string, 2> dedup_keys(uint64_t user_id) {
  std::string key(redis::kDedupPrefix);
  key += '{';
  key += std::to_string(user_id);
  key += "}:";
  return {key + '0', key + '1'};
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
  auto keys = dedup_keys(user_id);
  args.reserve(events.size() + 6);
  args.emplace_back("EVAL");
  args.emplace_back(kMarkScript);
  args.emplace_back("2");
  args.push_back(std::move(keys[0]));
  args.push_back(std::move(keys[1]));
  args.push_back(std::to_string(window_s * 1000));
  for (const auto& event : events) args.push_back(event.event_id);
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
  // Both hashes: the marks are in the current one, and an older entry of the same id in
  // the other is past the window anyway. One key per command.
  std::vector<std::vector<std::string>> commands;
  for (auto& key : dedup_keys(user_id)) {
    auto& command = commands.emplace_back();
    command.reserve(events.size() + 2);
    command.emplace_back("HDEL");
    command.push_back(std::move(key));
    for (const auto& event : events) command.push_back(event.event_id);
  }
  return redis
      .try_with([&](redis::Connection& connection) {
        connection.pipeline(commands);
        return true;
      })
      .has_value();
}

}  // namespace nf::events
