#pragma once
// The ClickHouse versions novafeed supports, and the one place that knows how they differ.
//
// Supported: Debian 12's 18.16 and every release from 19.6 to the current one (26.x; the
// plan this project comes from deploys on 23.0+). Queries are written in the SQL that
// both ends accept (an alias on every joined subquery, the strictness spelled out as
// ANY LEFT JOIN, log(1 + x) for log1p, id sets as external tables rather than literals),
// so no query asks for the version. What cannot be written once lives here:
//   - features the schema may rely on (EngineFeatures, from the server's version): TTL;
//   - settings whose defaults changed since 2018, pinned on every statement
//     (kPinnedSettings), so both engines read and write data alike.
// docs/design.md ("ClickHouse versions") has the table of differences and how each is met.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nf::ch {

struct ServerVersion {
  int major = 0, minor = 0, patch = 0;
  std::string text;

  bool operator<(const ServerVersion& other) const;
};

// Parses "18.16.1", "23.8.2.7" and the like; throws nf::Error(check_failed) otherwise.
ServerVersion parse_version(std::string_view text);

// What the server offers that novafeed's schema uses when it can.
struct EngineFeatures {
  // MergeTree TTL clauses (19.6+): expired rows and partitions go by themselves. Without
  // it, `jobs run retention` drops whole expired partitions.
  bool ttl = false;

  // The names of the features on, as `schema apply` records them ("ttl").
  std::vector<std::string> names() const;
};

EngineFeatures features_of(const ServerVersion& version);

// Settings sent as URL parameters with every statement: each exists on 18.16; the first
// three pin a default that changed since, the last asks both for what serving needs.
//   output_format_json_quote_64bit_integers=1  (26.x: 0)  UInt64 in JSON as strings, as
//                                               18.16 sends them (ids above 2^53 stay exact)
//   input_format_skip_unknown_fields=0          (26.x: 1)  an unknown field in an insert is
//                                               an error, not a silently dropped column
//   date_time_input_format=basic                (26.x: best_effort) DateTime text is
//                                               'YYYY-MM-DD hh:mm:ss' or epoch seconds only
//   use_uncompressed_cache=1                    (both: 0)  small reads keep their
//                                               decompressed blocks (below)
inline constexpr std::pair<std::string_view, std::string_view> kPinnedSettings[] = {
    {"output_format_json_quote_64bit_integers", "1"},
    {"input_format_skip_unknown_fields", "0"},
    {"date_time_input_format", "basic"},
    // Keep decompressed blocks of small reads (a miss reads ~900 posts' rows scattered over
    // a table: without it each read decompresses a 64 KiB block per column and post, 3x the
    // time at spec scale). The server uses the cache only for reads below
    // merge_tree_max_rows_to_use_cache, so scans (jobs, verify) leave it alone.
    {"use_uncompressed_cache", "1"},
};

}  // namespace nf::ch
