#pragma once
// The `retention` job's work: keep each retained ClickHouse table to its window.
//
//   per table: engine_full → TTL in place (the server expires rows itself: nothing to do)
//              or → newest row per partition → drop the expired partitions → report
//
// Each table is judged by itself, never by the server's version or by what `schema apply`
// recorded: a table made on 18.16 has no TTL after an upgrade too (ttl_clause.hpp). The
// rule for which partitions go, table by table and why it is exact: policy.hpp.
//
// Errors: a missing table is reported (run `schema apply` first) and the others are still
// done; anything else stops the run with nf::Error (check_failed, naming the table and
// what to do), and an unreachable ClickHouse propagates as it is (exit 3).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/retention/policy.hpp"

namespace nf::retention {

// How a table's retention is met.
enum class RetentionMethod {
  ttl_in_place,     // the table has a TTL clause: the server expires rows, nothing is dropped
  drop_partitions,  // no TTL: expired partitions are dropped here
  table_missing,    // no such table in the database: `schema apply` first
};

std::string_view method_name(RetentionMethod method);  // "ttl_in_place", "drop_partitions", "table_missing"

struct TableRetention {
  RetentionPolicy policy;
  RetentionMethod method = RetentionMethod::drop_partitions;
  std::string ttl;                 // ttl_in_place: the TTL expression, as the server prints it
  Cutoff cutoff;                   // where the window starts (cutoff.day only for day buckets)
  std::vector<Partition> dropped;  // expired partitions dropped (a dry run: that would be)
  std::vector<Partition> kept;     // partitions with rows that may be inside the window
  std::string error;               // table_missing: what is wrong and what to do

  uint64_t dropped_rows() const;
};

struct RetentionReport {
  std::string database;
  int64_t now_s = 0;
  bool dry_run = false;
  std::vector<TableRetention> tables;

  bool ok() const;  // every table was found
  size_t dropped_partitions() const;
  uint64_t dropped_rows() const;
};

// Applies `policies` to the tables of the client's database as of `now_s`. `dry_run`
// reads everything and drops nothing (the report lists what would be dropped).
RetentionReport apply_retention(const ch::Client& clickhouse, const std::vector<RetentionPolicy>& policies,
                                int64_t now_s, bool dry_run);

// For people: per table what was dropped and why, or "TTL in place" (report.cpp).
std::string render_retention_text(const RetentionReport& report);
// The same facts for scripts.
nlohmann::json render_retention_json(const RetentionReport& report);

}  // namespace nf::retention
