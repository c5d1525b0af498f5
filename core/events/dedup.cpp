#include "core/events/dedup.hpp"

#include <algorithm>
#include <unordered_set>

#include "core/error/error.hpp"
#include "core/redis/keys.hpp"

namespace nf::events {

namespace {

// One atomic step for the batch, on the user's sets of two generations (KEYS[1] the
// current one, KEYS[2] the previous one): ARGV[1] = two windows in ms, ARGV[2..] = the
// ids. An id either set holds is a duplicate (0); every other id is new (1) and added to
// the current set, whose expiry is then pushed to two windows from now. A generation's set
// is written only during its own window, so it is gone at most three windows after it
// began, and a user holds at most two live sets.
//
// Why sets named by generation: SMISMEMBER answers with integers, so the Lua loop handles
// no strings but the new ids, and nothing has to be emptied or labelled. The previous
// design (two hashes by parity, each id with its ms timestamp, emptied when a generation
// came round again) cost ~1.7 us of Redis CPU per event, over half of it in the script's
// own string handling; this one ~0.9 us (docs/BENCHMARKS.md, events). Its window is not
// exact to the millisecond but one to two windows, which SPEC §4 allows ("within 1 h
// counts once") and ClickHouse's own once-per-event_id count agrees with. Redis caches the
// compiled script by its hash, so sending the text with EVAL costs only its bytes. unpack
// is chunked: Lua's stack takes a few thousand values.
constexpr std::string_view kMarkScript =
    "local new, add, n = {}, {}, 0\n"
    "for first = 2, #ARGV, 1000 do\n"
    "  local last = math.min(first + 999, #ARGV)\n"
    "  local here = redis.call('SMISMEMBER', KEYS[1], unpack(ARGV, first, last))\n"
    "  local there = redis.call('SMISMEMBER', KEYS[2], unpack(ARGV, first, last))\n"
    "  for i = first, last do\n"
    "    local j = i - first + 1\n"
    "    if here[j] == 1 or there[j] == 1 then\n"
    "      new[i - 1] = 0\n"
    "    else\n"
    "      new[i - 1] = 1\n"
    "      n = n + 1\n"
    "      add[n] = ARGV[i]\n"
    "    end\n"
    "  end\n"
    "end\n"
    "for first = 1, n, 1000 do\n"
    "  redis.call('SADD', KEYS[1], unpack(add, first, math.min(first + 999, n)))\n"
    "end\n"
    "if n > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
    "return new\n";

}  // namespace

DedupKeys dedup_keys(uint64_t user_id, int64_t now_ms, int64_t window_s) {
  const int64_t window_ms = std::max<int64_t>(1, window_s) * 1000;
  const int64_t generation = now_ms / window_ms;
  std::string key(redis::kDedupPrefix);
  key += '{';
  key += std::to_string(user_id);
  key += "}:";
  return {key + std::to_string(generation), key + std::to_string(generation - 1)};
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

std::optional<std::vector<bool>> mark_new(redis::Pool& redis, const DedupKeys& keys, const std::vector<Event>& events,
                                          int64_t window_s) {
  if (events.empty()) return std::vector<bool>{};
  std::vector<std::string> args;
  args.reserve(events.size() + 6);
  args.emplace_back("EVAL");
  args.emplace_back(kMarkScript);
  args.emplace_back("2");
  args.push_back(keys.current);
  args.push_back(keys.previous);
  args.push_back(std::to_string(2 * window_s * 1000));
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

bool unmark(redis::Pool& redis, const DedupKeys& keys, const std::vector<Event>& events) {
  if (events.empty()) return true;
  std::vector<std::string> command;
  command.reserve(events.size() + 2);
  command.emplace_back("SREM");
  command.push_back(keys.current);
  for (const auto& event : events) command.push_back(event.event_id);
  return redis
      .try_with([&](redis::Connection& connection) {
        connection.command(command);
        return true;
      })
      .has_value();
}

}  // namespace nf::events
