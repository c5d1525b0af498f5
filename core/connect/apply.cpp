#include "core/connect/apply.hpp"

#include <set>

namespace nf::connect {
namespace {

std::optional<std::string> value_of(const nlohmann::json& config, const std::string& key) {
  if (!config.is_object() || !config.contains(key)) return std::nullopt;
  const auto& value = config[key];
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::vector<ConfigChange> diff_configs(const nlohmann::json& current, const nlohmann::json& desired) {
  std::set<std::string> keys;
  for (const auto* config : {&current, &desired})
    if (config->is_object())
      for (auto it = config->begin(); it != config->end(); ++it) keys.insert(it.key());
  keys.erase("name");
  std::vector<ConfigChange> changes;
  for (const auto& key : keys) {
    auto before = value_of(current, key);
    auto after = value_of(desired, key);
    if (before != after) changes.push_back({key, std::move(before), std::move(after)});
  }
  return changes;
}

std::string_view action_done(ApplyAction action) {
  switch (action) {
    case ApplyAction::create: return "created";
    case ApplyAction::update: return "updated";
    case ApplyAction::none: return "unchanged";
  }
  return "unchanged";
}

std::string_view action_planned(ApplyAction action) {
  switch (action) {
    case ApplyAction::create: return "create";
    case ApplyAction::update: return "update";
    case ApplyAction::none: return "none";
  }
  return "none";
}

ApplyPlan plan_apply(const Client& client, const ConnectorConfig& connector) {
  const auto current = client.get_config(connector.name);
  ApplyPlan plan;
  plan.changes = diff_configs(current.value_or(nlohmann::json::object()), connector.config);
  if (!current) plan.action = ApplyAction::create;
  else if (!plan.changes.empty()) plan.action = ApplyAction::update;
  return plan;
}

ApplyAction carry_out(const Client& client, const ConnectorConfig& connector, const ApplyPlan& plan) {
  if (plan.action == ApplyAction::none) return ApplyAction::none;
  return client.put_config(connector.name, connector.config) ? ApplyAction::create : ApplyAction::update;
}

std::vector<FieldError> validate_config(const Client& client, const ConnectorConfig& connector) {
  nlohmann::json body = connector.config;
  body["name"] = connector.name;
  return client.validate_fields(body);
}

}  // namespace nf::connect
