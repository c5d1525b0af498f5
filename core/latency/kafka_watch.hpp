#pragma once
// The latency probes' own Kafka consumer: reads the events topic and cdc.posts from their
// ends (as they were when the watch started, so nothing a probe writes afterwards is
// missed) and notes when each probe's message went by. Its own consumer group, never
// committed: it takes nothing from the ingest.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/kafka/handle.hpp"
#include "core/kafka/settings.hpp"

namespace nf::latency {

using Clock = std::chrono::steady_clock;

class KafkaWatch {
 public:
  // Throws nf::Error(unreachable) naming Kafka when a topic's offsets cannot be read, and
  // nf::Error(check_failed) when a topic does not exist.
  KafkaWatch(const kafka::Settings& settings, std::string events_topic, std::string posts_topic,
             std::string event_id_prefix);
  ~KafkaWatch();  // stops and joins
  KafkaWatch(const KafkaWatch&) = delete;
  KafkaWatch& operator=(const KafkaWatch&) = delete;

  // When the event (by event_id) / the post's change (by id) was seen on Kafka; waits
  // until `deadline` and returns nullopt when it was not.
  std::optional<Clock::time_point> wait_event(const std::string& event_id, Clock::time_point deadline);
  std::optional<Clock::time_point> wait_post(uint64_t post_id, Clock::time_point deadline);

 private:
  void run();
  void note(const std::string& topic, std::string_view key, std::string_view payload, Clock::time_point seen);
  std::optional<Clock::time_point> wait_for(const std::string& what, Clock::time_point deadline);

  std::string events_topic_, posts_topic_, event_id_prefix_;
  kafka::Handle consumer_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::map<std::string, Clock::time_point> seen_;  // "event:<id>" / "post:<id>"
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace nf::latency
