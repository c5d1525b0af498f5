#pragma once
// The body of POST /api/v1/events, checked without touching any server: a pure function
// from (body, token user, limits, clock) to the valid events and per-event rejections.
//
// Accepted shapes: a JSON array of events, or an object {"events":[...]} (other keys of
// that object are ignored). An event is {event_id, post_id, action, ts, dwell_ms?}:
//   event_id  string, 1..64 bytes
//   post_id   integer 1..2^63-1 (0, negatives, floats and strings are refused)
//   action    impression | view | like | comment | share
//   ts        epoch milliseconds (integer), or an RFC 3339 string such as
//             "2026-11-23T09:29:48.123Z" / "...+02:00" (digits past milliseconds are cut);
//             within [now - events.max_age_days, now + events.max_future_s], edges included
//   dwell_ms  optional integer 0..2^31-1, default 0
// A `user_id` field is refused when it differs from the token's user (a client bug we
// want loud, not events silently moved to another user); other unknown fields are ignored.
//
// Whole-request problems throw nf::Error(usage, message, reason) with reason
// invalid_json, invalid_body, empty_batch, too_many_events, or invalid_events (every
// event refused; the message lists the first few "index: reason").

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"

namespace nf::events {

struct Limits {
  size_t max_batch = 100;
  int64_t max_age_ms = 30LL * 24 * 3600 * 1000;
  int64_t max_future_ms = 300 * 1000;
};

// events.max_batch, events.max_age_days, events.max_future_s; throws nf::Error(usage)
// for a value that makes no sense (max_batch < 1, negative windows).
Limits limits_from(const config::Config& config);

struct Event {
  size_t index = 0;  // position in the request's array
  std::string event_id;
  uint64_t post_id = 0;
  std::string action;
  int64_t ts_ms = 0;
  int64_t dwell_ms = 0;
};

struct Rejection {
  size_t index = 0;
  std::string error;  // "post_id: expected a positive integer, got -1"
};

struct ParsedBatch {
  std::vector<Event> valid;       // in request order
  std::vector<Rejection> rejected;  // in request order
};

// The plain shape goes through parse_plain_batch (plain_batch.hpp), anything else through
// parse_batch_tree, the general parser (a JSON tree, every rule and message above).
ParsedBatch parse_batch(std::string_view body, uint64_t user_id, const Limits& limits, int64_t now_ms);
ParsedBatch parse_batch_tree(std::string_view body, uint64_t user_id, const Limits& limits, int64_t now_ms);

// The kind of a per-event rejection, from its error's field: invalid_event_id,
// invalid_post_id, invalid_action, invalid_ts, invalid_dwell_ms, user_mismatch, or
// invalid_event (not an object). A bounded word for metrics; the error says the rest.
std::string_view rejection_reason(std::string_view error);
// Every word rejection_reason() returns, then the whole-request reasons above.
const std::vector<std::string_view>& rejection_reasons();

// The Kafka message value of docs/events.md, fields in its order, no author_id (ingest
// resolves it from PostgreSQL).
std::string event_message(uint64_t user_id, const Event& event);

}  // namespace nf::events
