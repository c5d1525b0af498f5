#pragma once
// Timestamps as the ingest's sources write them, to ClickHouse DateTime (whole seconds,
// UTC, 1970..2106): Debezium's timestamptz strings ("2026-11-23T09:29:48.123456Z", any
// UTC offset) and epoch milliseconds (events' `ts`, Connect's logical timestamps).

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace nf::ingest {

// Seconds since the epoch, rounded down; the error names what is wrong with `text`.
tl::expected<uint32_t, std::string> parse_iso8601_seconds(std::string_view text);

// Epoch milliseconds to seconds, rounded down; an error outside DateTime's range.
tl::expected<uint32_t, std::string> epoch_millis_to_seconds(int64_t millis);

}  // namespace nf::ingest
