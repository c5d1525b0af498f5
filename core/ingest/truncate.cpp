#include "core/ingest/truncate.hpp"

#include "core/redis/keys.hpp"

namespace nf::ingest {

bool covered_by_truncate(const TruncateMarks& marks, const std::string& table, uint64_t version) {
  const auto it = marks.find(table);
  return it != marks.end() && version < it->second;
}

std::string tombstone_rows_sql(const CdcTable& table, uint64_t lsn) {
  std::string columns;
  std::string values;
  for (const auto& column : table.columns) {
    columns += column.name + ", ";
    // A tombstone of a truncated row is a hard delete: no deleted_at, or verify would count
    // a soft-deleted row PostgreSQL no longer has as present.
    values += column.name == table.soft_delete_column
                  ? "CAST(NULL AS " + std::string(catalog::clickhouse_type(column.type)) + "), "
                  : column.name + ", ";
  }
  const std::string bookkeeping =
      std::string(catalog::kVersionColumn) + ", " + std::string(catalog::kDeletedColumn);
  const std::string live = std::string(catalog::kDeletedColumn) + " = 0";
  const std::string version = std::to_string(lsn);
  // Present: live, or soft-deleted (deleted_at set). A hard-delete tombstone is absent
  // already, and after this insert every row it selected is one: a replay selects nothing.
  const std::string present =
      table.soft_delete_column.empty() ? live : "(" + live + " OR " + table.soft_delete_column + " IS NOT NULL)";
  return "INSERT INTO " + table.name + " (" + columns + bookkeeping + ") SELECT " + values + "toUInt64(" + version +
         "), toUInt8(1) FROM (SELECT " + columns + bookkeeping + " FROM " + table.name + " FINAL) WHERE " +
         std::string(catalog::kVersionColumn) + " < " + version + " AND " + present;
}

std::string truncate_marks_sql() { return "SELECT table_name, max(lsn) AS lsn FROM cdc_truncates GROUP BY table_name"; }

TruncateMarks parse_truncate_marks(const std::vector<nlohmann::json>& rows) {
  TruncateMarks marks;
  for (const auto& row : rows) marks[row.at("table_name").get<std::string>()] = ch::as_u64(row.at("lsn"));
  return marks;
}

TruncateMarks read_truncate_marks(const ch::Client& clickhouse) {
  return parse_truncate_marks(clickhouse.query(truncate_marks_sql()));
}

void apply_truncate(const ch::Client& clickhouse, const CdcTable& table, uint64_t lsn) {
  // The mark first: a process inserting an older row of this table after this point sees
  // it and tombstones its own row; one that inserted before is seen by the SELECT below.
  clickhouse.insert("cdc_truncates (table_name, lsn)", "TabSeparated", table.name + "\t" + std::to_string(lsn) + "\n");
  clickhouse.execute(tombstone_rows_sql(table, lsn));
}

std::vector<std::string> caches_stale_after_truncate(const std::string& table) {
  const auto pattern = [](std::string_view prefix) { return std::string(prefix) + "*"; };
  if (table == "posts") return {pattern(redis::kFeedPrefix), pattern(redis::kHotPostsPrefix)};
  if (table == "follows") return {pattern(redis::kFeedPrefix), pattern(redis::kSuggestionsPrefix)};
  if (table == "users") return {pattern(redis::kSuggestionsPrefix)};
  return {};
}

}  // namespace nf::ingest
