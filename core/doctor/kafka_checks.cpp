// Kafka: the brokers, and the topics the pipeline reads and writes.

#include "core/doctor/checks.hpp"

namespace nf::doctor {

std::vector<std::string> required_topics(const config::Config& config) {
  std::vector<std::string> topics;
  const std::string format = config.get("cdc.topic_format");
  for (const auto& table : config.get_list("cdc.tables")) {
    std::string topic = format;
    if (const auto at = topic.find("{table}"); at != std::string::npos) topic.replace(at, 7, table);
    topics.push_back(topic);
  }
  topics.push_back(config.get("kafka.events_topic"));
  return topics;
}

std::vector<CheckResult> check_kafka(const config::Config& config) {
  const auto settings = kafka::settings_from(config);
  kafka::ClusterMetadata metadata;
  try {
    metadata = kafka::fetch_metadata(settings);
  } catch (const std::exception& e) {
    return {result_from_error("kafka", e,
                              "is Kafka running? (locally `scripts/stack up kafka`); else check kafka.brokers "
                              "and -X/[kafka.properties] (`novafeed config --print`)")};
  }
  CheckResult cluster{"kafka", Status::ok, "", ""};
  cluster.detail = std::to_string(metadata.brokers.size()) + (metadata.brokers.size() == 1 ? " broker" : " brokers") +
                   " at " + kafka::bootstrap_servers(settings);
  if (!metadata.cluster_id.empty()) cluster.detail += ", cluster " + metadata.cluster_id;
  cluster.figures = {{"brokers", metadata.brokers.size()},
                     {"cluster_id", metadata.cluster_id},
                     {"controller_id", metadata.controller_id},
                     {"topics", metadata.topics.size()}};
  return {cluster, judge_topics(metadata, required_topics(config))};
}

CheckResult judge_topics(const kafka::ClusterMetadata& metadata, const std::vector<std::string>& required) {
  CheckResult result{"topics", Status::ok, "", ""};
  std::string missing, broken;
  nlohmann::json partitions = nlohmann::json::object();
  for (const auto& name : required) {
    const kafka::TopicInfo* topic = metadata.find_topic(name);
    if (!topic) {
      missing += (missing.empty() ? "" : ", ") + name;
      continue;
    }
    partitions[name] = topic->partitions.size();
    if (!topic->error.empty()) broken += (broken.empty() ? "" : ", ") + name + ": " + topic->error;
  }
  result.figures = {{"required", required}, {"partitions", partitions}};
  if (!missing.empty()) {
    result.status = Status::fail;
    result.detail = "missing topics: " + missing;
    result.hint = "create them (locally `scripts/stack up kafka` does); elsewhere kafka-topics.sh --create --topic NAME";
  } else if (!broken.empty()) {
    result.status = Status::fail;
    result.detail = "topics with errors: " + broken;
    result.hint = "check the brokers' logs; a leader may be missing";
  } else {
    std::string list;
    for (const auto& name : required) list += (list.empty() ? "" : ", ") + name;
    result.detail = "all " + std::to_string(required.size()) + " present: " + list;
  }
  return result;
}

}  // namespace nf::doctor
