#pragma once
// How far a consumer group is behind, per topic partition: the group's committed offset
// against the partition's high watermark. Read with a consumer handle of that group that
// never subscribes, so it takes no partitions from the group's members.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/kafka/metadata.hpp"
#include "core/kafka/settings.hpp"

namespace nf::kafka {

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;  // -1: the group has committed nothing here
  int64_t low = 0, high = 0;
  int64_t lag = 0;  // high - committed; with no commit, high - low (all it would read)
  // Age of the oldest unread message (its timestamp against now); nullopt when nothing is
  // unread or it could not be read within the timeout.
  std::optional<int64_t> behind_ms;
};

// Every partition of `topics` (from fetch_metadata), with the age of the first unread
// message of each lagging partition (one fetch per partition, bounded by the timeout).
// Throws nf::Error(unreachable) when Kafka does not answer within settings.timeout_ms.
std::vector<PartitionLag> group_lag(const Settings& settings, const std::string& group,
                                    const std::vector<TopicInfo>& topics);

}  // namespace nf::kafka
