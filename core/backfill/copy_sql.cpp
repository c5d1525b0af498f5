#include "core/backfill/copy_sql.hpp"

namespace nf::backfill {

using catalog::ColumnType;

std::string join_numbers(const std::vector<uint64_t>& numbers) {
  std::string out;
  for (uint64_t n : numbers) {
    if (!out.empty()) out += ',';
    out += std::to_string(n);
  }
  return out;
}

std::string copy_select_list(const TableSpec& table, uint64_t version) {
  std::string list;
  for (const auto& column : table.columns) {
    const bool is_time = column.type == ColumnType::date_time || column.type == ColumnType::nullable_date_time;
    list += is_time ? pg_epoch_seconds(column.name) : column.name;
    list += ", ";
  }
  list += std::to_string(version) + ", ";
  list += table.soft_delete() ? "(" + table.soft_delete_column + " IS NOT NULL)::int" : "0";
  return list;
}

std::string where_clause(const TableSpec& table, const RowFilter& filter) {
  std::vector<std::string> conditions;
  const std::string& key = table.range_column();
  if (filter.range)
    conditions.push_back(key + " BETWEEN " + std::to_string(filter.range->start) + " AND " +
                         std::to_string(filter.range->end));
  if (!filter.keys.empty()) conditions.push_back(key + " IN (" + join_numbers(filter.keys) + ")");
  if (filter.since_epoch_s) conditions.push_back("updated_at >= to_timestamp(" + std::to_string(*filter.since_epoch_s) + ")");
  std::string out;
  for (const auto& condition : conditions) out += (out.empty() ? " WHERE " : " AND ") + condition;
  return out;
}

std::string copy_statement(const TableSpec& table, uint64_t version, const RowFilter& filter) {
  return "COPY (SELECT " + copy_select_list(table, version) + " FROM " + table.name + where_clause(table, filter) +
         ") TO STDOUT";
}

std::string insert_statement(const TableSpec& table) {
  std::string columns;
  for (const auto& column : table.columns) columns += column.name + ", ";
  return "INSERT INTO " + table.name + " (" + columns + "_version, _deleted) FORMAT TabSeparated";
}

std::string tombstone_insert_statement(const TableSpec& table) {
  std::string columns;
  for (const auto& key : table.key) columns += key + ", ";
  return "INSERT INTO " + table.name + " (" + columns + "_version, _deleted) FORMAT TabSeparated";
}

}  // namespace nf::backfill
