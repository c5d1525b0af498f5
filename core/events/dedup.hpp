#pragma once
// "The same event_id within 1 h counts once" (SPEC §4), with one Redis round trip per
// batch. Time is cut into generations one events.dedup_window_s long (by the request's
// clock); each user has a set of the ids accepted in each generation,
// `dedup:events:{<user_id>}:<generation>`, kept two windows after its last write. An id in
// the current or the previous generation's set is a duplicate: so an id counts once for
// at least one window after it was accepted, and at most two. One EVAL (two SMISMEMBERs,
// one SADD of the new ids) answers which were new; one SREM undoes them after a Kafka
// failure. The {user_id} hash tag puts both keys in one slot, so the EVAL holds on Redis
// Cluster too. The script's comment in dedup.cpp has the details.
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

// The sets a batch at `now_ms` reads: the current generation's (written) and the previous one's.
struct DedupKeys {
  std::string current;   // "dedup:events:{42}:491234" (generation = now_ms / window)
  std::string previous;  // "dedup:events:{42}:491233"
};
DedupKeys dedup_keys(uint64_t user_id, int64_t now_ms, int64_t window_s);

// Drops the later occurrences of an event_id already seen earlier in `events` (they count
// as duplicates, like a repeat across requests); returns how many were dropped.
size_t drop_repeated_ids(std::vector<Event>& events);

// Marks the ids of `events` that neither set holds. For each event: true when its mark is
// new (the event is to be produced), false when it was already there (a duplicate).
// nullopt when Redis is unavailable (the caller produces everything).
std::optional<std::vector<bool>> mark_new(redis::Pool& redis, const DedupKeys& keys, const std::vector<Event>& events,
                                          int64_t window_s);

// Removes the marks of `events` that mark_new set in `keys.current` (after Kafka refused
// them, so the client's retry is not taken for a duplicate). False when Redis could not be
// reached.
bool unmark(redis::Pool& redis, const DedupKeys& keys, const std::vector<Event>& events);

}  // namespace nf::events
