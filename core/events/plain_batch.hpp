#pragma once
// The fast path of parse_batch: a body in the plain shape nearly every client sends, read
// in one pass without building a JSON tree. Measured: nlohmann's tree was ~1.1 us of CPU
// per event, the largest share of the intake's own work (docs/BENCHMARKS.md, events).
//
// It answers only for a batch it can take whole: a bare JSON array of 1..max_batch flat
// objects whose keys are among event_id, post_id, action, ts, dwell_ms, user_id (each at
// most once), with strings of printable ASCII and no escapes, integers of at most 18
// digits, and every event valid. Anything else (another shape, a null, an escape, a
// float, an RFC 3339 ts, one event to refuse, a syntax error) gives nullopt and the
// general parser decides, so every error message comes from one place. The fast path is
// never more lenient than the general one: tests/unit/events/plain_batch_test.cpp feeds
// both the same bodies, valid and mutated, and requires the same events wherever the
// fast path answers.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/events/parse.hpp"

namespace nf::events {

std::optional<ParsedBatch> parse_plain_batch(std::string_view body, uint64_t user_id, const Limits& limits,
                                             int64_t now_ms);

}  // namespace nf::events
