#include "core/connect/commands.hpp"

#include <algorithm>

#include "core/connect/apply.hpp"
#include "core/connect/client.hpp"
#include "core/connect/debezium_config.hpp"
#include "core/connect/report.hpp"
#include "core/connect/wait.hpp"
#include "core/pg/connection.hpp"
#include "core/pg/replication_slot.hpp"
#include "core/time/duration.hpp"

namespace nf::connect {
namespace {

// "1 key", "3 keys".
std::string count_of(size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string not_found_message(const std::string& name, const std::string& url) {
  return "connector " + name + " does not exist on " + url + ": create it with `novafeed connectors apply --wait`";
}

std::string running_line(const ConnectorStatus& status) {
  return "RUNNING: connector and " + std::to_string(status.tasks.size()) + "/" + std::to_string(status.tasks.size()) +
         (status.tasks.size() == 1 ? " task" : " tasks") + " running";
}

// The first line of the first trace: what failed, for the one-line message on stderr.
std::string first_failure(const ConnectorStatus& status) {
  if (status.state == "FAILED") {
    const auto lines = summarize_trace(status.trace, 1);
    return "connector FAILED" + (lines.empty() ? "" : ": " + lines.front());
  }
  for (const auto& task : status.tasks) {
    if (task.state != "FAILED") continue;
    const auto lines = summarize_trace(task.trace, 1);
    return "task " + std::to_string(task.id) + " FAILED" + (lines.empty() ? "" : ": " + lines.front());
  }
  return describe_state(status);
}

// What to do about a connector that is not running, as one line.
std::string next_step(const ConnectorStatus& status) {
  if (has_failure(status))
    return "fix the cause (trace above), then `novafeed connectors restart --failed` "
           "(or `novafeed connectors apply --wait` after changing the config)";
  if (status.state == "PAUSED" || std::any_of(status.tasks.begin(), status.tasks.end(), [](const auto& t) { return t.state == "PAUSED"; }))
    return "it was paused: resume it with `curl -X PUT <connect.url>/connectors/" + status.name + "/resume`";
  return "it is starting or being rebalanced: `novafeed connectors apply --wait` waits for RUNNING";
}

// Adds a wait's result to `out`: RUNNING, or the status with the failed task's trace, or
// the state it was stuck in.
void add_wait_outcome(CommandOutput& out, const std::string& name, const WaitOutcome& outcome,
                      std::chrono::milliseconds timeout) {
  const std::string waited = time::describe_duration(outcome.waited);
  nlohmann::json wait = {{"waited_ms", outcome.waited.count()}, {"state", outcome.last_state},
                         {"status", outcome.status ? status_json(*outcome.status) : nlohmann::json(nullptr)}};
  switch (outcome.result) {
    case WaitResult::running:
      wait["result"] = "running";
      out.text += running_line(*outcome.status) + " (after " + waited + ")\n";
      break;
    case WaitResult::failed:
      wait["result"] = "failed";
      out.text += status_text(*outcome.status) + "FAILED: " + next_step(*outcome.status) + "\n";
      out.failure = ExitCode::check_failed;
      out.failure_message = "connector " + name + ": " + first_failure(*outcome.status);
      break;
    case WaitResult::timed_out:
      wait["result"] = "timed_out";
      if (outcome.status) out.text += status_text(*outcome.status);
      out.text += "NOT RUNNING after " + time::describe_duration(timeout) + ": " + outcome.last_state + "\n";
      out.failure = ExitCode::check_failed;
      out.failure_message = "connector " + name + " did not reach RUNNING within " + time::describe_duration(timeout) +
                            "; last state: " + outcome.last_state;
      break;
  }
  out.json["wait"] = wait;
}

// Waits and adds the outcome; an error while waiting (e.g. the worker went away) still
// leaves what was already done (created, updated, restarted) in the output.
void wait_and_report(CommandOutput& out, const Client& client, const std::string& name, const WaitOptions& options) {
  try {
    add_wait_outcome(out, name, wait_until_running(client, name, options), options.timeout);
  } catch (const Error& e) {
    out.text += std::string("could not follow the connector to RUNNING: ") + e.what() + "\n";
    out.json["wait"] = {{"result", "error"}, {"message", e.what()}};
    out.failure = e.code();
    out.failure_message = e.what();
  }
}

}  // namespace

CommandOutput apply_connector(const config::Config& config, const ApplyRequest& request, const ProgressSink& progress) {
  const ConnectorConfig connector = render_connector_config(config);
  const Client client(settings_from(config));
  const std::string& url = client.settings().url;
  const ApplyPlan plan = plan_apply(client, connector);

  CommandOutput out;
  out.json = {{"connector", connector.name}, {"url", url}, {"dry_run", request.dry_run}};
  if (request.dry_run) {
    const auto errors = validate_config(client, connector);
    const nlohmann::json document = connector_document(connector, false);
    out.text = document.dump(2) + "\n\n";
    switch (plan.action) {
      case ApplyAction::create: out.text += "dry run: connector " + connector.name + " would be created on " + url; break;
      case ApplyAction::update:
        out.text += "dry run: connector " + connector.name + " would be updated on " + url + " (" +
                    count_of(plan.changes.size(), "key") + " to change):\n" + changes_text(plan.changes);
        break;
      case ApplyAction::none: out.text += "dry run: connector " + connector.name + " is up to date on " + url; break;
    }
    if (out.text.back() != '\n') out.text += "\n";
    out.text += "nothing was changed\n";
    if (errors.empty()) {
      out.text += "validation by Kafka Connect: OK\n";
    } else {
      out.text += "validation by Kafka Connect: " + count_of(errors.size(), "error") + "\n" + field_errors_text(errors);
      out.failure = ExitCode::check_failed;
      out.failure_message = "Kafka Connect rejects the connector config (" + count_of(errors.size(), "error") +
                            "); first: " + errors.front().field + ": " + errors.front().message;
    }
    out.json["action"] = action_planned(plan.action);
    out.json["changes"] = plan.action == ApplyAction::update ? changes_json(plan.changes) : nlohmann::json::array();
    out.json["config"] = document["config"];
    out.json["valid"] = errors.empty();
    out.json["errors"] = field_errors_json(errors);
    return out;
  }

  const ApplyAction action = carry_out(client, connector, plan);
  out.json["action"] = action_done(action);
  out.json["changes"] = action == ApplyAction::update ? changes_json(plan.changes) : nlohmann::json::array();
  out.text = "connector " + connector.name + " " + std::string(action_done(action)) + " on " + url;
  if (action == ApplyAction::update)
    out.text += " (" + count_of(plan.changes.size(), "key") + " changed):\n" + changes_text(plan.changes);
  else
    out.text += "\n";
  if (!request.wait) return out;

  WaitOptions options;
  options.timeout = request.timeout;
  if (action != ApplyAction::none) options.expected_config = connector.config;
  options.on_state = progress;
  wait_and_report(out, client, connector.name, options);
  return out;
}

CommandOutput show_connector_status(const config::Config& config) {
  const Client client(settings_from(config));
  const std::string name = config.get("connect.connector");
  const std::string& url = client.settings().url;
  const auto status = client.get_status(name);
  CommandOutput out;
  if (!status) {  // the message (on stderr) says it all
    out.json = {{"connector", name}, {"url", url}, {"exists", false}, {"healthy", false}, {"state", nullptr},
                {"tasks", nlohmann::json::array()}};
    out.failure = ExitCode::check_failed;
    out.failure_message = not_found_message(name, url);
    return out;
  }
  out.json = status_json(*status);
  out.json["connector"] = name;
  out.json["url"] = url;
  out.json["exists"] = true;
  out.text = status_text(*status);
  if (status->healthy()) {
    out.text += running_line(*status) + "\n";
    return out;
  }
  out.text += "NOT RUNNING: " + next_step(*status) + "\n";
  out.failure = ExitCode::check_failed;
  out.failure_message = "connector " + name + " is not running: " + first_failure(*status);
  return out;
}

CommandOutput restart_connector(const config::Config& config, const RestartRequest& request, const ProgressSink& progress) {
  const Client client(settings_from(config));
  const std::string name = config.get("connect.connector");
  const std::string& url = client.settings().url;
  const auto before = client.get_status(name);
  CommandOutput out;
  out.json = {{"connector", name}, {"url", url}, {"only_failed", request.only_failed}};
  if (!before) {
    out.json["restarted"] = false;
    out.failure = ExitCode::check_failed;
    out.failure_message = not_found_message(name, url);
    return out;
  }
  if (request.only_failed && !has_failure(*before)) {
    out.text = "nothing to restart: connector " + name + " has no FAILED part (" + describe_state(before) + ")\n";
    out.json["restarted"] = false;
    out.json["state"] = describe_state(before);
    return out;
  }
  client.restart(name, request.only_failed);
  std::string which = "the connector and all its tasks";
  if (request.only_failed) {
    which = "the failed parts:";
    if (before->state == "FAILED") which += " connector";
    for (const auto& task : before->tasks)
      if (task.state == "FAILED") which += " task " + std::to_string(task.id);
  }
  out.text = "restart of connector " + name + " requested (" + which + ")\n";
  out.json["restarted"] = true;
  if (!request.wait) return out;
  WaitOptions options;
  options.timeout = request.timeout;
  options.on_state = progress;
  wait_and_report(out, client, name, options);
  return out;
}

CommandOutput heal_connector(const config::Config& config) {
  const auto outcome = heal_cdc(config);
  CommandOutput out;
  nlohmann::json actions = outcome.actions;
  for (const auto& action : outcome.actions) out.text += action + "\n";
  out.json = {{"slot", outcome.slot_name}, {"connector", outcome.connector}, {"actions", actions}};
  if (!outcome.slot) {
    out.json["exists"] = false;
    out.failure = ExitCode::check_failed;
    out.failure_message = "replication slot " + outcome.slot_name + " does not exist at " + outcome.postgres +
                          ": Debezium creates it when the connector starts (novafeed connectors apply --wait)";
    return out;
  }
  out.json["stalled"] = outcome.stalled;
  if (!outcome.connect_error.empty()) {  // what was done to the slot is said above, then the failure
    out.failure = ExitCode::unreachable;
    out.failure_message = outcome.connect_error + (outcome.actions.empty()
                                                       ? ""
                                                       : " (the slot was healed; check again once Kafka Connect answers)");
    return out;
  }
  if (!outcome.status) {
    out.json["exists"] = false;
    out.failure = ExitCode::check_failed;
    out.failure_message = not_found_message(outcome.connector, outcome.connect_url);
    return out;
  }
  out.json["connector_state"] = describe_state(outcome.status);
  if (outcome.actions.empty())
    out.text = "nothing to heal: slot " + outcome.slot_name + " streaming (heartbeat " +
               (outcome.slot->heartbeat_age_ms ? std::to_string(*outcome.slot->heartbeat_age_ms / 1000) + " s old"
                                               : "unknown") +
               "), connector " + outcome.connector + ": " + describe_state(outcome.status) + "\n";
  else
    out.text += "check in a minute: novafeed doctor\n";
  return out;
}

HealOutcome heal_cdc(const config::Config& config) {
  HealOutcome outcome;
  outcome.slot_name = config.get("cdc.slot");
  outcome.connector = config.get("connect.connector");
  const int64_t interval_ms = config.get_int("cdc.heartbeat_interval_ms");
  const auto pg_settings = pg::settings_from(config);
  outcome.postgres = pg::describe(pg_settings);

  // The slot first: a stalled one is what leaves CDC silent while everything says RUNNING.
  {
    auto connection = pg::connect(pg_settings);
    pqxx::nontransaction tx(*connection);
    outcome.slot = pg::read_replication_slot(tx, outcome.slot_name, heartbeat_table(config));
    if (!outcome.slot) return outcome;
    outcome.stalled = pg::is_stalled(*outcome.slot, interval_ms);
    if (outcome.stalled && outcome.slot->active_pid) {
      const auto& slot = *outcome.slot;
      const auto ended = tx.exec_params1("SELECT pg_terminate_backend($1)", *slot.active_pid)[0].as<bool>();
      outcome.actions.push_back("ended walsender pid " + std::to_string(*slot.active_pid) + " holding slot " +
                                outcome.slot_name + " (stalled: " + std::to_string(*slot.unconfirmed_wal_bytes) +
                                " bytes of WAL unconfirmed, heartbeat " + std::to_string(*slot.heartbeat_age_ms / 1000) +
                                " s old)" + (ended ? "" : " -- it was already gone"));
    }
  }

  // Then the connector: a FAILED part is restarted (the task retrying for the slot may
  // have given up already).
  const Client client(settings_from(config));
  outcome.connect_url = client.settings().url;
  try {
    outcome.status = client.get_status(outcome.connector);
    if (outcome.status && has_failure(*outcome.status)) {
      client.restart(outcome.connector, true);
      std::string what = "restarted the failed parts of connector " + outcome.connector + ":";
      if (outcome.status->state == "FAILED") what += " connector";
      for (const auto& task : outcome.status->tasks)
        if (task.state == "FAILED") what += " task " + std::to_string(task.id);
      outcome.actions.push_back(what);
    }
  } catch (const Error& e) {
    if (e.code() != ExitCode::unreachable) throw;
    outcome.connect_error = e.what();
  }
  return outcome;
}

CommandOutput delete_connector(const config::Config& config) {
  const Client client(settings_from(config));
  const std::string name = config.get("connect.connector");
  const std::string slot = config.get("cdc.slot");
  const std::string& url = client.settings().url;
  const bool existed = client.remove(name);
  CommandOutput out;
  out.json = {{"connector", name}, {"url", url}, {"deleted", existed}, {"slot", slot}};
  if (!existed) {
    out.text = "connector " + name + " does not exist on " + url + "; nothing to delete\n";
    return out;
  }
  out.text = "connector " + name + " deleted from " + url +
             "\nkept: its offsets in Kafka Connect and the replication slot " + slot +
             ", so `novafeed connectors apply` resumes where it stopped.\n"
             "PostgreSQL keeps WAL for the slot meanwhile; if CDC is gone for good, drop it: "
             "SELECT pg_drop_replication_slot('" + slot + "');\n";
  return out;
}

CommandOutput list_connectors(const config::Config& config) {
  const Client client(settings_from(config));
  const std::string ours = config.get("connect.connector");
  const auto statuses = client.list_statuses();
  CommandOutput out;
  nlohmann::json connectors = nlohmann::json::array();
  for (const auto& status : statuses) connectors.push_back(status_json(status));
  out.json = {{"url", client.settings().url}, {"connectors", connectors}};
  if (statuses.empty()) {
    out.text = "no connectors on " + client.settings().url + ": create novafeed's with `novafeed connectors apply --wait`\n";
    return out;
  }
  out.text = list_text(statuses, ours);
  if (std::any_of(statuses.begin(), statuses.end(), [&](const auto& s) { return s.name == ours; }))
    out.text += "(* = " + ours + ", the connector novafeed manages: connect.connector)\n";
  else
    out.text += "novafeed's connector " + ours + " is not among them: create it with `novafeed connectors apply --wait`\n";
  return out;
}

CommandOutput show_connector_config(const config::Config& config, const ConfigRequest& request) {
  const nlohmann::json document = connector_document(render_connector_config(config), request.show_secrets);
  CommandOutput out;
  out.text = document.dump(2) + "\n";
  out.json = document;
  return out;
}

}  // namespace nf::connect
