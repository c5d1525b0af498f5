#pragma once
// `novafeed connectors apply|status|restart|heal|delete|list|config`: each takes novafeed's
// config and its request, talks to Kafka Connect, and returns what to print (text and
// JSON) and whether the command failed. cmd/connectors.cpp only binds flags and prints.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/connect/client.hpp"
#include "core/error/error.hpp"
#include "core/pg/replication_slot.hpp"

namespace nf::connect {

struct ApplyRequest {
  bool dry_run = false;
  bool wait = false;
  std::chrono::milliseconds timeout{120000};
};

struct RestartRequest {
  bool only_failed = false;
  bool wait = false;
  std::chrono::milliseconds timeout{120000};
};

struct ConfigRequest {
  bool show_secrets = false;
};

// What a subcommand has to say. When `failure` is set, the command prints its output
// and then exits with that code, the message going to stderr.
struct CommandOutput {
  std::string text;
  nlohmann::json json;
  std::optional<ExitCode> failure;
  std::string failure_message;
};

// Told about each new connector state while waiting; may be empty.
using ProgressSink = std::function<void(const std::string&)>;

// Creates or updates the connector (PUT) when its config differs, else leaves it alone;
// with dry_run prints the config, what would change and Connect's validation, changing
// nothing (fails on a validation error); with wait, fails on a FAILED task or a timeout.
CommandOutput apply_connector(const config::Config& config, const ApplyRequest& request, const ProgressSink& progress);

// The connector's and its tasks' states; fails when it is not RUNNING or does not exist.
CommandOutput show_connector_status(const config::Config& config);

// Restarts the connector and all (or only the failed) tasks, optionally waiting.
CommandOutput restart_connector(const config::Config& config, const RestartRequest& request, const ProgressSink& progress);

// Brings a wedged CDC back without restarting the worker, and says what it did: when the
// replication slot is stalled (pg::is_stalled: its holder stopped streaming, e.g. the
// orphaned task of a Kafka outage) it ends the slot's walsender, so the connector's task
// (retrying) takes the slot; a FAILED connector or task is restarted. Nothing wrong:
// nothing done, exit 0. Fails (1) when the slot or the connector does not exist.
CommandOutput heal_connector(const config::Config& config);

// What heal_cdc found and did (the command above prints it; CdcWatch logs it).
struct HealOutcome {
  std::string slot_name, connector, postgres, connect_url;
  std::optional<pg::ReplicationSlot> slot;  // nullopt: no such slot (nothing else was tried)
  bool stalled = false;
  std::optional<ConnectorStatus> status;    // nullopt: no such connector, or Connect unreachable
  std::string connect_error;                // Kafka Connect unreachable: why
  std::vector<std::string> actions;         // what was done, each a sentence
};
// Throws nf::Error(unreachable) when PostgreSQL is.
HealOutcome heal_cdc(const config::Config& config);

// Deletes the connector; a missing one is reported, not a failure.
CommandOutput delete_connector(const config::Config& config);

// Every connector on the worker with its state.
CommandOutput list_connectors(const config::Config& config);

// The rendered config as the POST /connectors body, secrets masked unless asked.
CommandOutput show_connector_config(const config::Config& config, const ConfigRequest& request);

}  // namespace nf::connect
