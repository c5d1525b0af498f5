#include "core/backfill/checkpoints.hpp"

namespace nf::backfill {
namespace {

std::string marker_name(const std::string& table) { return table + "#run"; }

void insert_row(const ch::Client& client, const std::string& table_name, const Checkpoint& c) {
  // Table names are from the fixed catalog (tables.cpp) and contain no tab or newline.
  client.insert("backfill_checkpoints (table_name, range_start, range_end, snapshot_lsn, rows)", "TabSeparated",
                table_name + "\t" + std::to_string(c.range.start) + "\t" + std::to_string(c.range.end) + "\t" +
                    std::to_string(c.snapshot_lsn) + "\t" + std::to_string(c.rows) + "\n");
}

}  // namespace

void write_run_marker(const ch::Client& client, const std::string& table, uint64_t snapshot_lsn) {
  insert_row(client, marker_name(table), {{0, 0}, snapshot_lsn, 0});
}

void write_checkpoint(const ch::Client& client, const std::string& table, const Checkpoint& checkpoint) {
  insert_row(client, table, checkpoint);
}

std::optional<std::vector<Checkpoint>> finished_ranges(const ch::Client& client, const std::string& table) {
  const auto marker = client.query("SELECT count() AS runs, max(snapshot_lsn) AS lsn FROM backfill_checkpoints "
                                   "WHERE table_name = " + ch::quote(marker_name(table)));
  if (marker.empty() || ch::as_u64(marker[0]["runs"]) == 0) return std::nullopt;
  std::vector<Checkpoint> out;
  const uint64_t run_lsn = ch::as_u64(marker[0]["lsn"]);
  const auto rows = client.query(
      "SELECT range_start, range_end, snapshot_lsn, rows FROM backfill_checkpoints FINAL WHERE table_name = " +
      ch::quote(table) + " AND snapshot_lsn >= " + std::to_string(run_lsn));
  for (const auto& row : rows)
    out.push_back({{ch::as_u64(row["range_start"]), ch::as_u64(row["range_end"])},
                   ch::as_u64(row["snapshot_lsn"]),
                   ch::as_u64(row["rows"])});
  return out;
}

}  // namespace nf::backfill
