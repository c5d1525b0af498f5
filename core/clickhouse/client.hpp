#pragma once
// ClickHouse over its HTTP interface (port 8123 family), which every ClickHouse version
// since 1.1 speaks the same way. One statement per request, as ClickHouse requires, with
// the settings of engine.hpp pinned on each.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clickhouse/engine.hpp"
#include "core/config/config.hpp"

namespace nf::ch {

struct Settings {
  // clickhouse.url: one server, or several separated by commas (the replicas of a cluster,
  // docs/cluster.md). The client talks to one and moves on to the next when it does not
  // answer.
  std::string url;
  std::string database;
  std::string user;
  std::string password;
  long timeout_ms = 2000;
};

Settings settings_from(const config::Config& config);

// The servers of clickhouse.url: split at commas, trimmed, without trailing '/', empty
// items dropped. Throws nf::Error(usage) for an empty list or an item that is not
// http(s)://host[:port].
std::vector<std::string> parse_server_urls(std::string_view value);

// The order the client tries servers in: the one in use, then the ones after it, wrapping.
std::vector<size_t> failover_order(size_t in_use, size_t count);

// Whether a failed request may be sent again to the next server. A read always; a write
// only when the request surely never reached the server (it could not connect, per the
// transport error text): a write that timed out may have been applied, and is left to the
// caller's own retry (the ingest's replay), whose identical blocks a replicated table
// deduplicates.
bool may_fail_over(bool is_read, std::string_view transport_error);

// A table sent along with one query as external data (a multipart/form-data part), so
// a set of ids of any size never becomes statement text: a statement stays far below
// max_query_size (256 KiB) however large the set. The SQL names it like a table:
// `x IN ids` (x of the column's exact type: 18.16 compares types strictly) or a JOIN.
struct ExternalTable {
  std::string name;       // a plain identifier
  std::string structure;  // its columns, e.g. "id UInt64" or "author_id UInt64, n UInt64"
  std::string rows;       // TabSeparated, one row per line
};

// One UInt64 column `column` holding `values`: the usual id set.
template <typename Ints>
ExternalTable id_table(std::string name, const std::string& column, const Ints& values) {
  ExternalTable table{std::move(name), column + " UInt64", {}};
  for (const auto value : values) table.rows += std::to_string(value) + '\n';
  return table;
}

// A SELECT with the external tables it reads.
struct Query {
  std::string sql;
  std::vector<ExternalTable> tables;
};

// "name=value&…" of kPinnedSettings (engine.hpp), for every URL a statement is sent to.
const std::string& pinned_settings_parameters();

// The request body carrying `tables`, and its Content-Type (exposed for tests).
std::pair<std::string, std::string> external_tables_body(const std::vector<ExternalTable>& tables);

class Client {
 public:
  explicit Client(Settings settings);

  // Runs a statement that returns nothing. `use_database` false runs it without a default
  // database (needed for CREATE DATABASE before it exists).
  void execute(const std::string& sql, bool use_database = true) const;

  // Runs a SELECT and returns its rows as JSON objects (64-bit integers come as strings,
  // ClickHouse's default; use as_u64() to read them).
  std::vector<nlohmann::json> query(const std::string& sql) const;

  // The same, with external tables the SQL reads by name. The statement then travels in
  // the URL (the body is the tables), which is fine for statements of a few KiB.
  std::vector<nlohmann::json> query(const std::string& sql, const std::vector<ExternalTable>& tables) const;
  std::vector<nlohmann::json> query(const Query& q) const { return query(q.sql, q.tables); }

  // Runs a SELECT and returns its TabSeparated body as is: for reads of many rows of
  // numbers, where a JSON object per row would cost more than the query.
  std::string query_tsv(const std::string& sql) const;

  // Sends `body` in `format` (e.g. "JSONEachRow", "TabSeparated") to INSERT INTO `table`.
  void insert(const std::string& table, const std::string& format, const std::string& body) const;

  // Fills `buffer` with up to `capacity` bytes of an insert's body; 0 means the end.
  using BodyReader = std::function<size_t(char* buffer, size_t capacity)>;

  // Runs `insert_query` (e.g. "INSERT INTO t (a, b) FORMAT TabSeparated") with a body
  // pulled from `read` as it is sent (chunked upload): nothing is held whole in memory,
  // and the producer of the body works while ClickHouse parses. No overall timeout (a
  // stall of 5 minutes fails it); an exception thrown by `read` aborts the request and
  // is rethrown. Defined in insert_stream.cpp.
  void insert_stream(const std::string& insert_query, const BodyReader& read) const;

  ServerVersion server_version() const;
  const Settings& settings() const { return settings_; }

  // The server the next request goes to first (copies of a client share it).
  const std::string& server_in_use() const { return servers_[in_use_->load() % servers_.size()]; }

 private:
  struct Body {
    std::string content;
    std::string content_type;  // "" for a plain body
  };
  std::string post(const std::string& query_in_url, const std::string& url_parameters, Body body,
                   bool use_database, bool is_read) const;
  Settings settings_;
  std::vector<std::string> servers_;
  std::shared_ptr<std::atomic<size_t>> in_use_ = std::make_shared<std::atomic<size_t>>(0);
};

// Reads a JSON value that ClickHouse may send as a string ("42") or as a number.
uint64_t as_u64(const nlohmann::json& value);
double as_double(const nlohmann::json& value);

// Quotes a string literal for ClickHouse SQL ('it\'s'); with tsv_field below, the one
// place values are escaped.
std::string quote(std::string_view text);

// Escapes a value for a TabSeparated field (\\, \t, \n, \r, \0), as ClickHouse reads
// it back byte for byte: for external tables and TabSeparated inserts.
std::string tsv_field(std::string_view text);

}  // namespace nf::ch
