#pragma once
// Counting each engagement event once (schema/clickhouse/0006_event_counts.sql): a batch's
// events worth counting (all but views), each (post, action, event id) once, minus those
// event_keys already holds, go to event_keys_in in one INSERT, which writes their keys
// and adds them to post_counts and user_author_counts together. A batch replayed after a
// crash, or an event a client sent again, finds its key and adds nothing.
//
// Pure pieces (unit-tested) and the two statements; IngestLoop::count_events runs them.

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/clickhouse/client.hpp"
#include "core/ingest/event_decode.hpp"

namespace nf::ingest {

struct CountedEvent {
  uint64_t post_id = 0;
  uint8_t action = 0;  // the Enum8 code: impression 1, like 3, comment 4, share 5 (never view)
  std::string event_id;
  uint64_t user_id = 0;
  uint64_t author_id = 0;
  uint32_t ts = 0;

  // What makes an event the same event: SPEC §3 counts L, C, S, I per post by event id.
  auto key() const { return std::tie(post_id, action, event_id); }
};

// The event as counted, or nothing for a view (not ranked) or an unknown action.
std::optional<CountedEvent> counted_event(const Event& event, uint64_t author_id);

// Each key once (the first occurrence), in the batch's order.
std::vector<CountedEvent> unique_keys(std::vector<CountedEvent> events);

// Which of `events` event_keys holds already: rows {post_id, action, event_id}.
ch::Query counted_already_query(const std::vector<CountedEvent>& events);

// `events` minus the rows the query above returned.
std::vector<CountedEvent> not_counted(std::vector<CountedEvent> events, const std::vector<nlohmann::json>& counted_rows);

// The TabSeparated body for INSERT INTO event_keys_in (raw bytes of the event id, escaped
// as TabSeparated reads them, so the key hashed on insert is the key looked up).
std::string event_keys_in_body(const std::vector<CountedEvent>& events);

// INSERT … SELECT counting the rows of `events` matching `where` (read twice: bound it by
// post_id, events' key, where possible) that are not counted yet
// (each key once): for events written there by something else than the ingest — tests
// planting a world, a repair. The same statement as schema 0006's, for the events there then.
std::string count_stored_events_sql(const std::string& where);

}  // namespace nf::ingest
