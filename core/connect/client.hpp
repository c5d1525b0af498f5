#pragma once
// Kafka Connect's REST API (the parts novafeed uses), in the spirit of kcctl.
// Transport failures throw nf::Error(unreachable); a REST error answer throws
// nf::Error(check_failed) carrying Connect's own message.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"

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
  // POST /connectors/{name}/restart?includeTasks=true&onlyFailed=...
  void restart(const std::string& name, bool only_failed) const;
  // DELETE /connectors/{name}; returns false when it did not exist.
  bool remove(const std::string& name) const;

  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

}  // namespace nf::connect
