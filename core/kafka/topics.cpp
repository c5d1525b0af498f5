#include "core/kafka/topics.hpp"

#include "core/error/error.hpp"

namespace nf::kafka {

std::string cdc_topic(const config::Config& config, std::string_view table) {
  constexpr std::string_view kPlaceholder = "{table}";
  std::string topic = config.get("cdc.topic_format");
  const auto at = topic.find(kPlaceholder);
  if (at == std::string::npos) fail_usage("cdc.topic_format: '" + topic + "' has no {table} (e.g. cdc.{table})");
  topic.replace(at, kPlaceholder.size(), table);
  return topic;
}

}  // namespace nf::kafka
