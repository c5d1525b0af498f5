#include "core/retention/queries.hpp"

#include "core/clickhouse/client.hpp"

namespace nf::retention {

std::string table_engine_sql(std::string_view table) {
  return "SELECT engine, engine_full FROM system.tables WHERE database = currentDatabase() AND name = " +
         ch::quote(table);
}

std::string column_type_sql(std::string_view table, std::string_view column) {
  return "SELECT type FROM system.columns WHERE database = currentDatabase() AND table = " + ch::quote(table) +
         " AND name = " + ch::quote(column);
}

std::string server_date_sql(int64_t epoch_s) {
  return "SELECT toUInt16(toDate(toDateTime(" + std::to_string(epoch_s) + "))) AS day";
}

std::string partitions_sql(const RetentionPolicy& policy) {
  // toUInt16 of a Date is its day number, toUInt32 of a DateTime its epoch seconds: numbers
  // need no time zone on the way out.
  const std::string newest = std::string(policy.bucket == TimeBucket::day ? "toUInt16" : "toUInt32") + "(max(" +
                             policy.time_column + "))";
  return "SELECT _partition_id AS id, " + newest + " AS newest, count() AS rows FROM " + policy.table +
         " GROUP BY _partition_id";
}

std::string drop_partition_sql(std::string_view table, std::string_view partition_id) {
  return "ALTER TABLE " + std::string(table) + " DROP PARTITION ID " + ch::quote(partition_id);
}

}  // namespace nf::retention
