#pragma once
// The SQL the retention job sends, built in one place. Table and column names come from a
// RetentionPolicy and must be plain identifiers (apply_retention checks them first); values
// go through ch::quote. Each statement runs on 18.16 and on current ClickHouse alike.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/retention/policy.hpp"

namespace nf::retention {

// `engine` and `engine_full` of `table` in the client's database (currentDatabase(): the
// same database the unqualified ALTER TABLE … DROP PARTITION hits). No row: no such table.
std::string table_engine_sql(std::string_view table);

// The `type` of one column of `table`. No row: no such column.
std::string column_type_sql(std::string_view table, std::string_view column);

// The server's date of an instant as days since 1970 (`day`): Date values are dates in the
// server's time zone, so the cutoff's date is the server's to say.
std::string server_date_sql(int64_t epoch_s);

// Per partition: `id`, `newest` (max of the time column: epoch seconds, or days since 1970
// for a day bucket) and `rows`.
std::string partitions_sql(const RetentionPolicy& policy);

// ALTER TABLE `table` DROP PARTITION ID '<id>'.
std::string drop_partition_sql(std::string_view table, std::string_view partition_id);

}  // namespace nf::retention
