#pragma once
// The one Kafka producer of serve's events intake, shared by every worker thread
// (librdkafka producers are thread-safe). Properties: enable.idempotence=true, acks=all,
// message.timeout.ms=events.delivery_timeout_ms, linger.ms=5 (librdkafka's default).
//
// A background thread (nf-events-poll) calls rd_kafka_poll, which runs the delivery
// reports. send() hands its messages over with a per-call Waiter as their opaque and
// returns: the report of the call's last message runs its `done` with the outcome, so no
// caller's thread waits on Kafka. Every message gets a report (librdkafka enforces
// message.timeout.ms, and close() purges what is left), and a send still without all its
// reports 1.5 s past events.delivery_timeout_ms fails anyway: `done` always runs, once.
// Backpressure: once librdkafka's queue is full (queue.buffering.max.messages), send()
// blocks its caller until reports free room (RD_KAFKA_MSG_F_BLOCK).
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
#include <cstdint>
#include <deque>
#include <functional>
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

  // Produces all of `messages`; `done` gets the outcome once each is acknowledged or
  // failed: on the report thread, or on the caller's before send() returns when nothing
  // was handed over (Kafka known down, closed, empty). Keep `done` short: every report
  // waits behind it.
  using Done = std::function<void(SendResult)>;
  void send(const std::vector<Outgoing>& messages, Done done);

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
  // Settles the sends whose reports did not all come by their deadline (as failed).
  void expire(std::chrono::steady_clock::time_point now);
  void probe();
  void note(Health health, const std::string& reason);

  std::string topic_;
  std::string brokers_;
  std::unique_ptr<kafka::Handle> handle_;
  rd_kafka_topic_t* rkt_ = nullptr;

  mutable std::mutex mutex_;
  Health health_ = Health::connecting;
  std::string down_reason_;
  bool fatal_ = false;  // the idempotent producer hit a fatal error: only a restart helps
  std::chrono::steady_clock::time_point next_probe_{};

  std::chrono::milliseconds report_timeout_;
  std::mutex deadlines_mutex_;
  std::deque<Waiter*> deadlines_;  // every send not yet past its deadline, oldest first

  std::atomic<bool> stopping_{false};
  std::atomic<bool> closed_{false};
  std::thread poller_;
};

}  // namespace nf::events
