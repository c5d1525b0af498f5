#include "core/kafka/recent.hpp"

#include "core/error/error.hpp"
#include "core/kafka/handle.hpp"

namespace nf::kafka {

int64_t messages_since(const Settings& settings, const TopicInfo& topic, int64_t since_ms) {
  if (topic.partitions.empty()) return 0;
  Handle consumer(RD_KAFKA_CONSUMER, make_conf(settings, {{"enable.auto.commit", "false", "doctor"}}));
  const auto list = new_partition_list(static_cast<int>(topic.partitions.size()));
  for (const auto& partition : topic.partitions)
    rd_kafka_topic_partition_list_add(list.get(), topic.name.c_str(), partition.id)->offset = since_ms;
  const int timeout_ms = static_cast<int>(settings.timeout_ms);
  const auto where = [&] { return "Kafka at " + bootstrap_servers(settings) + ": " + topic.name + ": "; };
  if (const auto err = rd_kafka_offsets_for_times(consumer.get(), list.get(), timeout_ms))
    fail_unreachable(where() + "cannot look up offsets by time: " + rd_kafka_err2str(err));
  int64_t count = 0;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& element = list->elems[i];
    if (element.err) fail_unreachable(where() + "partition " + std::to_string(element.partition) + ": " + rd_kafka_err2str(element.err));
    int64_t low = 0, high = 0;
    if (const auto err = rd_kafka_query_watermark_offsets(consumer.get(), element.topic, element.partition, &low, &high,
                                                          timeout_ms))
      fail_unreachable(where() + "cannot read the offsets of partition " + std::to_string(element.partition) + ": " +
                       rd_kafka_err2str(err));
    // -1 (end): no message at or after the moment.
    if (element.offset >= 0) count += std::max<int64_t>(0, high - element.offset);
  }
  return count;
}

}  // namespace nf::kafka
