#pragma once
// Whether a table expires its rows itself: the TTL clause in its system.tables.engine_full.
//
// The retention job looks at each table, not at the server version or at what
// `schema apply` recorded: a table made on 18.16 keeps no TTL after the server is upgraded
// (CREATE TABLE IF NOT EXISTS leaves it as it is), so only the table can say.
//
//   18.16: ReplacingMergeTree PARTITION BY toDate(ts) ORDER BY (post_id, action, event_id)
//          SETTINGS index_granularity = 8192
//   26.7:  ReplacingMergeTree PARTITION BY toDate(ts) ORDER BY (post_id, action, event_id)
//          TTL ts + toIntervalDay(30) SETTINGS index_granularity = 8192
//
// Any table TTL counts: novafeed's schema only makes deleting ones ({{ttl EXPR}}), and a
// table someone gave a TTL by hand is theirs to expire.

#include <optional>
#include <string>
#include <string_view>

namespace nf::retention {

// The table TTL's expression as the server prints it ("ts + toIntervalDay(30)"), or nullopt
// when `engine_full` has none. The keyword counts only as a word outside quotes and
// parentheses; the expression runs to SETTINGS (outside them too) or the end.
std::optional<std::string> ttl_expression(std::string_view engine_full);

}  // namespace nf::retention
