#include "core/backfill/repair.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>

#include "core/backfill/copy_range.hpp"

namespace nf::backfill {
namespace {

std::string key_list(const TableSpec& table) {
  std::string out;
  for (const auto& key : table.key) out += (out.empty() ? "" : ", ") + key;
  return out;
}

// The keys under `ids` that ClickHouse holds as present (latest version).
std::set<std::vector<uint64_t>> clickhouse_keys(const ch::Client& client, const TableSpec& table,
                                                const std::vector<uint64_t>& ids) {
  const std::string keys = key_list(table);
  // The ids go as an external table: a statement stays small however many ids are repaired.
  const std::string soft_delete = table.soft_delete() ? ", " + table.soft_delete_column : "";
  const auto rows = client.query("SELECT " + keys + " FROM (SELECT " + keys + ", _deleted" + soft_delete + " FROM " +
                                     table.name + " FINAL WHERE " + table.range_column() + " IN nf_ids) WHERE " +
                                     ch_present_condition(table),
                                 {ch::id_table("nf_ids", "id", ids)});
  std::set<std::vector<uint64_t>> out;
  for (const auto& row : rows) {
    std::vector<uint64_t> key;
    for (const auto& column : table.key) key.push_back(ch::as_u64(row[column]));
    out.insert(std::move(key));
  }
  return out;
}

std::set<std::vector<uint64_t>> postgres_keys(PgSession& session, const TableSpec& table,
                                              const std::vector<uint64_t>& ids) {
  RowFilter filter;
  filter.keys = ids;
  std::set<std::vector<uint64_t>> out;
  for (const auto& row : session.query("SELECT " + key_list(table) + " FROM " + table.name + where_clause(table, filter))) {
    std::vector<uint64_t> key;
    for (const auto& value : row) key.push_back(std::stoull(value));
    out.insert(std::move(key));
  }
  return out;
}

}  // namespace

std::string tombstone_rows(const std::vector<std::vector<uint64_t>>& keys, uint64_t version) {
  std::string body;
  for (const auto& key : keys) {
    for (uint64_t part : key) body += std::to_string(part) + "\t";
    body += std::to_string(version) + "\t1\n";
  }
  return body;
}

TableResult repair_keys(PgSession& snapshot_session, const ch::Client& client, const TableSpec& table, uint64_t version,
                        const std::vector<uint64_t>& ids) {
  const auto started = std::chrono::steady_clock::now();
  TableResult result;
  result.table = table.name;
  RowFilter filter;
  filter.keys = ids;
  result.rows = copy_rows(snapshot_session, client, table, version, filter, [](uint64_t) {});
  result.ranges = 1;

  const auto in_postgres = postgres_keys(snapshot_session, table, ids);
  std::vector<std::vector<uint64_t>> gone;
  for (const auto& key : clickhouse_keys(client, table, ids))
    if (!in_postgres.count(key)) gone.push_back(key);
  if (!gone.empty()) {
    const std::string body = tombstone_rows(gone, version);
    size_t offset = 0;
    client.insert_stream(tombstone_insert_statement(table), [&](char* buffer, size_t capacity) {
      const size_t n = std::min(capacity, body.size() - offset);
      std::memcpy(buffer, body.data() + offset, n);
      offset += n;
      return n;
    });
  }
  result.tombstones = gone.size();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace nf::backfill

#include <charconv>

#include "core/error/error.hpp"
#include "core/time/duration.hpp"

namespace nf::backfill {

std::vector<uint64_t> parse_ids(std::string_view text, std::string_view what) {
  std::vector<uint64_t> ids;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    uint64_t id = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size())
      fail_usage(std::string(what) + ": '" + std::string(item) + "' is not an id (expected e.g. 12,13,14)");
    ids.push_back(id);
    start = end + 1;
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::optional<int64_t> parse_since(std::string_view text, std::string_view what) {
  if (text == "all" || text == "0") return std::nullopt;
  return time::parse_duration(text, what).count() / 1000;
}

}  // namespace nf::backfill
