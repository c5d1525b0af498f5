#include "core/connect/debezium_config.hpp"

#include <algorithm>
#include <cctype>

#include "core/error/error.hpp"
#include "core/pg/connection.hpp"

namespace nf::connect {
namespace {

bool is_identifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// Kafka topic names: ASCII letters, digits, '.', '_' and '-'.
bool is_topic_text(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

void require_identifier(const std::string& key, const std::string& value) {
  if (!is_identifier(value))
    fail_usage(key + ": '" + value + "' is not a plain SQL identifier (letters, digits and _; not starting with a digit)");
}

// The heartbeat table as the action query names it: as configured when it already names
// its schema, unqualified in "public" (the search_path default), else schema.table.
std::string heartbeat_table_name(const std::string& schema, const std::string& table) {
  const auto dot = table.find('.');
  if (dot != std::string::npos) {
    require_identifier("cdc.heartbeat_table", table.substr(0, dot));
    require_identifier("cdc.heartbeat_table", table.substr(dot + 1));
    return table;
  }
  require_identifier("cdc.heartbeat_table", table);
  return schema == "public" ? table : schema + "." + table;
}

// Host and port of PostgreSQL as the Connect worker reaches it.
std::pair<std::string, std::string> database_address(const config::Config& config, const pg::ConnectionParts& parts) {
  std::string host = config.get("cdc.database_host");
  if (host.empty()) {
    host = parts.host;
    if (host.starts_with("/"))
      fail_usage("postgres.url connects through the Unix socket " + host +
                 ", which the Kafka Connect worker cannot use: set cdc.database_host (and cdc.database_port) "
                 "to the address the worker reaches PostgreSQL at");
  }
  std::string port = std::to_string(parts.port);
  if (!config.get("cdc.database_port").empty()) {
    const auto value = config.get_int("cdc.database_port");
    if (value < 1 || value > 65535) fail_usage("cdc.database_port: " + std::to_string(value) + " is not a TCP port");
    port = std::to_string(value);
  }
  return {host, port};
}

}  // namespace

std::string regex_quote(const std::string& text) {
  static const std::string special = "\\^$.|?*+()[]{}";
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

TopicRoute topic_route(const std::string& topic_prefix, const std::string& schema,
                       const std::vector<std::string>& tables, const std::string& topic_format) {
  if (tables.empty()) fail_usage("cdc.tables is empty: name at least one table to capture");
  std::string alternatives;
  for (const auto& table : tables) {
    require_identifier("cdc.tables", table);
    alternatives += (alternatives.empty() ? "" : "|") + table;
  }
  const std::string placeholder = "{table}";
  const auto at = topic_format.find(placeholder);
  if (at == std::string::npos || topic_format.find(placeholder, at + 1) != std::string::npos)
    fail_usage("cdc.topic_format: '" + topic_format + "' must contain {table} exactly once (e.g. cdc.{table})");
  const std::string before = topic_format.substr(0, at);
  const std::string after = topic_format.substr(at + placeholder.size());
  // Only topic characters around the placeholder, so the replacement holds no '$' or '\'
  // that Java's Matcher would read as group references or escapes.
  if (!is_topic_text(before) || !is_topic_text(after))
    fail_usage("cdc.topic_format: '" + topic_format + "' may only hold letters, digits, '.', '_' and '-' besides {table}");
  return {regex_quote(topic_prefix) + "\\." + regex_quote(schema) + "\\.(" + alternatives + ")",
          before + "$1" + after};
}

ConnectorConfig render_connector_config(const config::Config& config) {
  const pg::ConnectionParts parts = pg::parse_connection(pg::settings_from(config));
  const auto [host, port] = database_address(config, parts);
  if (parts.user.empty()) fail_usage("postgres.url names no user, which the connector needs (database.user)");

  const std::string schema = config.get("cdc.schema");
  require_identifier("cdc.schema", schema);
  const std::vector<std::string> tables = config.get_list("cdc.tables");
  const std::string prefix = config.get("cdc.topic_prefix");
  if (prefix.empty() || !is_topic_text(prefix))
    fail_usage("cdc.topic_prefix: '" + prefix + "' must be non-empty and hold only letters, digits, '.', '_' and '-'");
  require_identifier("cdc.slot", config.get("cdc.slot"));
  require_identifier("cdc.publication", config.get("cdc.publication"));
  const TopicRoute route = topic_route(prefix, schema, tables, config.get("cdc.topic_format"));

  std::string include_list;
  for (const auto& table : tables) include_list += (include_list.empty() ? "" : ",") + schema + "." + table;
  const std::string heartbeat_table = heartbeat_table_name(schema, config.get("cdc.heartbeat_table"));

  ConnectorConfig out;
  out.name = config.get("connect.connector");
  if (out.name.empty()) fail_usage("connect.connector is empty: name the connector");
  nlohmann::json& c = out.config;
  c = nlohmann::json::object();
  c["connector.class"] = kPostgresConnectorClass;
  c["tasks.max"] = "1";  // the PostgreSQL connector always runs one task
  c["plugin.name"] = "pgoutput";
  c["database.hostname"] = host;
  c["database.port"] = port;
  c["database.user"] = parts.user;
  if (!parts.password.empty()) c["database.password"] = parts.password;
  c["database.dbname"] = parts.dbname;
  c["topic.prefix"] = prefix;
  c["slot.name"] = config.get("cdc.slot");
  c["slot.drop.on.stop"] = "false";
  // `novafeed schema apply` owns the publication (the captured tables + the heartbeat table).
  c["publication.name"] = config.get("cdc.publication");
  c["publication.autocreate.mode"] = "disabled";
  // The heartbeat table is in the publication (so the slot advances on an idle database)
  // but not here: its rows are not wanted as a topic.
  c["table.include.list"] = include_list;
  c["snapshot.mode"] = config.get("cdc.snapshot_mode");
  c["heartbeat.interval.ms"] = std::to_string(config.get_int("cdc.heartbeat_interval_ms"));
  // How long the task sleeps after a poll that found nothing: Debezium's default (500 ms)
  // was most of an idle change's time to Kafka (bench/latency).
  const auto poll_ms = config.get_int("cdc.poll_interval_ms");
  if (poll_ms < 1) fail_usage("cdc.poll_interval_ms: " + std::to_string(poll_ms) + " must be at least 1");
  c["poll.interval.ms"] = std::to_string(poll_ms);
  c["heartbeat.action.query"] = "INSERT INTO " + heartbeat_table +
                                " (id, ts) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = EXCLUDED.ts";
  c["key.converter"] = "org.apache.kafka.connect.json.JsonConverter";
  c["key.converter.schemas.enable"] = "false";
  c["value.converter"] = "org.apache.kafka.connect.json.JsonConverter";
  c["value.converter.schemas.enable"] = "false";
  c["tombstones.on.delete"] = "true";
  // Debezium skips truncates by default ("t"); the ingest applies them (docs/ingest.md,
  // "TRUNCATE"), and the publication publishes them (PostgreSQL's default publish list).
  c["skipped.operations"] = "none";
  // timestamp/date/time columns as Kafka Connect's logical types: epoch millis, epoch days,
  // millis of day, whatever the column precision. (timestamptz is always an ISO-8601 UTC
  // string in Debezium, whatever this mode says.)
  c["time.precision.mode"] = "connect";
  c["decimal.handling.mode"] = "string";
  c["transforms"] = "route";
  c["transforms.route.type"] = "org.apache.kafka.connect.transforms.RegexRouter";
  c["transforms.route.regex"] = route.regex;
  c["transforms.route.replacement"] = route.replacement;
  // The broker does not auto-create topics: Connect creates the heartbeat topic
  // (__debezium-heartbeat.<prefix>); the cdc.* topics are created up front with their partitions.
  c["topic.creation.default.replication.factor"] = "1";
  c["topic.creation.default.partitions"] = "1";
  return out;
}

bool is_secret_key(const std::string& key) { return key.ends_with("password"); }

nlohmann::json mask_secrets(const nlohmann::json& config) {
  nlohmann::json out = config;
  for (auto it = out.begin(); it != out.end(); ++it)
    if (is_secret_key(it.key()) && it->is_string() && !it->get<std::string>().empty()) *it = kMaskedSecret;
  return out;
}

nlohmann::json connector_document(const ConnectorConfig& connector, bool show_secrets) {
  return {{"name", connector.name}, {"config", show_secrets ? connector.config : mask_secrets(connector.config)}};
}

std::string heartbeat_table(const config::Config& config) {
  return heartbeat_table_name(config.get("cdc.schema"), config.get("cdc.heartbeat_table"));
}

}  // namespace nf::connect
