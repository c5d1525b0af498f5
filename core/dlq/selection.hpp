#pragma once
// Which dead letters `dlq show` and `dlq replay` act on (and `dlq list` counts): pure
// functions, unit-tested. Every criterion given must hold (AND); several --offset values
// are alternatives (OR).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dlq/message.hpp"

namespace nf::dlq {

// One --offset: an offset in the dead-letter topics, in any partition or in one, of any
// topic or of one.
struct OffsetPick {
  std::optional<std::string> topic;
  std::optional<int32_t> partition;
  int64_t offset = 0;
};

// "42", "0:42" (PARTITION:OFFSET) or "events.dlq[0]@42" (a position as `dlq list` and
// `dlq show` print it); throws nf::Error(usage) naming --offset otherwise.
OffsetPick parse_offset_pick(std::string_view text);

// --since: a duration back from `now_ms` ("2h", "30m", "7d") or an RFC 3339 instant
// ("2026-12-04T09:00:00Z"); "" or "all": nullopt (no bound). Throws nf::Error(usage).
std::optional<int64_t> parse_since_ms(std::string_view text, int64_t now_ms);

struct Selection {
  std::optional<int64_t> since_ms;  // dead-lettered at or after (epoch ms)
  std::string reason;               // case-insensitive part of the reason or of its pattern; "" any
  std::vector<OffsetPick> offsets;  // at any of these positions; empty: any
  std::string group;                // written by this ingest group; "" any
  bool all = false;                 // replay: "every message", said explicitly
};

bool selects(const Selection& selection, const Message& message);

// Whether the selection names particular messages (--reason, --offset or --since) or says
// --all: replay refuses otherwise, so nobody replays a whole topic by accident.
bool names_messages(const Selection& selection);

// A reason with its particulars replaced, so one kind of fault is one line of `dlq list`:
// numbers become N and single-quoted text '…'
// ("author_id: post 42 is not in PostgreSQL" → "author_id: post N is not in PostgreSQL",
// "action: 'poke' is not one of …" → "action: '…' is not one of …").
std::string reason_pattern(std::string_view reason);

}  // namespace nf::dlq
