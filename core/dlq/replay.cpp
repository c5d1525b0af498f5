#include "core/dlq/replay.hpp"

#include <algorithm>
#include <memory>

#include <librdkafka/rdkafka.h>

#include "core/error/error.hpp"
#include "core/kafka/handle.hpp"

namespace nf::dlq {
namespace {

struct Delivery {
  bool done = false;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  if (!delivery) return;
  delivery->done = true;
  delivery->error = message->err;
}

std::string counts_text(const std::map<std::string, int64_t>& counts) {
  std::string out;
  for (const auto& [topic, n] : counts) out += (out.empty() ? "" : ", ") + topic + " " + std::to_string(n);
  return out.empty() ? "none" : out;
}

}  // namespace

tl::expected<Replayed, std::string> replay_target(const Message& message, const std::map<std::string, int32_t>& partitions,
                                                  const std::vector<std::string>& dlq_topics) {
  if (message.source_topic.empty())
    return tl::unexpected(std::string("no ") + kSourceTopicHeader +
                          " header: not dead-lettered by `novafeed ingest`, so its source is unknown");
  if (std::find(dlq_topics.begin(), dlq_topics.end(), message.source_topic) != dlq_topics.end())
    return tl::unexpected("its source " + message.source_topic + " is a dead-letter topic itself");
  const auto topic = partitions.find(message.source_topic);
  if (topic == partitions.end())
    return tl::unexpected("its source topic " + message.source_topic + " does not exist in this cluster");
  Replayed target{position(message), message.source_topic, -1, message.reason};
  // The original partition keeps the key's order with what came after it; the
  // partitioner decides when the topic has fewer partitions now.
  if (message.source_partition && *message.source_partition >= 0 && *message.source_partition < topic->second)
    target.partition = *message.source_partition;
  return target;
}

void produce_replays(const kafka::Settings& settings, const std::vector<Message>& messages,
                     const std::vector<Replayed>& targets, std::chrono::milliseconds timeout) {
  if (targets.empty()) return;
  const std::string origin = "dlq replay";
  auto conf = kafka::make_conf(settings, {{"acks", "all", origin},
                                          {"enable.idempotence", "true", origin},
                                          {"linger.ms", "5", origin},
                                          {"message.timeout.ms", std::to_string(timeout.count()), origin}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  // Declared before the producer: a delivery may be reported while it is destroyed.
  std::vector<std::unique_ptr<Delivery>> deliveries;
  kafka::Handle producer(RD_KAFKA_PRODUCER, std::move(conf));
  rd_kafka_t* rk = producer.get();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Before giving up: nothing still queued outlives this call's bookkeeping.
  const auto abandon = [rk] {
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk, 1000);
  };

  for (size_t i = 0; i < targets.size(); ++i) {
    const Message& message = messages.at(i);
    const Replayed& target = targets[i];
    deliveries.push_back(std::make_unique<Delivery>());
    const std::string replay_of = position(message);
    // Null stays null (a tombstone, a key-less message): the macros take plain pointers.
    const char* key = message.key ? message.key->data() : nullptr;
    const size_t key_size = message.key ? message.key->size() : 0;
    char* value = message.value ? const_cast<char*>(message.value->data()) : nullptr;
    const size_t value_size = message.value ? message.value->size() : 0;
    const int32_t partition = target.partition >= 0 ? target.partition : RD_KAFKA_PARTITION_UA;
    for (;;) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(target.topic.c_str()),
          RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_size),
          RD_KAFKA_V_VALUE(value, value_size),
          RD_KAFKA_V_HEADER(kReplayOfHeader, replay_of.data(), static_cast<ssize_t>(replay_of.size())),
          RD_KAFKA_V_OPAQUE(deliveries.back().get()), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > deadline) {
        abandon();
        fail_unreachable("cannot produce the replay of " + replay_of + " to " + target.topic + ": " + rd_kafka_err2str(err) +
                         "; nothing after it was produced. Run the same replay again once Kafka answers: a message "
                         "replayed twice is counted once");
      }
      producer.poll(50);
    }
  }
  while (rd_kafka_outq_len(rk) > 0 && std::chrono::steady_clock::now() < deadline) rd_kafka_flush(rk, 200);

  std::map<std::string, int64_t> acknowledged;
  std::string first_failure;
  size_t failed = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& d = *deliveries[i];
    if (d.done && d.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++acknowledged[targets[i].topic];
      continue;
    }
    ++failed;
    if (first_failure.empty())
      first_failure = targets[i].position + " to " + targets[i].topic + ": " +
                      (d.done ? rd_kafka_err2str(d.error) : "no acknowledgement within " + std::to_string(timeout.count()) + " ms");
  }
  if (failed == 0) return;
  abandon();
  std::string why;
  for (const auto& e : producer.recent_errors()) why += "; " + e.reason;
  fail_unreachable(std::to_string(failed) + " of " + std::to_string(targets.size()) +
                   " replays were not acknowledged by Kafka at " + kafka::bootstrap_servers(settings) + " (first: " +
                   first_failure + why + "); acknowledged: " + counts_text(acknowledged) +
                   ". Run the same replay again once Kafka answers: a message replayed twice is counted once");
}

}  // namespace nf::dlq
