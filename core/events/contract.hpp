#pragma once
// The event message's limits, declared once: the API's intake (parse.cpp) refuses what
// breaks them with a 400, and the ingest's decoder (ingest/event_decode.cpp) dead-letters
// a message on Kafka that breaks them (written by another producer), with the same words.
// docs/events.md is the prose of this file.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace nf::events {

// In the order of ClickHouse's Enum8 (schema/clickhouse/0002_events.sql).
inline constexpr std::array<std::string_view, 5> kActions = {"impression", "view", "like", "comment", "share"};

inline constexpr size_t kMaxEventIdBytes = 64;
// user_id, post_id, author_id: 1..2^63-1 (PostgreSQL's bigint).
inline constexpr uint64_t kMaxId = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
// dwell_ms: 0..2^31-1 (~24 days; ClickHouse's UInt32 column would take more, the API never has).
inline constexpr uint64_t kMaxDwellMs = static_cast<uint64_t>(std::numeric_limits<int32_t>::max());

// "impression, view, like, comment, share", for messages.
inline std::string action_list() {
  std::string list;
  for (const auto action : kActions) (list += list.empty() ? "" : ", ") += action;
  return list;
}

inline bool is_action(std::string_view name) {
  for (const auto action : kActions)
    if (action == name) return true;
  return false;
}

}  // namespace nf::events
