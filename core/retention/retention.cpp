#include "core/retention/retention.hpp"

#include <optional>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/retention/queries.hpp"
#include "core/retention/ttl_clause.hpp"
#include "core/schema/render.hpp"

namespace nf::retention {
namespace {

// Runs one ClickHouse step of a table's retention. A failure stops the run with
// `context` (which table, what step, what to do) before ClickHouse's own words; an
// unreachable server propagates as it is, so the caller exits 3.
template <typename Step>
auto in_context(const std::string& context, Step&& step) -> decltype(step()) {
  try {
    return step();
  } catch (const Error& e) {
    if (e.code() == ExitCode::unreachable) throw;
    fail_check(context + ": " + e.what());
  } catch (const std::exception& e) {  // an answer of an unexpected shape
    fail_check(context + ": " + e.what());
  }
}

void check_policy(const RetentionPolicy& policy) {
  if (!schema::is_plain_identifier(policy.table) || !schema::is_plain_identifier(policy.time_column))
    fail_usage("retention policy: table and time column must be plain identifiers, got '" + policy.table + "' and '" +
               policy.time_column + "'");
  if (policy.days <= 0)
    fail_usage("retention policy of " + policy.table + ": days must be positive, got " + std::to_string(policy.days));
}

struct TableEngine {
  std::string engine;
  std::string engine_full;
};

std::optional<TableEngine> read_table_engine(const ch::Client& clickhouse, const std::string& table) {
  const auto rows = clickhouse.query(table_engine_sql(table));
  if (rows.empty()) return std::nullopt;
  return TableEngine{rows.front().at("engine").get<std::string>(), rows.front().at("engine_full").get<std::string>()};
}

// "" when the table has no such column.
std::string read_column_type(const ch::Client& clickhouse, const RetentionPolicy& policy) {
  const auto rows = clickhouse.query(column_type_sql(policy.table, policy.time_column));
  return rows.empty() ? "" : rows.front().at("type").get<std::string>();
}

// Date for day buckets, DateTime (with or without a time zone) for the others: the
// numbers partitions_sql reads out mean days or seconds accordingly.
bool column_fits(TimeBucket bucket, const std::string& type) {
  if (bucket == TimeBucket::day) return type == "Date";
  return type == "DateTime" || type.rfind("DateTime(", 0) == 0;
}

int64_t read_server_date(const ch::Client& clickhouse, int64_t epoch_s) {
  const auto rows = clickhouse.query(server_date_sql(epoch_s));
  if (rows.empty()) throw std::runtime_error("no row from " + server_date_sql(epoch_s));
  return static_cast<int64_t>(ch::as_u64(rows.front().at("day")));
}

std::vector<Partition> read_partitions(const ch::Client& clickhouse, const RetentionPolicy& policy) {
  std::vector<Partition> partitions;
  for (const auto& row : clickhouse.query(partitions_sql(policy))) {
    partitions.push_back({row.at("id").get<std::string>(), static_cast<int64_t>(ch::as_u64(row.at("newest"))),
                          ch::as_u64(row.at("rows"))});
  }
  return partitions;
}

TableRetention apply_to_table(const ch::Client& clickhouse, const std::string& database,
                              const RetentionPolicy& policy, int64_t now_s, bool dry_run) {
  TableRetention result;
  result.policy = policy;
  result.cutoff.at_s = cutoff_instant(now_s, policy.days);
  const std::string context = "retention of " + database + "." + policy.table;

  // engine_full → TTL in place, or partitions to judge.
  const auto engine = in_context(context + ": reading its engine from system.tables",
                                 [&] { return read_table_engine(clickhouse, policy.table); });
  if (!engine) {
    result.method = RetentionMethod::table_missing;
    result.error = "no table " + policy.table + " in database " + database + ": run `novafeed schema apply` first";
    return result;
  }
  if (auto ttl = ttl_expression(engine->engine_full)) {
    result.method = RetentionMethod::ttl_in_place;
    result.ttl = std::move(*ttl);
    return result;
  }
  if (engine->engine.find("MergeTree") == std::string::npos)
    fail_check(context + ": it is a " + engine->engine +
               " table, which has no partitions to drop; it is not the table `novafeed schema apply` makes");

  // The time column must mean what the policy says it means.
  const auto type = in_context(context + ": reading the type of column " + policy.time_column,
                               [&] { return read_column_type(clickhouse, policy); });
  if (!column_fits(policy.bucket, type))
    fail_check(context + ": its time column " + policy.time_column + " is " + (type.empty() ? "missing" : type) +
               ", expected " + (policy.bucket == TimeBucket::day ? "Date" : "DateTime") +
               "; compare the table with schema/clickhouse/0002_events.sql");
  if (policy.bucket == TimeBucket::day)
    result.cutoff.day = in_context(context + ": reading the server's date of the cutoff",
                                   [&] { return read_server_date(clickhouse, result.cutoff.at_s); });

  // The newest row of each partition → drop the expired ones.
  auto split = split_partitions(
      in_context(context + ": listing its partitions", [&] { return read_partitions(clickhouse, policy); }),
      policy.bucket, result.cutoff);
  result.kept = std::move(split.kept);
  for (auto& partition : split.expired) {
    if (!dry_run) {
      in_context(context + ": dropping partition " + partition.id + " (" + std::to_string(result.dropped.size()) +
                     " expired partitions before it were dropped; running the job again finishes the work)",
                 [&] { clickhouse.execute(drop_partition_sql(policy.table, partition.id)); });
      spdlog::info("retention: dropped partition {} of {} ({} {})", partition.id, policy.table, partition.rows,
                   partition.rows == 1 ? "row" : "rows");
    }
    result.dropped.push_back(std::move(partition));
  }
  return result;
}

}  // namespace

std::string_view method_name(RetentionMethod method) {
  switch (method) {
    case RetentionMethod::ttl_in_place: return "ttl_in_place";
    case RetentionMethod::drop_partitions: return "drop_partitions";
    case RetentionMethod::table_missing: return "table_missing";
  }
  return "?";
}

uint64_t TableRetention::dropped_rows() const {
  uint64_t rows = 0;
  for (const auto& partition : dropped) rows += partition.rows;
  return rows;
}

bool RetentionReport::ok() const {
  for (const auto& table : tables)
    if (table.method == RetentionMethod::table_missing) return false;
  return true;
}

size_t RetentionReport::dropped_partitions() const {
  size_t count = 0;
  for (const auto& table : tables) count += table.dropped.size();
  return count;
}

uint64_t RetentionReport::dropped_rows() const {
  uint64_t rows = 0;
  for (const auto& table : tables) rows += table.dropped_rows();
  return rows;
}

RetentionReport apply_retention(const ch::Client& clickhouse, const std::vector<RetentionPolicy>& policies,
                                int64_t now_s, bool dry_run) {
  for (const auto& policy : policies) check_policy(policy);
  RetentionReport report;
  report.database = clickhouse.settings().database.empty() ? "default" : clickhouse.settings().database;
  report.now_s = now_s;
  report.dry_run = dry_run;
  for (const auto& policy : policies)
    report.tables.push_back(apply_to_table(clickhouse, report.database, policy, now_s, dry_run));
  return report;
}

}  // namespace nf::retention
