#include "core/latency/kafka_watch.hpp"

#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/kafka/metadata.hpp"
#include "core/process/thread_name.hpp"
#include "core/ranking/probes.hpp"

namespace nf::latency {

namespace {

kafka::Conf watch_conf(const kafka::Settings& settings) {
  // A group of its own (librdkafka wants one for a consumer), nothing ever committed.
  return kafka::make_conf(settings, {{"group.id", "novafeed-latency-probe", "latency"},
                                     {"enable.auto.commit", "false", "latency"},
                                     {"enable.auto.offset.store", "false", "latency"},
                                     {"fetch.wait.max.ms", "10", "latency"},
                                     {"fetch.error.backoff.ms", "50", "latency"}});
}

}  // namespace

KafkaWatch::KafkaWatch(const kafka::Settings& settings, std::string events_topic, std::string posts_topic,
                       std::string event_id_prefix)
    : events_topic_(std::move(events_topic)),
      posts_topic_(std::move(posts_topic)),
      event_id_prefix_(std::move(event_id_prefix)),
      consumer_(RD_KAFKA_CONSUMER, watch_conf(settings)) {
  const auto metadata = kafka::fetch_metadata(settings);
  auto list = kafka::new_partition_list(8);
  for (const auto& name : {events_topic_, posts_topic_}) {
    const auto* topic = metadata.find_topic(name);
    if (!topic || topic->partitions.empty())
      fail_check("Kafka at " + kafka::bootstrap_servers(settings) + " has no topic " + name +
                 ": run `scripts/stack up` (it creates the topics) or check kafka.events_topic / cdc.topic_format");
    for (const auto& partition : topic->partitions) {
      int64_t low = 0, high = 0;
      if (const auto err = rd_kafka_query_watermark_offsets(consumer_.get(), name.c_str(), partition.id, &low, &high,
                                                            static_cast<int>(settings.timeout_ms)))
        fail_unreachable("Kafka at " + kafka::bootstrap_servers(settings) + ": cannot read the end of " + name + "[" +
                         std::to_string(partition.id) + "]: " + rd_kafka_err2str(err));
      rd_kafka_topic_partition_list_add(list.get(), name.c_str(), partition.id)->offset = high;
    }
  }
  if (const auto err = rd_kafka_assign(consumer_.get(), list.get()))
    fail_check(std::string("latency: cannot assign the probe consumer: ") + rd_kafka_err2str(err));
  thread_ = std::thread([this] {
    process::name_this_thread("nf-kafka-watch");
    run();
  });
}

KafkaWatch::~KafkaWatch() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  thread_.join();
  rd_kafka_assign(consumer_.get(), nullptr);
  rd_kafka_consumer_close(consumer_.get());
}

void KafkaWatch::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> message(
        rd_kafka_consumer_poll(consumer_.get(), 50), &rd_kafka_message_destroy);
    if (!message) continue;
    const auto seen = Clock::now();
    if (message->err) {
      if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        spdlog::debug("latency: probe consumer: {}", rd_kafka_message_errstr(message.get()));
      continue;
    }
    const std::string topic = rd_kafka_topic_name(message->rkt);
    note(topic, {static_cast<const char*>(message->key), message->key ? message->key_len : 0},
         {static_cast<const char*>(message->payload), message->payload ? message->len : 0}, seen);
  }
}

// Only the probes' own messages are kept: the events whose id has this run's prefix, the
// changes of posts with probe ids (Debezium's key is {"id": N}).
void KafkaWatch::note(const std::string& topic, std::string_view key, std::string_view payload,
                      Clock::time_point seen) {
  std::string what;
  if (topic == events_topic_) {
    if (payload.find(event_id_prefix_) == std::string_view::npos) return;
    const auto json = nlohmann::json::parse(payload, nullptr, false);
    if (!json.is_object() || !json.contains("event_id") || !json["event_id"].is_string()) return;
    what = "event:" + json["event_id"].get<std::string>();
  } else {
    const auto json = nlohmann::json::parse(key, nullptr, false);
    if (!json.is_object() || !json.contains("id") || !json["id"].is_number_unsigned()) return;
    const auto id = json["id"].get<uint64_t>();
    if (!ranking::is_probe_id(id)) return;
    what = "post:" + std::to_string(id);
  }
  std::lock_guard lock(mutex_);
  seen_.emplace(std::move(what), seen);  // the first sighting counts
  arrived_.notify_all();
}

std::optional<Clock::time_point> KafkaWatch::wait_for(const std::string& what, Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  std::optional<Clock::time_point> at;
  arrived_.wait_until(lock, deadline, [&] {
    if (const auto found = seen_.find(what); found != seen_.end()) at = found->second;
    return at.has_value();
  });
  return at;
}

std::optional<Clock::time_point> KafkaWatch::wait_event(const std::string& event_id, Clock::time_point deadline) {
  return wait_for("event:" + event_id, deadline);
}

std::optional<Clock::time_point> KafkaWatch::wait_post(uint64_t post_id, Clock::time_point deadline) {
  return wait_for("post:" + std::to_string(post_id), deadline);
}

}  // namespace nf::latency
