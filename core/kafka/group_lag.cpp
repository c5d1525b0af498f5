#include "core/kafka/group_lag.hpp"

#include <chrono>
#include <memory>

#include "core/error/error.hpp"
#include "core/kafka/handle.hpp"
#include "core/time/clock.hpp"

namespace nf::kafka {

std::vector<PartitionLag> group_lag(const Settings& settings, const std::string& group,
                                    const std::vector<TopicInfo>& topics) {
  Handle consumer(RD_KAFKA_CONSUMER, make_conf(settings, {{"group.id", group, "doctor"},
                                                           {"enable.auto.commit", "false", "doctor"}}));
  const auto list = new_partition_list(1);
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

  // How old the first unread message of each lagging partition is: assign them at that
  // offset (no subscription: the group's members keep their partitions) and read one each.
  const auto unread = new_partition_list(1);
  for (const auto& lag : lags)
    if (lag.lag > 0)
      rd_kafka_topic_partition_list_add(unread.get(), lag.topic.c_str(), lag.partition)->offset = lag.high - lag.lag;
  if (unread->cnt == 0 || rd_kafka_assign(consumer.get(), unread.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return lags;
  const int64_t now_ms = time::now_ms();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int missing = unread->cnt;
  while (missing > 0 && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> message(
        rd_kafka_consumer_poll(consumer.get(), 100), &rd_kafka_message_destroy);
    if (!message || message->err) continue;
    const std::string topic = rd_kafka_topic_name(message->rkt);
    for (auto& lag : lags) {
      if (lag.topic != topic || lag.partition != message->partition || lag.behind_ms) continue;
      rd_kafka_timestamp_type_t type;
      const int64_t ts = rd_kafka_message_timestamp(message.get(), &type);
      if (ts >= 0) lag.behind_ms = std::max<int64_t>(0, now_ms - ts);
      --missing;
    }
  }
  rd_kafka_assign(consumer.get(), nullptr);
  return lags;
}

}  // namespace nf::kafka
