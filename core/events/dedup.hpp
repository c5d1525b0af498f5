#pragma once
// "The same event_id within 1 h counts once" (SPEC §4), with one Redis round trip per
// batch. Each event leaves a mark `dedup:events:{<user_id>}:<event_id>` that lives
// events.dedup_window_s. The {user_id} is a Redis Cluster hash tag: all keys of one
// request share a slot, so one EVAL (SET key 1 NX EX window for each key, answering which
// were new) and one DEL (undo after a Kafka failure) cover the whole batch.
//
// Redis is best effort here: when it is down the marks are skipped and every event is
// produced; ClickHouse still counts each event_id once (docs/design.md "Exactly-once
// effect"), so Redis only saves Kafka and ClickHouse the duplicate work.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/events/parse.hpp"
#include "core/redis/pool.hpp"

namespace nf::events {

// "dedup:events:{42}:<event_id>".
std::string dedup_key(uint64_t user_id, const std::string& event_id);

// Drops the later occurrences of an event_id already seen earlier in `events` (they count
// as duplicates, like a repeat across requests); returns how many were dropped.
size_t drop_repeated_ids(std::vector<Event>& events);

// Sets the marks of `events` where absent. For each event: true when its mark is new
// (the event is to be produced), false when it was already there (a duplicate). nullopt
// when Redis is unavailable (the caller produces everything).
std::optional<std::vector<bool>> mark_new(redis::Pool& redis, uint64_t user_id, const std::vector<Event>& events,
                                          int64_t window_s);

// Deletes the marks of `events` (after Kafka refused them, so the client's retry is not
// taken for a duplicate). False when Redis could not be reached.
bool unmark(redis::Pool& redis, uint64_t user_id, const std::vector<Event>& events);

}  // namespace nf::events
