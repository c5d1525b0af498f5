#include "tests/support/kafka_topics.hpp"

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

using AdminQueue = std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)>;

// Waits for the result of one admin request on `queue`; "" or the first error.
std::string admin_result(rd_kafka_queue_t* queue, rd_kafka_event_type_t type) {
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> event(rd_kafka_queue_poll(queue, 30000),
                                                                             &rd_kafka_event_destroy);
  if (!event) return "no answer within 30 s";
  if (rd_kafka_event_error(event.get())) return rd_kafka_event_error_string(event.get());
  if (rd_kafka_event_type(event.get()) != type) return "an unexpected admin event";
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      type == RD_KAFKA_EVENT_CREATETOPICS_RESULT
          ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count)
          : rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i)
    if (rd_kafka_topic_result_error(results[i]))
      return std::string(rd_kafka_topic_result_name(results[i])) + ": " + rd_kafka_topic_result_error_string(results[i]);
  return "";
}

}  // namespace

ScratchTopics::ScratchTopics(std::vector<std::string> names, int partitions) : names_(std::move(names)) {
  kafka::Handle admin(RD_KAFKA_PRODUCER, kafka::make_conf(settings()));
  AdminQueue queue(rd_kafka_queue_new(admin.get()), &rd_kafka_queue_destroy);
  std::vector<rd_kafka_NewTopic_t*> topics;
  char error[512];
  for (const auto& name : names_) topics.push_back(rd_kafka_NewTopic_new(name.c_str(), partitions, 1, error, sizeof error));
  rd_kafka_CreateTopics(admin.get(), topics.data(), topics.size(), nullptr, queue.get());
  rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
  if (const auto failed = admin_result(queue.get(), RD_KAFKA_EVENT_CREATETOPICS_RESULT); !failed.empty())
    throw std::runtime_error("cannot create the test's topics: " + failed);
  // Metadata reaches every client a moment after the creation.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    const auto metadata = kafka::fetch_metadata(settings());
    bool all = true;
    for (const auto& name : names_) {
      const auto* topic = metadata.find_topic(name);
      bool led = topic && static_cast<int>(topic->partitions.size()) == partitions;
      if (led)
        for (const auto& p : topic->partitions) led = led && p.leader >= 0;
      all = all && led;
    }
    if (all) return;
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("the test's topics have no leaders after 30 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

ScratchTopics::~ScratchTopics() {
  try {
    kafka::Handle admin(RD_KAFKA_PRODUCER, kafka::make_conf(settings()));
    AdminQueue queue(rd_kafka_queue_new(admin.get()), &rd_kafka_queue_destroy);
    std::vector<rd_kafka_DeleteTopic_t*> topics;
    for (const auto& name : names_) topics.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
    rd_kafka_DeleteTopics(admin.get(), topics.data(), topics.size(), nullptr, queue.get());
    rd_kafka_DeleteTopic_destroy_array(topics.data(), topics.size());
    admin_result(queue.get(), RD_KAFKA_EVENT_DELETETOPICS_RESULT);
  } catch (...) {
    // A leftover topic is harmless: its name is the test run's own.
  }
}

ProducedAt produce_acknowledged(const std::string& topic, const std::string& key, const std::string& value) {
  struct Delivery {
    bool done = false;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    ProducedAt at;
  } delivery;
  auto conf = kafka::make_conf(settings(), {{"acks", "all", "test"}, {"message.timeout.ms", "30000", "test"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* d = static_cast<Delivery*>(m->_private);
    d->done = true;
    d->err = m->err;
    d->at = {m->partition, m->offset};
  });
  kafka::Handle producer(RD_KAFKA_PRODUCER, std::move(conf));
  if (const auto err = rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
                                         RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                         RD_KAFKA_V_OPAQUE(&delivery), RD_KAFKA_V_END))
    throw std::runtime_error("cannot produce to " + topic + ": " + rd_kafka_err2str(err));
  rd_kafka_flush(producer.get(), 30000);
  if (!delivery.done || delivery.err)
    throw std::runtime_error("a message to " + topic + " was not acknowledged: " +
                             (delivery.done ? rd_kafka_err2str(delivery.err) : "no delivery report within 30 s"));
  return delivery.at;
}

}  // namespace nf::test
