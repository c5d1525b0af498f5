#pragma once
// The one Kafka producer of serve's events intake, shared by every worker thread
// (librdkafka producers are thread-safe). Properties: enable.idempotence=true, acks=all,
// message.timeout.ms=events.delivery_timeout_ms, linger.ms=2 (small batches, low latency).
//
// A background thread calls rd_kafka_poll, which runs the delivery reports. send() hands
// its messages over with a per-call Waiter (reference-counted, so a report arriving after
// send() gave up is still safe) as their opaque, and blocks until every one of them is
// acknowledged or failed.
//
// Fail fast: once a delivery failed (or the metadata probe failed), Kafka is "down" and
// send() refuses at once, without queueing anything, so a client gets its 503 in
// milliseconds instead of after the delivery timeout, and no message of a refused request
// can reach Kafka later. While down, the same thread probes the topic's metadata every
// second (bounded at 500 ms); a probe that finds every partition with a leader marks Kafka
// "up" again, so recovery is seen with or without traffic. Before the first probe or
// delivery the state is "connecting" and send() tries normally.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/kafka/handle.hpp"
#include "core/kafka/settings.hpp"

namespace nf::events {

struct Outgoing {
  std::string key;    // the user id as decimal text
  std::string value;  // event_message()
};

struct SendResult {
  bool delivered = false;  // every message acknowledged by all in-sync replicas
  std::string error;       // librdkafka's reason when not
};

class Producer {
 public:
  Producer(const kafka::Settings& settings, std::string topic, std::chrono::milliseconds delivery_timeout);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Produces all of `messages` and waits for their delivery reports.
  SendResult send(const std::vector<Outgoing>& messages);

  bool ready() const;         // up: the last delivery or probe succeeded
  // Down: send() would refuse at once (callers skip their own work, e.g. dedup marks).
  bool known_down() const;
  std::string state() const;  // "up", "connecting", "down: <librdkafka reason>", or "closed ..."
  std::string brokers() const { return brokers_; }

  // Waits up to `timeout` for every queued message's report, then stops the poll thread.
  // send() after close() fails.
  void close(std::chrono::milliseconds timeout);

  struct Waiter;  // per send() call; defined in producer.cpp

 private:
  enum class Health { connecting, up, down };
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  void poll_loop();
  void probe();
  void note(Health health, const std::string& reason);

  std::string topic_;
  std::string brokers_;
  std::chrono::milliseconds delivery_timeout_;
  std::unique_ptr<kafka::Handle> handle_;
  rd_kafka_topic_t* rkt_ = nullptr;

  mutable std::mutex mutex_;
  Health health_ = Health::connecting;
  std::string down_reason_;
  bool fatal_ = false;  // the idempotent producer hit a fatal error: only a restart helps
  std::chrono::steady_clock::time_point next_probe_{};

  std::atomic<bool> stopping_{false};
  std::atomic<bool> closed_{false};
  std::thread poller_;
};

}  // namespace nf::events
