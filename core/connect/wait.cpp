#include "core/connect/wait.hpp"

#include <algorithm>
#include <thread>

namespace nf::connect {
namespace {

enum class Verdict { pending, running, failed };

// Every task's config holds the expected values (tasks also carry task.class and name).
bool tasks_carry(const std::vector<nlohmann::json>& task_configs, const nlohmann::json& expected) {
  if (task_configs.empty()) return false;
  return std::all_of(task_configs.begin(), task_configs.end(), [&](const nlohmann::json& task) {
    for (auto it = expected.begin(); it != expected.end(); ++it)
      if (!task.contains(it.key()) || task[it.key()] != *it) return false;
    return true;
  });
}

Verdict judge(const std::optional<ConnectorStatus>& status, bool tasks_current) {
  if (!status) return Verdict::pending;
  if (status->state == "FAILED") return Verdict::failed;  // no tasks will come to carry a config
  if (!tasks_current) return Verdict::pending;
  if (status->healthy()) return Verdict::running;
  if (has_failure(*status)) return Verdict::failed;
  return Verdict::pending;
}

}  // namespace

bool has_failure(const ConnectorStatus& status) {
  return status.state == "FAILED" ||
         std::any_of(status.tasks.begin(), status.tasks.end(), [](const TaskStatus& t) { return t.state == "FAILED"; });
}

std::string describe_state(const std::optional<ConnectorStatus>& status) {
  if (!status) return "not registered on the worker yet";
  std::string text = "connector " + status->state;
  if (status->tasks.empty()) return text + ", no tasks yet";
  for (const auto& task : status->tasks) text += ", task " + std::to_string(task.id) + " " + task.state;
  return text;
}

WaitOutcome wait_until_running(const Client& client, const std::string& name, const WaitOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = start + options.timeout;
  WaitOutcome outcome;
  Verdict previous = Verdict::pending;
  int seen_in_a_row = 0;
  std::string reported;
  for (;;) {
    bool tasks_current = true;
    if (options.expected_config) tasks_current = tasks_carry(client.get_task_configs(name), *options.expected_config);
    outcome.status = client.get_status(name);
    outcome.last_state = describe_state(outcome.status);
    if (!tasks_current && outcome.status) outcome.last_state += " (tasks not yet restarted with the new config)";
    outcome.waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
    if (options.on_state && outcome.last_state != reported) options.on_state(outcome.last_state);
    reported = outcome.last_state;

    const Verdict verdict = judge(outcome.status, tasks_current);
    seen_in_a_row = verdict == previous ? seen_in_a_row + 1 : 1;
    previous = verdict;
    // Out of time, a state seen once is still better evidence than none.
    const bool out_of_time = clock::now() + options.poll_interval > deadline;
    if (verdict != Verdict::pending && (seen_in_a_row >= 2 || out_of_time)) {
      outcome.result = verdict == Verdict::running ? WaitResult::running : WaitResult::failed;
      return outcome;
    }
    if (out_of_time) {
      outcome.result = WaitResult::timed_out;
      return outcome;
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
}

}  // namespace nf::connect
