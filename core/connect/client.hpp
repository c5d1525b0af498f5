#pragma once
// Kafka Connect's REST API (the parts novafeed uses), in the spirit of kcctl.
// Transport failures throw nf::Error(unreachable); a REST error answer throws
// nf::Error(check_failed) carrying Connect's own message.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/net/http_client.hpp"

namespace nf::connect {

struct Settings {
  std::string url;          // http://127.0.0.1:18083
  long timeout_ms = 10000;
};

Settings settings_from(const config::Config& config);

struct TaskStatus {
  int id = 0;
  std::string state;    // RUNNING, FAILED, PAUSED, UNASSIGNED, RESTARTING
  std::string worker_id;
  std::string trace;    // stack trace of a FAILED task, else ""
};

struct ConnectorStatus {
  std::string name;
  std::string state;    // RUNNING, FAILED, PAUSED, UNASSIGNED, RESTARTING
  std::string worker_id;
  std::string trace;
  std::vector<TaskStatus> tasks;

  // Connector and every task RUNNING, and at least one task.
  bool healthy() const;
};

// Parses a GET /connectors/{name}/status body (also one entry of ?expand=status).
ConnectorStatus parse_status(const nlohmann::json& body);

// One error Connect's validate endpoint reported for a config key.
struct FieldError {
  std::string field;
  std::string message;
};

struct WorkerInfo {
  std::string version;           // Kafka Connect version, e.g. 4.1.1
  std::string kafka_cluster_id;
};

class Client {
 public:
  explicit Client(Settings settings) : settings_(std::move(settings)) {}

  WorkerInfo worker_info() const;                            // GET /
  std::vector<std::string> list_connectors() const;          // GET /connectors
  std::vector<std::string> list_plugins() const;             // GET /connector-plugins (class names)
  std::optional<nlohmann::json> get_config(const std::string& name) const;  // nullopt: no such connector
  std::optional<ConnectorStatus> get_status(const std::string& name) const; // nullopt: no such connector
  // PUT /connectors/{name}/config; returns true when the connector was created.
  bool put_config(const std::string& name, const nlohmann::json& config) const;
  // PUT /connector-plugins/{class}/config/validate; returns the error messages per field.
  std::vector<std::string> validate(const nlohmann::json& config) const;
  std::vector<FieldError> validate_fields(const nlohmann::json& config) const;
  // GET /connectors?expand=status: every connector on the worker, sorted by name.
  std::vector<ConnectorStatus> list_statuses() const;
  // GET /connectors/{name}/tasks: each task's config, by task id (empty: no tasks yet or
  // no such connector).
  std::vector<nlohmann::json> get_task_configs(const std::string& name) const;
  // POST /connectors/{name}/restart?includeTasks=true&onlyFailed=...; a missing
  // connector is nf::Error(check_failed) pointing at `novafeed connectors apply`.
  void restart(const std::string& name, bool only_failed) const;
  // DELETE /connectors/{name}; returns false when it did not exist.
  bool remove(const std::string& name) const;

  const Settings& settings() const { return settings_; }

 private:
  // One REST call: retries "a rebalance is in progress/expected" answers for a few seconds,
  // turns transport failures into nf::Error(unreachable) and any status other than 2xx
  // or those in `accepted` into nf::Error(check_failed) with Connect's message.
  net::HttpResponse call(const std::string& method, const std::string& path, const std::string& body,
              std::vector<long> accepted, long timeout_ms) const;

  Settings settings_;
};

}  // namespace nf::connect
