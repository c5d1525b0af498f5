#include "tests/support/consumer_group.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"
#include "tests/support/stack.hpp"

namespace nf::test {
namespace {

kafka::Settings settings() { return kafka::settings_from(stack_config()); }

}  // namespace

GroupDescription describe_group(const std::string& group) {
  kafka::Handle admin(RD_KAFKA_PRODUCER, kafka::make_conf(settings()));
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(rd_kafka_queue_new(admin.get()),
                                                                           &rd_kafka_queue_destroy);
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options(
      rd_kafka_AdminOptions_new(admin.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS), &rd_kafka_AdminOptions_destroy);
  char error[512];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), 10000, error, sizeof error);
  const char* names[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(admin.get(), names, 1, options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> event(rd_kafka_queue_poll(queue.get(), 15000),
                                                                           &rd_kafka_event_destroy);
  if (!event) throw std::runtime_error("describe group " + group + ": no answer within 15 s");
  if (rd_kafka_event_error(event.get()))
    throw std::runtime_error("describe group " + group + ": " + rd_kafka_event_error_string(event.get()));
  size_t count = 0;
  const auto** groups = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
  if (count != 1) throw std::runtime_error("describe group " + group + ": " + std::to_string(count) + " answers");
  if (const rd_kafka_error_t* failed = rd_kafka_ConsumerGroupDescription_error(groups[0]))
    throw std::runtime_error("describe group " + group + ": " + rd_kafka_error_string(failed));
  GroupDescription description;
  description.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(groups[0]));
  for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(groups[0]); ++i) {
    const auto* member = rd_kafka_ConsumerGroupDescription_member(groups[0], i);
    GroupMember out;
    const char* instance = rd_kafka_MemberDescription_group_instance_id(member);
    out.instance_id = instance ? instance : "";
    out.member_id = rd_kafka_MemberDescription_consumer_id(member);
    out.client_host = rd_kafka_MemberDescription_host(member);
    if (const auto* assignment = rd_kafka_MemberDescription_assignment(member))
      if (const auto* partitions = rd_kafka_MemberAssignment_partitions(assignment))
        for (int p = 0; p < partitions->cnt; ++p)
          out.partitions.emplace_back(partitions->elems[p].topic, partitions->elems[p].partition);
    description.members.push_back(std::move(out));
  }
  return description;
}

PartitionOffsets end_offsets(const std::vector<std::string>& topics) {
  const auto metadata = kafka::fetch_metadata(settings());
  kafka::Handle handle(RD_KAFKA_PRODUCER, kafka::make_conf(settings()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  PartitionOffsets offsets;
  for (const auto& topic : topics) {
    const auto* info = metadata.find_topic(topic);
    if (!info) throw std::runtime_error("the end of " + topic + ": Kafka has no such topic");
    for (const auto& partition : info->partitions) {
      int64_t low = 0, high = 0;
      rd_kafka_resp_err_t err;
      // A topic created a moment ago may not have its leader everywhere yet ("Not leader
      // for partition"): retried for a while.
      while ((err = rd_kafka_query_watermark_offsets(handle.get(), topic.c_str(), partition.id, &low, &high, 10000)) &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (err) throw std::runtime_error("the end of " + topic + ": " + rd_kafka_err2str(err));
      offsets[{topic, partition.id}] = high;
    }
  }
  return offsets;
}

void start_group_at(const std::string& group, const PartitionOffsets& offsets) {
  kafka::Handle consumer(RD_KAFKA_CONSUMER, kafka::make_conf(settings(), {{"group.id", group, "test"},
                                                                           {"enable.auto.commit", "false", "test"}}));
  auto list = kafka::new_partition_list(static_cast<int>(offsets.size()));
  for (const auto& [where, offset] : offsets)
    rd_kafka_topic_partition_list_add(list.get(), where.first.c_str(), where.second)->offset = offset;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  rd_kafka_resp_err_t err;
  // The coordinator of a new group may still be loading: retried for a while.
  while ((err = rd_kafka_commit(consumer.get(), list.get(), 0)) != RD_KAFKA_RESP_ERR_NO_ERROR &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  if (err) throw std::runtime_error("start group " + group + ": commit: " + rd_kafka_err2str(err));
  rd_kafka_consumer_close(consumer.get());
}

void start_group_at_end(const std::string& group, const std::vector<std::string>& topics) {
  start_group_at(group, end_offsets(topics));
}

}  // namespace nf::test
