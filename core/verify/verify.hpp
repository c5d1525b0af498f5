#pragma once
// `novafeed verify`: is ClickHouse's latest state of each table what PostgreSQL holds?
//
//   window (since, now - min_age) → per table: bucket pass on both sides at once
//   → bisect mismatched buckets → leaf rows → missing / extra / different → report
//
// Exit status is the caller's: consistent() false means drift (exit 1).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace nf::verify {

struct VerifyRequest {
  std::string table = "all";
  std::optional<int64_t> since_s = 24 * 3600;  // nullopt: every row
  int64_t min_age_s = 30;
  uint64_t buckets = 64;
  uint64_t max_ids = 1000;
};

struct DifferentId {
  std::string id;
  std::vector<std::string> columns;
};

struct TableVerdict {
  std::string table;
  uint64_t pg_rows = 0, ch_rows = 0;  // compared (in the window)
  uint64_t mismatched_buckets = 0;
  bool narrowed = true;  // false: too much drift to list ids, counts only
  uint64_t missing = 0, extra = 0, different = 0, skipped_in_flight = 0;
  std::vector<std::string> missing_ids, extra_ids;  // at most max_ids each; "12" or "12:34"
  std::vector<DifferentId> different_ids;
  std::string repair;  // the command that fixes it; "" when consistent
  double seconds = 0;

  bool consistent() const { return mismatched_buckets == 0 || (narrowed && missing + extra + different == 0); }
};

struct VerifyReport {
  int64_t now_epoch_s = 0;
  std::optional<int64_t> since_epoch_s;
  int64_t cutoff_epoch_s = 0;
  std::vector<TableVerdict> tables;
  double seconds = 0;

  bool consistent() const;
};

VerifyReport run_verify(const config::Config& config, const VerifyRequest& request);

std::string render_text(const VerifyReport& report);
nlohmann::json render_json(const VerifyReport& report);

// The repair command for a verdict's drift (uses every drifted key up to max_ids, else a
// full backfill of the table).
std::string repair_command(const std::string& table, const std::vector<uint64_t>& first_keys, bool narrowed,
                           uint64_t max_ids);

}  // namespace nf::verify
