#pragma once
// Waiting for a connector to run: poll its status until the connector and every task
// are RUNNING, a task FAILED, or the time is up.

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/connect/client.hpp"

namespace nf::connect {

enum class WaitResult { running, failed, timed_out };

struct WaitOutcome {
  WaitResult result = WaitResult::timed_out;
  std::optional<ConnectorStatus> status;  // the last status seen (nullopt: never registered)
  std::string last_state;                 // e.g. "connector RUNNING, task 0 UNASSIGNED"
  std::chrono::milliseconds waited{0};
};

struct WaitOptions {
  std::chrono::milliseconds timeout{120000};
  std::chrono::milliseconds poll_interval{1000};
  // When set (after a create or update), the tasks must carry this config before their
  // status counts: until the worker has restarted them, it still reports the old tasks.
  std::optional<nlohmann::json> expected_config;
  // Told each new state while waiting (for progress on stderr); may be empty.
  std::function<void(const std::string&)> on_state;
};

// A state counts once it is seen on two polls in a row, so a task being replaced after a
// config change is neither mistaken for RUNNING nor for FAILED.
WaitOutcome wait_until_running(const Client& client, const std::string& name, const WaitOptions& options);

// "connector RUNNING, task 0 FAILED", "connector RUNNING, no tasks yet", "not registered yet".
std::string describe_state(const std::optional<ConnectorStatus>& status);

// True when the connector or one of its tasks is FAILED.
bool has_failure(const ConnectorStatus& status);

}  // namespace nf::connect
