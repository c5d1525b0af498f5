#include "core/verify/sides.hpp"

#include "core/backfill/copy_sql.hpp"

namespace nf::verify {
namespace {

using backfill::join_numbers;

std::string bucket_filter(const std::string& key, uint64_t filter_modulus, const std::vector<uint64_t>& buckets) {
  if (buckets.empty()) return "";
  return " AND " + key + " % " + std::to_string(filter_modulus) + " IN (" + join_numbers(buckets) + ")";
}

// The latest version of every row of `table` ClickHouse holds as present, with key
// filter (safe under FINAL: all versions of a row share the key).
std::string ch_latest(const Table& table, const std::string& key_condition) {
  std::string columns;
  for (const auto& column : table.columns) columns += column.name + ", ";
  return "(SELECT " + columns + "_deleted FROM " + table.name + " FINAL" +
         (key_condition.empty() ? "" : " WHERE " + key_condition) + ")";
}

std::string key_condition(const std::string& key, uint64_t modulus, const std::vector<uint64_t>& buckets) {
  if (buckets.empty()) return "";
  return key + " % " + std::to_string(modulus) + " IN (" + join_numbers(buckets) + ")";
}

// ClickHouse: the buckets as the external table nf_buckets (toUInt64: 18.16 wants the
// exact type of its column on the left of IN).
constexpr const char* kBucketsTable = "nf_buckets";

std::string ch_key_condition(const std::string& key, uint64_t modulus, const std::vector<uint64_t>& buckets) {
  if (buckets.empty()) return "";
  return "toUInt64(" + key + " % " + std::to_string(modulus) + ") IN " + kBucketsTable;
}

std::vector<ch::ExternalTable> bucket_tables(const std::vector<uint64_t>& buckets) {
  if (buckets.empty()) return {};
  return {ch::id_table(kBucketsTable, "bucket", buckets)};
}

std::string key_columns(const Table& table) {
  std::string out;
  for (const auto& key : table.key) out += key + ", ";
  return out;
}

}  // namespace

std::string pg_stats_sql(const Table& table, const Window& window, uint64_t group_modulus, uint64_t filter_modulus,
                           const std::vector<uint64_t>& filter_buckets) {
  const std::string& key = table.range_column();
  std::string where = "updated_at < to_timestamp(" + std::to_string(window.cutoff_epoch_s + 1) + ")";
  if (window.since_epoch_s) where += " AND updated_at >= to_timestamp(" + std::to_string(*window.since_epoch_s) + ")";
  where += bucket_filter(key, filter_modulus, filter_buckets);
  return "SELECT " + key + " % " + std::to_string(group_modulus) + ", count(*), sum(" + pg_row_hash(table) + ") FROM " +
         table.name + " WHERE " + where + " GROUP BY 1";
}

ch::Query ch_stats_sql(const Table& table, const Window& window, uint64_t group_modulus, uint64_t filter_modulus,
                       const std::vector<uint64_t>& filter_buckets) {
  const std::string& key = table.range_column();
  std::string where = backfill::ch_present_condition(table) +
                      " AND toUInt32(updated_at) <= " + std::to_string(window.cutoff_epoch_s);
  if (window.since_epoch_s) where += " AND toUInt32(updated_at) >= " + std::to_string(*window.since_epoch_s);
  return {"SELECT " + key + " % " + std::to_string(group_modulus) + " AS bucket, count() AS rows, sum(" +
              ch_row_hash(table) + ") AS checksum FROM " +
              ch_latest(table, ch_key_condition(key, filter_modulus, filter_buckets)) + " WHERE " + where +
              " GROUP BY bucket",
          bucket_tables(filter_buckets)};
}

std::string pg_rows_sql(const Table& table, uint64_t modulus, const std::vector<uint64_t>& buckets) {
  std::string fields;
  for (const auto& field : pg_field_expressions(table)) fields += ", " + field;
  return "SELECT " + key_columns(table) + backfill::pg_epoch_seconds("updated_at") + fields + " FROM " + table.name +
         " WHERE " + key_condition(table.range_column(), modulus, buckets);
}

ch::Query ch_rows_sql(const Table& table, uint64_t modulus, const std::vector<uint64_t>& buckets) {
  std::string fields;
  const auto expressions = ch_field_expressions(table);
  for (size_t i = 0; i < expressions.size(); ++i) fields += ", " + expressions[i] + " AS nf_f" + std::to_string(i);
  return {"SELECT " + key_columns(table) + "toUInt32(updated_at) AS nf_updated_at" + fields + " FROM " +
              ch_latest(table, ch_key_condition(table.range_column(), modulus, buckets)) + " WHERE " +
              backfill::ch_present_condition(table),
          bucket_tables(buckets)};
}

Side postgres_side(backfill::PgSession& session, const Table& table, const Window& window) {
  Side side;
  side.stats = [&session, &table, window](uint64_t group, uint64_t filter, const std::vector<uint64_t>& buckets) {
    BucketStats stats;
    for (const auto& row : session.query(pg_stats_sql(table, window, group, filter, buckets)))
      stats[std::stoull(row[0])] = {std::stoull(row[1]), std::stoull(row[2])};
    return stats;
  };
  side.rows = [&session, &table](uint64_t modulus, const std::vector<uint64_t>& buckets) {
    std::vector<LeafRow> rows;
    const size_t n_keys = table.key.size();
    for (auto& row : session.query(pg_rows_sql(table, modulus, buckets))) {
      LeafRow leaf;
      for (size_t k = 0; k < n_keys; ++k) leaf.key.push_back(std::stoull(row[k]));
      leaf.updated_at = std::stoll(row[n_keys]);
      leaf.fields.assign(std::make_move_iterator(row.begin() + n_keys + 1), std::make_move_iterator(row.end()));
      rows.push_back(std::move(leaf));
    }
    return rows;
  };
  return side;
}

Side clickhouse_side(const ch::Client& client, const Table& table, const Window& window) {
  Side side;
  side.stats = [&client, &table, window](uint64_t group, uint64_t filter, const std::vector<uint64_t>& buckets) {
    BucketStats stats;
    for (const auto& row : client.query(ch_stats_sql(table, window, group, filter, buckets)))
      stats[ch::as_u64(row["bucket"])] = {ch::as_u64(row["rows"]), ch::as_u64(row["checksum"])};
    return stats;
  };
  side.rows = [&client, &table](uint64_t modulus, const std::vector<uint64_t>& buckets) {
    std::vector<LeafRow> rows;
    const size_t n_fields = field_names(table).size();
    for (const auto& row : client.query(ch_rows_sql(table, modulus, buckets))) {
      LeafRow leaf;
      for (const auto& key : table.key) leaf.key.push_back(ch::as_u64(row[key]));
      leaf.updated_at = static_cast<int64_t>(ch::as_u64(row["nf_updated_at"]));
      for (size_t i = 0; i < n_fields; ++i) leaf.fields.push_back(row["nf_f" + std::to_string(i)].get<std::string>());
      rows.push_back(std::move(leaf));
    }
    return rows;
  };
  return side;
}

}  // namespace nf::verify
