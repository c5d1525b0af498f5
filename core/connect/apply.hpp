#pragma once
// Putting the rendered connector config on the worker, idempotently: compare with what
// Connect holds, PUT only when something differs, and say which keys changed.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/connect/client.hpp"
#include "core/connect/debezium_config.hpp"

namespace nf::connect {

// One key whose value differs between the worker and the rendered config.
struct ConfigChange {
  std::string key;
  std::optional<std::string> before;  // nullopt: the worker does not have the key
  std::optional<std::string> after;   // nullopt: the rendered config drops the key
};

// The keys that differ, sorted; "name" (which Connect adds) is ignored.
std::vector<ConfigChange> diff_configs(const nlohmann::json& current, const nlohmann::json& desired);

enum class ApplyAction { create, update, none };

// "created", "updated", "unchanged" (or, for a plan, "create", "update", "none").
std::string_view action_done(ApplyAction action);
std::string_view action_planned(ApplyAction action);

struct ApplyPlan {
  ApplyAction action = ApplyAction::none;
  std::vector<ConfigChange> changes;  // every key when creating
};

// What `apply` would do: GETs the current config and diffs it with `connector`.
ApplyPlan plan_apply(const Client& client, const ConnectorConfig& connector);

// Carries out `plan` (PUT unless it is `none`) and returns the action Connect confirmed
// (a connector deleted meanwhile is created).
ApplyAction carry_out(const Client& client, const ConnectorConfig& connector, const ApplyPlan& plan);

// Asks the worker to validate the config (Debezium also connects to the database) and
// returns every field error.
std::vector<FieldError> validate_config(const Client& client, const ConnectorConfig& connector);

}  // namespace nf::connect
