#pragma once
// RFC 3339 date-times, the one spelling of instants in novafeed's JSON and messages:
// parsed from what clients send, formatted in UTC for what we print.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time/civil.hpp"

namespace nf::time {

// An RFC 3339 date-time to epoch milliseconds; nullopt when `text` is not one.
// YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM); digits past milliseconds are
// cut, not rounded; a zone is required (a local time would be ambiguous).
std::optional<int64_t> parse_rfc3339_ms(std::string_view text);

// "2026-11-23T12:30:40.123Z" (with_ms) or "2026-11-23T12:30:40Z", in UTC; milliseconds
// are cut when !with_ms.
std::string format_rfc3339(int64_t epoch_ms, bool with_ms);

}  // namespace nf::time
