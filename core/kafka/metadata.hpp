#pragma once
// What the Kafka cluster looks like: brokers, topics and their partitions, from one
// metadata request bounded by kafka.timeout_ms.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/kafka/settings.hpp"

namespace nf::kafka {

struct BrokerInfo {
  int32_t id = 0;
  std::string host;
  int port = 0;
};

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;
  int replicas = 0;
  int in_sync_replicas = 0;
  std::string error;  // librdkafka's text for a partition-level error, else ""
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
  std::string error;  // e.g. "Broker: Leader not available", else ""
};

struct ClusterMetadata {
  std::string cluster_id;     // "" when the broker does not say
  int32_t controller_id = -1;
  std::vector<BrokerInfo> brokers;
  std::vector<TopicInfo> topics;

  // nullptr when the cluster has no such topic.
  const TopicInfo* find_topic(std::string_view name) const;
};

// Asks the cluster for its brokers and every topic. Throws nf::Error(unreachable) when no
// broker answers within settings.timeout_ms, nf::Error(check_failed) for another failed
// request, and nf::Error(usage) for a property librdkafka refuses; the message carries
// librdkafka's own text and the last broker error (e.g. "Connection refused").
ClusterMetadata fetch_metadata(const Settings& settings);

}  // namespace nf::kafka
