// `novafeed connectors ...`: the Debezium PostgreSQL connector on Kafka Connect's REST API.
#include <iostream>
#include <memory>

#include "cmd/global_options.hpp"
#include "core/connect/commands.hpp"
#include "core/time/duration.hpp"

namespace {

// Prints the subcommand's result; a failed one then exits with its code (message on stderr).
void emit(const GlobalOptions& global, const nf::connect::CommandOutput& output) {
  print_result(global, output.text, output.json.dump(2));
  if (output.failure) throw nf::Error::after_report(*output.failure, output.failure_message);
}

// Each new connector state while waiting, on stderr.
void show_progress(const std::string& state) { std::cerr << "waiting: " << state << "\n"; }

void add_timeout_option(CLI::App* cmd, std::chrono::milliseconds& timeout) {
  cmd->add_option_function<std::string>(
         "--timeout", [&timeout](const std::string& text) { timeout = nf::time::parse_duration(text, "--timeout"); },
         "how long --wait waits for RUNNING before it gives up (exit 1), e.g. 120s, 5m")
      ->type_name("DURATION")
      ->default_str("120s");
}

void register_apply(CLI::App& connectors, GlobalOptions& global) {
  auto* cmd = connectors.add_subcommand(
      "apply",
      "Create or update the Debezium connector from novafeed's config (idempotent PUT).\n"
      "Compares with the config on the worker first and reports created, updated (with the changed keys) "
      "or unchanged. --dry-run prints the config, what would change and Kafka Connect's validation of it "
      "(exit 1 on a validation error) and changes nothing. --wait waits until the connector and every task "
      "are RUNNING; a FAILED task's trace is printed (exit 1), and so is the state it was stuck in on timeout.");
  cmd->footer(
      "Examples:\n"
      "  novafeed connectors apply --dry-run          # show, diff and validate; change nothing\n"
      "  novafeed connectors apply --wait             # deploy and wait for RUNNING (up to 120s)\n"
      "  novafeed connectors apply --wait --timeout 5m\n"
      "  novafeed --set cdc.snapshot_mode=never connectors apply --wait");
  auto request = std::make_shared<nf::connect::ApplyRequest>();
  cmd->add_flag("--dry-run", request->dry_run, "print and validate the config and what would change; change nothing");
  cmd->add_flag("--wait", request->wait, "wait until the connector and all its tasks are RUNNING");
  add_timeout_option(cmd, request->timeout);
  cmd->callback([&global, request] { emit(global, nf::connect::apply_connector(global.load_config(), *request, show_progress)); });
}

void register_status(CLI::App& connectors, GlobalOptions& global) {
  auto* cmd = connectors.add_subcommand(
      "status",
      "Show the connector's state, each task's state and worker, and a failed task's trace (its first lines; "
      "the whole trace with --json).\nExit 0 when the connector and all tasks are RUNNING, 1 when not (or when "
      "the connector does not exist), 3 when Kafka Connect is unreachable.");
  cmd->footer(
      "Examples:\n"
      "  novafeed connectors status\n"
      "  novafeed --json connectors status | jq -r '.tasks[] | select(.state == \"FAILED\") | .trace'");
  cmd->callback([&global] { emit(global, nf::connect::show_connector_status(global.load_config())); });
}

void register_restart(CLI::App& connectors, GlobalOptions& global) {
  auto* cmd = connectors.add_subcommand(
      "restart",
      "Restart the connector and its tasks, or with --failed only the FAILED ones (the usual fix once the "
      "cause, e.g. a database outage, is gone). --wait waits for RUNNING as `apply --wait` does.");
  cmd->footer(
      "Examples:\n"
      "  novafeed connectors restart --failed --wait\n"
      "  novafeed connectors restart");
  auto request = std::make_shared<nf::connect::RestartRequest>();
  cmd->add_flag("--failed", request->only_failed, "restart only the FAILED connector/tasks");
  cmd->add_flag("--wait", request->wait, "wait until the connector and all its tasks are RUNNING");
  add_timeout_option(cmd, request->timeout);
  cmd->callback([&global, request] { emit(global, nf::connect::restart_connector(global.load_config(), *request, show_progress)); });
}

void register_heal(CLI::App& connectors, GlobalOptions& global) {
  auto* cmd = connectors.add_subcommand(
      "heal",
      "Bring a wedged CDC back without restarting the Connect worker, and say what was done.\n"
      "When the replication slot is stalled (active, WAL unconfirmed, Debezium's heartbeat older than two "
      "cdc.heartbeat_interval_ms + 5 s: the task holding it stopped streaming, as the orphaned task of a Kafka "
      "outage does) it ends the slot's walsender, so the connector's retrying task takes the slot; a FAILED "
      "connector or task is restarted. When nothing is wrong it does nothing (exit 0). Exit 1 when the slot or "
      "the connector does not exist, 3 when PostgreSQL or Kafka Connect is unreachable. `novafeed doctor` shows "
      "the same stalled slot.");
  cmd->footer(
      "Examples:\n"
      "  novafeed connectors heal\n"
      "  novafeed --json connectors heal | jq -r '.actions[]'");
  cmd->callback([&global] { emit(global, nf::connect::heal_connector(global.load_config())); });
}

void register_delete(CLI::App& connectors, GlobalOptions& global) {
  auto* cmd = connectors.add_subcommand(
      "delete",
      "Delete the connector from Kafka Connect (idempotent: a missing connector is reported, exit 0).\n"
      "Its offsets and the PostgreSQL replication slot are kept, so a later `apply` resumes where it "
      "stopped; the slot keeps WAL meanwhile.");
  cmd->footer(
      "Examples:\n"
      "  novafeed connectors delete\n"
      "  novafeed --set connect.connector=old-connector connectors delete");
  cmd->callback([&global] { emit(global, nf::connect::delete_connector(global.load_config())); });
}

void register_list(CLI::App& connectors, GlobalOptions& global) {
  auto* cmd = connectors.add_subcommand(
      "list", "List every connector on the Kafka Connect worker with its state and tasks; novafeed's is marked *.");
  cmd->footer(
      "Examples:\n"
      "  novafeed connectors list\n"
      "  novafeed --json connectors list | jq -r '.connectors[] | [.name, .state] | @tsv'");
  cmd->callback([&global] { emit(global, nf::connect::list_connectors(global.load_config())); });
}

void register_config_print(CLI::App& connectors, GlobalOptions& global) {
  auto* cmd = connectors.add_subcommand(
      "config",
      "Print the connector config novafeed renders from its own config (postgres.*, cdc.*, connect.connector), "
      "as the body POST /connectors takes. The database password is masked unless --show-secrets.");
  cmd->footer(
      "Examples:\n"
      "  novafeed connectors config\n"
      "  novafeed --set cdc.database_host=pg.internal connectors config\n"
      "  novafeed connectors config --show-secrets > connector.json   # then: curl -X POST -H 'Content-Type: "
      "application/json' -d @connector.json $CONNECT/connectors");
  auto request = std::make_shared<nf::connect::ConfigRequest>();
  cmd->add_flag("--show-secrets", request->show_secrets, "print the database password instead of ********");
  cmd->callback([&global, request] { emit(global, nf::connect::show_connector_config(global.load_config(), *request)); });
}

}  // namespace

void register_connectors(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "connectors",
      "Deploy and operate the Debezium PostgreSQL connector on Kafka Connect (in the spirit of kcctl).\n"
      "The connector config is rendered from novafeed's own config: PostgreSQL from postgres.url "
      "(cdc.database_host/port as the worker sees it), tables, slot, publication, heartbeat and topic "
      "routing from cdc.*, the worker from connect.url. docs/connectors.md lists the rendered keys and why.");
  cmd->footer(
      "Examples:\n"
      "  novafeed schema apply && novafeed connectors apply --wait\n"
      "  novafeed connectors status          # exit 0 RUNNING, 1 not running, 3 Connect unreachable\n"
      "  novafeed connectors restart --failed --wait");
  cmd->callback([cmd] {
    if (cmd->get_subcommands().empty())
      throw CLI::RequiredError("a subcommand: novafeed connectors apply|status|restart|heal|delete|list|config");
  });
  register_apply(*cmd, global);
  register_status(*cmd, global);
  register_restart(*cmd, global);
  register_heal(*cmd, global);
  register_delete(*cmd, global);
  register_list(*cmd, global);
  register_config_print(*cmd, global);
}
