#include "core/connect/client.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/error/error.hpp"

namespace nf::connect {
namespace {

// Connect validates a config before it stores one (PUT) and when asked to (validate);
// Debezium's validation opens a database connection, which may take up to its
// connection.validation.timeout.ms (60 s), and the worker answers within its own REST
// timeout (90 s). Reads use connect.timeout_ms.
constexpr long kValidatingTimeoutMs = 95000;

// How long an answer saying the worker is rebalancing is retried before it is reported.
constexpr auto kRebalanceRetryFor = std::chrono::seconds(15);

std::string connect_message(const std::string& body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string())
    return parsed["message"].get<std::string>();
  std::string text = body;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "(empty answer)" : text;
}

// The worker is (about to be) rebalancing, e.g. right after a config change or a worker
// start: 409 Conflict, or 500 "Request cannot be completed because a rebalance is expected".
// Both pass within seconds.
bool is_rebalancing(const net::HttpResponse& response) {
  return response.status == 409 ||
         (response.status >= 500 && connect_message(response.body).find("rebalance") != std::string::npos);
}

std::string string_field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

nlohmann::json parse_body(const net::HttpResponse& response, const std::string& what) {
  auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (parsed.is_discarded()) fail_check("Kafka Connect answered " + what + " with something that is not JSON: " + response.body.substr(0, 200));
  return parsed;
}

std::string connector_path(const std::string& name) { return "/connectors/" + net::url_encode(name); }

}  // namespace

Settings settings_from(const config::Config& config) {
  Settings s;
  s.url = config.get("connect.url");
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  s.timeout_ms = config.get_int("connect.timeout_ms");
  return s;
}

bool ConnectorStatus::healthy() const {
  return state == "RUNNING" && !tasks.empty() &&
         std::all_of(tasks.begin(), tasks.end(), [](const TaskStatus& t) { return t.state == "RUNNING"; });
}

ConnectorStatus parse_status(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("connector"))
    fail_check("Kafka Connect's status answer has no 'connector' field: " + body.dump().substr(0, 200));
  ConnectorStatus status;
  status.name = string_field(body, "name");
  const auto& connector = body["connector"];
  status.state = string_field(connector, "state");
  status.worker_id = string_field(connector, "worker_id");
  status.trace = string_field(connector, "trace");
  if (body.contains("tasks") && body["tasks"].is_array()) {
    for (const auto& t : body["tasks"]) {
      TaskStatus task;
      task.id = t.contains("id") && t["id"].is_number_integer() ? t["id"].get<int>() : 0;
      task.state = string_field(t, "state");
      task.worker_id = string_field(t, "worker_id");
      task.trace = string_field(t, "trace");
      status.tasks.push_back(std::move(task));
    }
  }
  std::sort(status.tasks.begin(), status.tasks.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return status;
}

net::HttpResponse Client::call(const std::string& method, const std::string& path, const std::string& body,
                               std::vector<long> accepted, long timeout_ms) const {
  net::HttpRequest request;
  request.method = method;
  request.url = settings_.url + path;
  request.body = body;
  request.timeout_ms = timeout_ms;
  request.connect_timeout_ms = std::min<long>(settings_.timeout_ms, 2000);
  request.headers.emplace_back("Accept", "application/json");
  // Also for an empty POST or DELETE: curl would call it a form, which Connect refuses (415).
  if (method != "GET") request.headers.emplace_back("Content-Type", "application/json");

  const auto give_up_at = std::chrono::steady_clock::now() + kRebalanceRetryFor;
  for (;;) {
    auto response = net::perform(request);
    if (!response)
      fail_unreachable("Kafka Connect at " + settings_.url + " is unreachable: " + response.error() +
                       " (is it running? `scripts/stack status`)");
    if (response->ok() || std::find(accepted.begin(), accepted.end(), response->status) != accepted.end())
      return std::move(*response);
    if (is_rebalancing(*response) && std::chrono::steady_clock::now() < give_up_at) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    fail_check("Kafka Connect at " + settings_.url + " answered " + method + " " + path + " with HTTP " +
               std::to_string(response->status) + ": " + connect_message(response->body));
  }
}

WorkerInfo Client::worker_info() const {
  const auto body = parse_body(call("GET", "/", "", {}, settings_.timeout_ms), "GET /");
  return {string_field(body, "version"), string_field(body, "kafka_cluster_id")};
}

