#pragma once
// Messages of the `events` topic (docs/events.md) to rows of the ClickHouse `events`
// table. A pure function: the value in, an Event or a reason out.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace nf::ingest {

struct Event {
  std::string event_id;              // 1..64 bytes, the dedup key
  uint64_t user_id = 0;
  uint64_t post_id = 0;
  std::optional<uint64_t> author_id;  // absent: resolved from PostgreSQL posts
  std::string action;                // impression, view, like, comment, share
  uint32_t ts = 0;                   // epoch seconds (the message has milliseconds)
  uint32_t dwell_ms = 0;
};

// `ts` is epoch milliseconds (the contract); an ISO-8601 string with a zone is accepted
// too. The error names the field ("action: 'poke' is not one of impression, view, …").
tl::expected<Event, std::string> decode_event(std::string_view value);

// The JSONEachRow object for the events table; `author_id` is the resolved author.
nlohmann::json event_row(const Event& event, uint64_t author_id, uint32_t received_at);

}  // namespace nf::ingest
