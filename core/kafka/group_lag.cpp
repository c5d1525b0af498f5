#include "core/kafka/group_lag.hpp"

#include <memory>

#include "core/error/error.hpp"
#include "core/kafka/handle.hpp"

namespace nf::kafka {

std::vector<PartitionLag> group_lag(const Settings& settings, const std::string& group,
                                    const std::vector<TopicInfo>& topics) {
  Handle consumer(RD_KAFKA_CONSUMER, make_conf(settings, {{"group.id", group, "doctor"},
                                                           {"enable.auto.commit", "false", "doctor"}}));
  std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)> list(
      rd_kafka_topic_partition_list_new(1), &rd_kafka_topic_partition_list_destroy);
  for (const auto& topic : topics)
    for (const auto& partition : topic.partitions)
      rd_kafka_topic_partition_list_add(list.get(), topic.name.c_str(), partition.id);
  const int timeout_ms = static_cast<int>(settings.timeout_ms);
  if (const auto err = rd_kafka_committed(consumer.get(), list.get(), timeout_ms))
    fail_unreachable("Kafka at " + bootstrap_servers(settings) + ": cannot read the committed offsets of group " +
                     group + ": " + rd_kafka_err2str(err));
  std::vector<PartitionLag> lags;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& element = list->elems[i];
    PartitionLag lag;
    lag.topic = element.topic;
    lag.partition = element.partition;
    lag.committed = element.offset >= 0 ? element.offset : -1;
    if (const auto err = rd_kafka_query_watermark_offsets(consumer.get(), element.topic, element.partition, &lag.low,
                                                          &lag.high, timeout_ms))
      fail_unreachable("Kafka at " + bootstrap_servers(settings) + ": cannot read the offsets of " + lag.topic + "[" +
                       std::to_string(lag.partition) + "]: " + rd_kafka_err2str(err));
    lag.lag = std::max<int64_t>(0, lag.high - (lag.committed >= 0 ? std::max(lag.committed, lag.low) : lag.low));
    lags.push_back(lag);
  }
  return lags;
}

}  // namespace nf::kafka
