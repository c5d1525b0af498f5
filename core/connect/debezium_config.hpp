#pragma once
// The Debezium PostgreSQL connector's configuration, rendered from novafeed's own config
// (postgres.*, cdc.*, connect.connector). This is the one place that knows which
// Debezium keys novafeed sets and why; docs/connectors.md explains the choices.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

namespace nf::connect {

inline constexpr const char* kPostgresConnectorClass = "io.debezium.connector.postgresql.PostgresConnector";

// What masked secrets look like wherever a connector config is shown.
inline constexpr const char* kMaskedSecret = "********";

// The RegexRouter transform that renames Debezium's raw topics
// (<prefix>.<schema>.<table>) to cdc.topic_format, e.g.
//   regex       nova\.public\.(users|posts)
//   replacement cdc.$1
struct TopicRoute {
  std::string regex;
  std::string replacement;
};

// Throws nf::Error(usage) when a table, schema or the topic format cannot be routed
// safely (names must be plain identifiers; the format needs exactly one {table}).
TopicRoute topic_route(const std::string& topic_prefix, const std::string& schema,
                       const std::vector<std::string>& tables, const std::string& topic_format);

// The connector's name and its config map (every value a string, as Connect stores it),
// including the database password in clear: mask it before showing it.
struct ConnectorConfig {
  std::string name;
  nlohmann::json config;  // object of string -> string
};

// Renders the connector config; throws nf::Error(usage) for an unusable setting
// (a Unix-socket postgres.url without cdc.database_host, a table name that is not an
// identifier, ...), naming the key to fix.
ConnectorConfig render_connector_config(const config::Config& config);

// True for keys whose values are secrets (database.password, *.sslpassword, ...).
bool is_secret_key(const std::string& key);

// A copy of `config` with every secret value replaced by kMaskedSecret.
nlohmann::json mask_secrets(const nlohmann::json& config);

// {"name": ..., "config": {...}}: the body POST /connectors takes, secrets masked unless
// `show_secrets`.
nlohmann::json connector_document(const ConnectorConfig& connector, bool show_secrets);

// Escapes regex metacharacters so `text` matches itself in a Java regex.
std::string regex_quote(const std::string& text);

// The table Debezium's heartbeat action query writes (cdc.heartbeat_table, qualified with
// cdc.schema unless it names its own or the schema is public). Throws nf::Error(usage)
// for a name that is not a plain identifier.
std::string heartbeat_table(const config::Config& config);

}  // namespace nf::connect