std::vector<std::string> Client::list_connectors() const {
  const auto body = parse_body(call("GET", "/connectors", "", {}, settings_.timeout_ms), "GET /connectors");
  std::vector<std::string> names;
  for (const auto& name : body)
    if (name.is_string()) names.push_back(name.get<std::string>());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> Client::list_plugins() const {
  const auto body = parse_body(call("GET", "/connector-plugins", "", {}, settings_.timeout_ms), "GET /connector-plugins");
  std::vector<std::string> classes;
  for (const auto& plugin : body) classes.push_back(string_field(plugin, "class"));
  return classes;
}

std::optional<nlohmann::json> Client::get_config(const std::string& name) const {
  const std::string path = connector_path(name) + "/config";
  const auto response = call("GET", path, "", {404}, settings_.timeout_ms);
  if (response.status == 404) return std::nullopt;
  return parse_body(response, "GET " + path);
}

std::optional<ConnectorStatus> Client::get_status(const std::string& name) const {
  const std::string path = connector_path(name) + "/status";
  const auto response = call("GET", path, "", {404}, settings_.timeout_ms);
  if (response.status == 404) return std::nullopt;
  return parse_status(parse_body(response, "GET " + path));
}

bool Client::put_config(const std::string& name, const nlohmann::json& config) const {
  const auto response = call("PUT", connector_path(name) + "/config", config.dump(), {}, std::max(settings_.timeout_ms, kValidatingTimeoutMs));
  return response.status == 201;
}

std::vector<FieldError> Client::validate_fields(const nlohmann::json& config) const {
  const std::string connector_class = string_field(config, "connector.class");
  if (connector_class.empty()) fail_usage("cannot validate a connector config without connector.class");
  const std::string path = "/connector-plugins/" + net::url_encode(connector_class) + "/config/validate";
  const auto body = parse_body(call("PUT", path, config.dump(), {}, std::max(settings_.timeout_ms, kValidatingTimeoutMs)), "PUT " + path);
  std::vector<FieldError> errors;
  if (!body.contains("configs")) return errors;
  for (const auto& entry : body["configs"]) {
    if (!entry.contains("value")) continue;
    const auto& value = entry["value"];
    if (!value.contains("errors")) continue;
    for (const auto& message : value["errors"])
      if (message.is_string()) errors.push_back({string_field(value, "name"), message.get<std::string>()});
  }
  return errors;
}

std::vector<std::string> Client::validate(const nlohmann::json& config) const {
  std::vector<std::string> messages;
  for (const auto& error : validate_fields(config)) messages.push_back(error.field + ": " + error.message);
  return messages;
}

std::vector<ConnectorStatus> Client::list_statuses() const {
  const auto body = parse_body(call("GET", "/connectors?expand=status", "", {}, settings_.timeout_ms), "GET /connectors?expand=status");
  std::vector<ConnectorStatus> statuses;
  if (!body.is_object()) return statuses;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!it->contains("status")) continue;
    ConnectorStatus status = parse_status((*it)["status"]);
    if (status.name.empty()) status.name = it.key();
    statuses.push_back(std::move(status));
  }
  std::sort(statuses.begin(), statuses.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return statuses;
}

std::vector<nlohmann::json> Client::get_task_configs(const std::string& name) const {
  const std::string path = connector_path(name) + "/tasks";
  const auto response = call("GET", path, "", {404}, settings_.timeout_ms);
  std::vector<nlohmann::json> configs;
  if (response.status == 404) return configs;
  for (const auto& task : parse_body(response, "GET " + path))
    configs.push_back(task.contains("config") ? task["config"] : nlohmann::json::object());
  return configs;
}

void Client::restart(const std::string& name, bool only_failed) const {
  const std::string path = connector_path(name) + "/restart?includeTasks=true&onlyFailed=" + (only_failed ? "true" : "false");
  const auto response = call("POST", path, "", {404}, settings_.timeout_ms);
  if (response.status == 404)
    fail_check("connector " + name + " does not exist on " + settings_.url + ": create it with `novafeed connectors apply`");
}

bool Client::remove(const std::string& name) const {
  return call("DELETE", connector_path(name), "", {404}, settings_.timeout_ms).status != 404;
}

}  // namespace nf::connect
