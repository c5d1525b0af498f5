#pragma once
// POST /api/v1/events behind the HTTP layer: parse, dedup, produce, answer (SPEC §4,
// docs/events.md "Intake").
//
//   submit(user, body, now)
//     parse_batch        pure; whole-request errors throw nf::Error(usage, ..., reason)
//     drop_repeated_ids  an event_id repeated inside the batch counts as a duplicate
//     mark_new           one EVAL on the user's dedup sets; ids already there = duplicates
//                        (Redis down: skipped, every event produced, dedup_skipped counted)
//     Producer::send     every new event to kafka.events_topic; returns at once
//   then, on the producer's report thread once Kafka answered for every event (acks=all):
//     acknowledged       `done` gets the result
//     on failure         one SREM of the marks this call set, then `done` gets
//                        nf::Error(unreachable, ..., "kafka_unavailable") → 503 + Retry-After
//
// The 202 is only built after every new event is acknowledged, and a refused batch
// leaves no mark behind, so the client's retry is accepted whole. Events of a failed
// batch that did reach Kafka are harmless: ClickHouse counts each event_id once. No
// thread waits for Kafka's acknowledgement: serve's worker is free for other requests
// meanwhile, so the requests in flight (not the workers) fill the producer's batches.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/events/parse.hpp"
#include "core/events/producer.hpp"
#include "core/redis/pool.hpp"

namespace nf::events {

struct IntakeResult {
  size_t accepted = 0, duplicates = 0;
  std::vector<Rejection> rejected;
  std::vector<Event> accepted_events;  // what reached Kafka (not in the JSON answer)
};

// {"accepted":N,"duplicates":N,"rejected":[{"index":I,"error":"..."}]}
nlohmann::json to_json(const IntakeResult& result);

// Totals since start, for /metrics and /api/v1/feed/metrics.
struct IntakeFigures {
  uint64_t accepted = 0;       // events produced and acknowledged
  uint64_t duplicates = 0;     // events counted once already (Redis mark or repeated in a batch)
  uint64_t rejected = 0;       // events refused by validation (whole-request errors included)
  uint64_t unavailable = 0;    // requests answered kafka_unavailable
  uint64_t dedup_skipped = 0;  // events produced without a dedup check (Redis down)
};

class Intake {
 public:
  // Builds the shared producer; throws nf::Error(usage) for bad events.* / kafka settings.
  Intake(const config::Config& config, redis::Pool& redis);

  // What `done` gets: the result, or the refusal when Kafka did not acknowledge every event.
  struct Outcome {
    IntakeResult result;
    std::optional<Error> unavailable;  // nf::Error(unreachable, ..., "kafka_unavailable")
  };
  using Done = std::function<void(Outcome)>;

  // Throws nf::Error at once for what is known before Kafka: a refused body (usage, its
  // reason) or Kafka known down (unreachable, "kafka_unavailable"); `done` then never runs.
  // Otherwise `done` runs once, on the producer's report thread (or on this one when no
  // event was new): keep it short.
  void submit(uint64_t user_id, std::string_view body, int64_t now_ms, Done done);
  // The same, waiting for the outcome; Kafka's refusal is thrown.
  IntakeResult submit(uint64_t user_id, std::string_view body, int64_t now_ms);

  bool kafka_ready() const { return producer_->ready(); }
  std::string kafka_state() const { return producer_->state(); }
  IntakeFigures figures() const;
  // Flushes the producer (graceful shutdown); submit() afterwards answers kafka_unavailable.
  void close(std::chrono::milliseconds timeout) { producer_->close(timeout); }

 private:
  Error unavailable(const std::string& reason) const;
  void count_rejected(size_t events);
  void warn_dedup_skipped(size_t events);

  Limits limits_;
  int64_t dedup_window_s_;
  int64_t retry_after_s_;
  std::string topic_;
  redis::Pool& redis_;
  std::unique_ptr<Producer> producer_;

  std::atomic<uint64_t> accepted_{0}, duplicates_{0}, rejected_{0}, unavailable_{0}, dedup_skipped_{0};
  std::mutex warn_mutex_;
  std::chrono::steady_clock::time_point next_dedup_warning_{};
};

}  // namespace nf::events
