// The retention report: per table what was dropped and why (or that a TTL does the work),
// as text for people and the same facts as JSON.

#include "core/backfill/progress.hpp"
#include "core/retention/retention.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::retention {
namespace {

std::string instant(int64_t epoch_s) { return time::format_rfc3339(epoch_s * 1000, false); }

std::string date(int64_t day) { return time::format_rfc3339(day * 86400 * 1000, false).substr(0, 10); }

// The newest value of a partition's time column as the column holds it.
std::string newest_value(TimeBucket bucket, int64_t newest) {
  return bucket == TimeBucket::day ? date(newest) : instant(newest);
}

// Why an expired partition went: its newest row's span ends at or before the cutoff.
std::string why_expired(const TableRetention& table, const Partition& partition) {
  const auto& p = table.policy;
  switch (p.bucket) {
    case TimeBucket::second:
      return "newest " + p.time_column + " " + instant(partition.newest) + " is before the cutoff";
    case TimeBucket::hour:
      return "newest " + p.time_column + " " + instant(partition.newest) + " ends at " +
             instant(bucket_end(p.bucket, partition.newest)) + ", not after the cutoff";
    case TimeBucket::day:
      return "newest " + p.time_column + " " + date(partition.newest) + " is before the cutoff's day " +
             date(table.cutoff.day);
  }
  return "";
}

std::string rows_text(uint64_t rows) { return backfill::group_thousands(rows) + (rows == 1 ? " row" : " rows"); }

std::string partitions_text(size_t count) {
  return std::to_string(count) + (count == 1 ? " partition" : " partitions");
}

std::string window_text(const TableRetention& table) {
  std::string out = std::to_string(table.policy.days) + " days, window from " + instant(table.cutoff.at_s);
  if (table.policy.bucket == TimeBucket::day) out += " (day " + date(table.cutoff.day) + ")";
  return out;
}

std::string table_text(const TableRetention& table, bool dry_run) {
  const std::string& name = table.policy.table;
  switch (table.method) {
    case RetentionMethod::table_missing: return name + ": MISSING: " + table.error + "\n";
    case RetentionMethod::ttl_in_place:
      return name + ": TTL in place (" + table.ttl + "): the server expires its rows itself, nothing dropped\n";
    case RetentionMethod::drop_partitions: break;
  }
  std::string out = name + ": no TTL, " + window_text(table) + ": ";
  if (table.dropped.empty()) {
    out += "nothing expired, kept " + partitions_text(table.kept.size()) + "\n";
  } else {
    out += std::string(dry_run ? "would drop " : "dropped ") + partitions_text(table.dropped.size()) + " (" +
           rows_text(table.dropped_rows()) + "), kept " + std::to_string(table.kept.size()) + "\n";
  }
  for (const auto& partition : table.dropped) {
    out += std::string(dry_run ? "  would drop " : "  dropped ") + partition.id + " (" + rows_text(partition.rows) +
           "): " + why_expired(table, partition) + "\n";
  }
  if (!table.kept.empty()) {
    out += "  kept " + table.kept.front().id +
           (table.kept.size() > 1 ? " to " + table.kept.back().id : std::string()) +
           ": each may hold rows inside the window (one straddling the cutoff stays whole)\n";
  }
  return out;
}

nlohmann::json partitions_json(const TableRetention& table, const std::vector<Partition>& partitions) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& partition : partitions) {
    out.push_back({{"partition", partition.id},
                   {"newest", newest_value(table.policy.bucket, partition.newest)},
                   {"rows", partition.rows}});
  }
  return out;
}

}  // namespace

std::string render_retention_text(const RetentionReport& report) {
  std::string out = "retention of database " + report.database + " at " + instant(report.now_s) +
                    (report.dry_run ? " (dry run: nothing is dropped)" : "") + "\n";
  size_t missing = 0;
  for (const auto& table : report.tables) {
    out += table_text(table, report.dry_run);
    if (table.method == RetentionMethod::table_missing) ++missing;
  }
  const size_t dropped = report.dropped_partitions();
  std::string result = dropped == 0 ? "nothing expired"
                       : report.dry_run
                           ? "would drop " + partitions_text(dropped) + " (" + rows_text(report.dropped_rows()) + ")"
                           : "dropped " + partitions_text(dropped) + " (" + rows_text(report.dropped_rows()) + ")";
  if (missing) result += "; " + std::to_string(missing) + (missing == 1 ? " table" : " tables") + " MISSING";
  return out + "result: " + result + "\n";
}

nlohmann::json render_retention_json(const RetentionReport& report) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& table : report.tables) {
    const bool judged = table.method == RetentionMethod::drop_partitions;
    tables.push_back(
        {{"table", table.policy.table},
         {"time_column", table.policy.time_column},
         {"bucket", bucket_name(table.policy.bucket)},
         {"days", table.policy.days},
         {"method", method_name(table.method)},
         {"ttl", table.method == RetentionMethod::ttl_in_place ? nlohmann::json(table.ttl) : nlohmann::json(nullptr)},
         {"cutoff", instant(table.cutoff.at_s)},
         {"cutoff_day", judged && table.policy.bucket == TimeBucket::day ? nlohmann::json(date(table.cutoff.day))
                                                                          : nlohmann::json(nullptr)},
         {"dropped", partitions_json(table, table.dropped)},
         {"dropped_rows", table.dropped_rows()},
         {"kept", partitions_json(table, table.kept)},
         {"error", table.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(table.error)}});
  }
  return {{"database", report.database},
          {"now", instant(report.now_s)},
          {"dry_run", report.dry_run},
          {"ok", report.ok()},
          {"dropped_partitions", report.dropped_partitions()},
          {"dropped_rows", report.dropped_rows()},
          {"tables", tables}};
}

}  // namespace nf::retention
