// Kafka: the brokers, the topics the pipeline reads and writes, and how far the ingest
// group is behind on them.

#include "core/doctor/checks.hpp"
#include "core/kafka/group_lag.hpp"
#include "core/kafka/recent.hpp"
#include "core/kafka/topics.hpp"
#include "core/time/clock.hpp"

namespace nf::doctor {

std::vector<std::string> required_topics(const config::Config& config) {
  std::vector<std::string> topics;
  for (const auto& table : config.get_list("cdc.tables")) topics.push_back(kafka::cdc_topic(config, table));
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
  const auto required = required_topics(config);
  std::vector<CheckResult> results{cluster, judge_topics(metadata, required)};

  // The ingest group's lag on every topic it reads (the ones that exist).
  const std::string group = config.get("ingest.group");
  std::vector<kafka::TopicInfo> read;
  for (const auto& name : required)
    if (const auto* topic = metadata.find_topic(name)) read.push_back(*topic);
  try {
    results.push_back(judge_lag(group, kafka::group_lag(settings, group, read), config.get_int("doctor.max_consumer_lag")));
  } catch (const std::exception& e) {
    results.push_back(result_from_error("lag", e, "is Kafka running? `novafeed doctor` again once it is"));
  }

  // Dead letters of the last hour, on each dead-letter topic that exists.
  try {
    const int64_t since_ms = time::now_ms() - 3'600'000;
    std::vector<std::pair<std::string, int64_t>> counts;
    for (const auto& name : {config.get("ingest.events_dlq_topic"), config.get("ingest.cdc_dlq_topic")})
      if (const auto* topic = metadata.find_topic(name)) counts.emplace_back(name, kafka::messages_since(settings, *topic, since_ms));
    results.push_back(judge_dead_letters(counts));
  } catch (const std::exception& e) {
    results.push_back(result_from_error("dlq", e, "is Kafka running? `novafeed doctor` again once it is"));
  }
  return results;
}

CheckResult judge_dead_letters(const std::vector<std::pair<std::string, int64_t>>& last_hour) {
  CheckResult result{"dlq", Status::ok, "", ""};
  nlohmann::json figures = nlohmann::json::object();
  int64_t total = 0;
  std::string list;
  for (const auto& [topic, count] : last_hour) {
    figures[topic] = count;
    total += count;
    list += (list.empty() ? "" : ", ") + topic + " " + std::to_string(count);
  }
  result.figures = {{"last_hour", figures}, {"total", total}};
  if (total > 0) {
    result.status = Status::warn;
    result.detail = std::to_string(total) + " messages dead-lettered in the last hour (" + list + ")";
    result.hint = "see why: novafeed dlq list --since 1h; once the cause is fixed, novafeed dlq replay --reason ... "
                  "(docs/dlq.md)";
    return result;
  }
  result.detail = "no message dead-lettered in the last hour" + (list.empty() ? std::string() : " (" + list + ")");
  return result;
}

CheckResult judge_lag(const std::string& group, const std::vector<kafka::PartitionLag>& lags, int64_t max_lag) {
  CheckResult result{"lag", Status::ok, "", ""};
  nlohmann::json topics = nlohmann::json::object();
  int64_t total = 0;
  bool committed_any = false;
  std::string worst_topic;
  int64_t worst = -1;
  std::optional<int64_t> behind_ms;  // the oldest unread message, over all partitions
  for (const auto& lag : lags) {
    auto& topic = topics[lag.topic];
    if (!topic.contains("lag")) topic = {{"lag", 0}, {"partitions", nlohmann::json::array()}};
    topic["lag"] = topic["lag"].get<int64_t>() + lag.lag;
    topic["partitions"].push_back({{"partition", lag.partition},
                                   {"committed", lag.committed >= 0 ? nlohmann::json(lag.committed) : nlohmann::json(nullptr)},
                                   {"high", lag.high},
                                   {"lag", lag.lag},
                                   {"seconds_behind", lag.behind_ms ? nlohmann::json(*lag.behind_ms / 1000.0)
                                                                    : nlohmann::json(lag.lag == 0 ? 0.0 : -1.0)}});
    if (lag.behind_ms) behind_ms = std::max(behind_ms.value_or(0), *lag.behind_ms);
    total += lag.lag;
    committed_any = committed_any || lag.committed >= 0;
    if (topic["lag"].get<int64_t>() > worst) worst = topic["lag"].get<int64_t>(), worst_topic = lag.topic;
  }
  result.figures = {{"group", group},
                    {"lag", total},
                    {"seconds_behind", behind_ms ? nlohmann::json(*behind_ms / 1000.0)
                                                 : nlohmann::json(total == 0 ? 0.0 : -1.0)},
                    {"max_consumer_lag", max_lag},
                    {"topics", topics}};
  const std::string behind = behind_ms ? ", the oldest unread " + std::to_string(*behind_ms / 1000) + " s old" : "";
  if (!committed_any && total > 0) {
    result.status = Status::warn;
    result.detail = "ingest group " + group + " has committed nothing yet (" + std::to_string(total) +
                    " messages waiting): is `novafeed ingest` (or `serve --with-ingest`) running with ingest.group " +
                    group + "?";
    result.hint = "start it: novafeed ingest all (it catches up from the oldest message Kafka keeps)";
    return result;
  }
  if (total > max_lag) {
    result.status = Status::fail;
    result.detail = "ingest group " + group + " is " + std::to_string(total) + " messages behind (most on " +
                    worst_topic + ": " + std::to_string(worst) + behind + "), above doctor.max_consumer_lag " +
                    std::to_string(max_lag);
    result.hint = "is the ingest running and keeping up? its log and /metrics (novafeed_ingest_*) say; more ingest "
                  "processes in the group share the partitions";
    return result;
  }
  result.detail = "ingest group " + group + " is " + std::to_string(total) + " messages behind on " +
                  std::to_string(topics.size()) + " topics" + behind + " (limit " + std::to_string(max_lag) + ")";
  return result;
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
