#include "core/kafka/settings.hpp"

namespace nf::kafka {

Settings settings_from(const config::Config& config) {
  Settings s;
  s.brokers = config.get_list("kafka.brokers");
  s.timeout_ms = config.get_int("kafka.timeout_ms");
  for (const auto& [key, value] : config.kafka_properties) s.pass_through.push_back({key, value.value, value.origin});
  return s;
}

std::string bootstrap_servers(const Settings& settings) {
  std::string joined;
  for (const auto& broker : settings.brokers) joined += (joined.empty() ? "" : ",") + broker;
  return joined;
}

std::vector<Property> client_properties(const Settings& settings, const std::vector<Property>& role_properties) {
  std::vector<Property> properties = {
      {"bootstrap.servers", bootstrap_servers(settings), "kafka.brokers"},
      {"client.id", "novafeed", "default"},
  };
  properties.insert(properties.end(), role_properties.begin(), role_properties.end());
  properties.insert(properties.end(), settings.pass_through.begin(), settings.pass_through.end());
  return properties;
}

}  // namespace nf::kafka
