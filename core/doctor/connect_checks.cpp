// Kafka Connect and the Debezium connector running on it.

#include <algorithm>
#include <chrono>

#include "core/doctor/checks.hpp"

namespace nf::doctor {

std::vector<CheckResult> check_connect(const config::Config& config) {
  auto settings = connect::settings_from(config);
  const std::string name = config.get("connect.connector");
  // Both requests share connect.timeout_ms, so the doctor stays within it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings.timeout_ms);
  std::vector<CheckResult> results;
  try {
    const auto info = connect::Client(settings).worker_info();
    CheckResult worker{"connect", Status::ok, "Kafka Connect " + info.version + " at " + settings.url, ""};
    worker.figures = {{"version", info.version}, {"kafka_cluster_id", info.kafka_cluster_id}};
    results.push_back(std::move(worker));
  } catch (const std::exception& e) {
    return {result_from_error("connect", e,
                              "is Kafka Connect running? (locally `scripts/stack up connect`); else check "
                              "connect.url (`novafeed config --print`)")};
  }
  try {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    settings.timeout_ms = std::max<long>(500, left.count());
    results.push_back(judge_connector(name, connect::Client(settings).get_status(name), settings.url));
  } catch (const std::exception& e) {
    results.push_back(result_from_error("connector", e, "is Kafka Connect overloaded? novafeed connectors status"));
  }
  return results;
}

CheckResult judge_connector(const std::string& name, const std::optional<connect::ConnectorStatus>& status,
                            const std::string& connect_url) {
  CheckResult result{"connector", Status::ok, "", ""};
  if (!status) {
    result.status = Status::fail;
    result.detail = name + " does not exist on Kafka Connect (connect.connector)";
    result.hint = "novafeed connectors apply --wait";
    result.figures = {{"connector", name}, {"exists", false}};
    return result;
  }
  nlohmann::json tasks = nlohmann::json::array();
  size_t running = 0;
  for (const auto& task : status->tasks) {
    tasks.push_back({{"id", task.id}, {"state", task.state}, {"worker_id", task.worker_id}});
    if (task.state == "RUNNING") ++running;
  }
  result.figures = {{"connector", name},
                    {"exists", true},
                    {"state", status->state},
                    {"worker_id", status->worker_id},
                    {"tasks", tasks},
                    {"running_tasks", running}};

  auto task_in = [&](std::initializer_list<std::string_view> states) {
    return std::find_if(status->tasks.begin(), status->tasks.end(), [&](const connect::TaskStatus& t) {
      return std::find(states.begin(), states.end(), t.state) != states.end();
    });
  };
  auto task_not_running = std::find_if(status->tasks.begin(), status->tasks.end(),
                                       [](const connect::TaskStatus& t) { return t.state != "RUNNING"; });
  const auto no_task = status->tasks.end();
  const std::string resume = "resume it: curl -X PUT " + connect_url + "/connectors/" + name + "/resume";
  auto set = [&](Status s, std::string detail, std::string hint) {
    result.status = s;
    result.detail = std::move(detail);
    result.hint = std::move(hint);
  };

  if (status->state == "FAILED") {
    set(Status::fail, name + " FAILED: " + first_line(status->trace),
        "novafeed connectors restart (full trace: novafeed connectors status)");
  } else if (auto task = task_in({"FAILED"}); task != no_task) {
    const auto failed = std::count_if(status->tasks.begin(), status->tasks.end(),
                                      [](const connect::TaskStatus& t) { return t.state == "FAILED"; });
    std::string detail = name + " task " + std::to_string(task->id) + " FAILED: " + first_line(task->trace);
    if (failed > 1) detail += " (and " + std::to_string(failed - 1) + " more failed tasks)";
    set(Status::fail, detail, "novafeed connectors restart --failed");
  } else if (status->state == "PAUSED" || status->state == "STOPPED") {
    set(Status::fail, name + " is " + status->state, resume);
  } else if (auto task = task_in({"PAUSED", "STOPPED"}); task != no_task) {
    set(Status::fail, name + " task " + std::to_string(task->id) + " is " + task->state, resume);
  } else if (status->state == "RESTARTING" || status->state == "UNASSIGNED") {
    // Passing states: a rebalance or a restart in progress.
    set(Status::warn, name + " is " + status->state,
        "usually passes within seconds: run novafeed doctor again; if it stays, novafeed connectors status");
  } else if (auto task = task_in({"RESTARTING", "UNASSIGNED"}); task != no_task) {
    set(Status::warn, name + " task " + std::to_string(task->id) + " is " + task->state,
        "usually passes within seconds: run novafeed doctor again; if it stays, novafeed connectors status");
  } else if (status->state != "RUNNING") {
    set(Status::fail, name + " is in state '" + status->state + "'", "novafeed connectors status");
  } else if (task_not_running != no_task) {
    set(Status::fail, name + " task " + std::to_string(task_not_running->id) + " is in state '" +
                          task_not_running->state + "'",
        "novafeed connectors status");
  } else if (status->tasks.empty()) {
    set(Status::warn, name + " is RUNNING but has no tasks yet",
        "tasks start within seconds of the connector: run novafeed doctor again");
  } else {
    result.detail = name + " RUNNING, " + std::to_string(running) + "/" + std::to_string(status->tasks.size()) +
                    (status->tasks.size() == 1 ? " task" : " tasks") + " RUNNING";
  }
  return result;
}

}  // namespace nf::doctor
