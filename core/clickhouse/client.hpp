#pragma once
// ClickHouse over its HTTP interface (port 8123 family), which every ClickHouse version
// since 1.1 speaks the same way. One statement per request, as ClickHouse requires.

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace nf::ch {

struct Settings {
  std::string url;
  std::string database;
  std::string user;
  std::string password;
  long timeout_ms = 2000;
};

Settings settings_from(const config::Config& config);

struct ServerVersion {
  int major = 0, minor = 0, patch = 0;
  std::string text;

  // TTL on MergeTree tables arrived in 19.6.
  bool supports_ttl() const { return major > 19 || (major == 19 && minor >= 6); }
  bool operator<(const ServerVersion& other) const;
};

// Parses "18.16.1", "23.8.2.7" and the like; throws nf::Error(check_failed) otherwise.
ServerVersion parse_version(std::string_view text);

class Client {
 public:
  explicit Client(Settings settings) : settings_(std::move(settings)) {}

  // Runs a statement that returns nothing. `use_database` false runs it without a default
  // database (needed for CREATE DATABASE before it exists).
  void execute(const std::string& sql, bool use_database = true) const;

  // Runs a SELECT and returns its rows as JSON objects (64-bit integers come as strings,
  // ClickHouse's default; use as_u64() to read them).
  std::vector<nlohmann::json> query(const std::string& sql) const;

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

 private:
  std::string post(const std::string& query_in_url, const std::string& body, bool use_database) const;
  Settings settings_;
};

// Reads a JSON value that ClickHouse may send as a string ("42") or as a number.
uint64_t as_u64(const nlohmann::json& value);
double as_double(const nlohmann::json& value);

// Quotes a string literal for ClickHouse SQL ('it\'s'); the one place values are escaped.
std::string quote(std::string_view text);

}  // namespace nf::ch
