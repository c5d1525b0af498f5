#pragma once
// "The same event_id within 1 h counts once" (SPEC §4), with one Redis round trip per
// batch. Each user has two hashes, `dedup:events:{<user_id>}:0` and `:1` (field =
// event_id, value = when it was accepted, ms by Redis's clock), one per alternate
// generation of events.dedup_window_s; an id accepted within the window is a duplicate.
// One EVAL (two HMGETs, one HSET of the new ids) answers which were new; one HDEL per hash
// undoes them after a Kafka failure. The {user_id} hash tag puts both keys in one slot, so
// the EVAL holds on Redis Cluster too. The script's comment in dedup.cpp has the details.
//
// Redis is best effort here: when it is down the marks are skipped and every event is
// produced; ClickHouse still counts each event_id once (docs/design.md "Exactly-once
// effect"), so Redis only saves Kafka and ClickHouse the duplicate work.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/events/parse.hpp"
#include "core/redis/pool.hpp"

namespace nf::events {

// {"dedup:events:{42}:0", "dedup:events:{42}:1"}: the user's two generations of marks.
std::array<std::string, 2> dedup_keys(uint64_t user_id);

// Drops the later occurrences of an event_id already seen earlier in `events` (they count
// as duplicates, like a repeat across requests); returns how many were dropped.
size_t drop_repeated_ids(std::vector<Event>& events);

// Marks the ids of `events` not marked within the window. For each event: true when its mark is new
// (the event is to be produced), false when it was already there (a duplicate). nullopt
// when Redis is unavailable (the caller produces everything).
std::optional<std::vector<bool>> mark_new(redis::Pool& redis, uint64_t user_id, const std::vector<Event>& events,
                                          int64_t window_s);

// Removes the marks of `events` (after Kafka refused them, so the client's retry is not
// taken for a duplicate). False when Redis could not be reached.
bool unmark(redis::Pool& redis, uint64_t user_id, const std::vector<Event>& events);

}  // namespace nf::events
