#include "core/events/producer.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/metrics/dependency_metrics.hpp"
#include "core/process/thread_name.hpp"

namespace nf::events {

namespace {

constexpr auto kProbeEvery = std::chrono::milliseconds(1000);
constexpr int kProbeTimeoutMs = 500;
// send() waits this much past message.timeout.ms: librdkafka scans for timed-out
// messages about once a second, so their reports come a little after the timeout.
constexpr auto kReportGrace = std::chrono::milliseconds(1500);

std::vector<kafka::Property> producer_properties(std::chrono::milliseconds delivery_timeout) {
  return {
      {"enable.idempotence", "true", "events intake"},
      {"acks", "all", "events intake"},
      {"message.timeout.ms", std::to_string(delivery_timeout.count()), "events.delivery_timeout_ms"},
      // librdkafka's own default, which kcat (bench/serve's reference) runs with: at 2 ms the
      // intake sent ~2x the produce requests for the same events, and the broker's and the
      // client's per-request CPU came out of what the ingest needs on a loaded machine.
      {"linger.ms", "5", "events intake"},
  };
}

std::string fatal_reason(rd_kafka_t* rk) {
  char reason[512] = {0};
  if (rd_kafka_fatal_error(rk, reason, sizeof reason) == RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  return reason;
}

}  // namespace

struct Producer::Waiter {
  Producer* producer = nullptr;
  std::mutex mutex;
  std::condition_variable done;
  size_t pending = 0;  // messages without a report yet
  size_t failed = 0;
  std::string first_error;
  // One reference per message handed to librdkafka plus one for send() itself: the last
  // one out deletes, so a report after send() gave up never touches freed memory.
  std::atomic<size_t> refs{1};

  void fail(const std::string& reason) {
    ++failed;
    if (first_error.empty()) first_error = reason;
  }
  void release(size_t count = 1) {
    if (refs.fetch_sub(count) == count) delete this;
  }
};

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* waiter = static_cast<Waiter*>(message->_private);
  if (!waiter) return;
  if (message->err)
    waiter->producer->note(Health::down, rd_kafka_err2str(message->err));
  else
    waiter->producer->note(Health::up, "");
  {
    std::lock_guard lock(waiter->mutex);
    if (message->err) waiter->fail(rd_kafka_err2str(message->err));
    if (--waiter->pending == 0) waiter->done.notify_all();
  }
  waiter->release();
}

Producer::Producer(const kafka::Settings& settings, std::string topic, std::chrono::milliseconds delivery_timeout)
    : topic_(std::move(topic)), brokers_(kafka::bootstrap_servers(settings)), delivery_timeout_(delivery_timeout) {
  auto conf = kafka::make_conf(settings, producer_properties(delivery_timeout));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  handle_ = std::make_unique<kafka::Handle>(RD_KAFKA_PRODUCER, std::move(conf));
  rkt_ = rd_kafka_topic_new(handle_->get(), topic_.c_str(), nullptr);
  if (!rkt_)
    fail_usage("cannot use Kafka topic '" + topic_ + "' (kafka.events_topic): " +
               rd_kafka_err2str(rd_kafka_last_error()));
  poller_ = std::thread([this] {
    process::name_this_thread("nf-events-poll");
    poll_loop();
  });
}

Producer::~Producer() {
  close(std::chrono::milliseconds(0));
  rd_kafka_topic_destroy(rkt_);
}

SendResult Producer::send(const std::vector<Outgoing>& messages) {
  if (closed_) return {false, "the events producer is shut down"};
  {
    std::lock_guard lock(mutex_);
    if (health_ == Health::down) {
      metrics::record_dependency_error(metrics::Dependency::kafka);
      return {false, down_reason_ + " (Kafka has been failing; novafeed probes it every second)"};
    }
  }
  if (messages.empty()) return {true, ""};
  metrics::DependencyTimer timed(metrics::Dependency::kafka);  // until every report is in

  auto* waiter = new Waiter;
  waiter->producer = this;
  waiter->pending = messages.size();
  waiter->refs = messages.size() + 1;
  rd_kafka_t* rk = handle_->get();
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& message = messages[i];
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(rkt_), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(message.key.data(), message.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(message.value.data()), message.value.size()), RD_KAFKA_V_OPAQUE(waiter),
        RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // This message and the rest are never handed over: no report will come for them.
      const size_t unsent = messages.size() - i;
      {
        std::lock_guard lock(waiter->mutex);
        waiter->fail(std::string(rd_kafka_err2str(err)) + " (when queueing)");
        waiter->pending -= unsent;
      }
      waiter->release(unsent);
      break;
    }
  }
  if (const auto fatal = fatal_reason(rk); !fatal.empty()) {
    std::lock_guard lock(waiter->mutex);
    waiter->fail("fatal producer error: " + fatal);
  }

  SendResult result;
  {
    std::unique_lock lock(waiter->mutex);
    const bool reported =
        waiter->done.wait_for(lock, delivery_timeout_ + kReportGrace, [&] { return waiter->pending == 0; });
    if (!reported)
      waiter->fail("no delivery report within " + std::to_string((delivery_timeout_ + kReportGrace).count()) + " ms");
    result.delivered = waiter->failed == 0;
    result.error = waiter->first_error;
  }
  if (!result.delivered) timed.failed();
  waiter->release();
  return result;
}

bool Producer::ready() const {
  std::lock_guard lock(mutex_);
  return health_ == Health::up;
}

bool Producer::known_down() const {
  std::lock_guard lock(mutex_);
  return health_ == Health::down || closed_;
}

std::string Producer::state() const {
  std::lock_guard lock(mutex_);
  if (closed_) return "closed (shutting down)";
  switch (health_) {
    case Health::up: return "up";
    case Health::connecting: return "connecting";
    case Health::down: return "down: " + down_reason_;
  }
  return "unknown";
}

void Producer::note(Health health, const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (fatal_) return;
  // Logged on transitions only: while down, the probe's reason changes every second.
  if (health == Health::down && health_ != Health::down)
    spdlog::warn("events: Kafka at {} is unavailable: {}; POST /api/v1/events answers 503 until it is back",
                 brokers_, reason);
  else if (health == Health::up && health_ == Health::down)
    spdlog::info("events: Kafka at {} is back", brokers_);
  if (health == Health::down && health_ != Health::down) next_probe_ = std::chrono::steady_clock::now() + kProbeEvery;
  health_ = health;
  down_reason_ = reason;
}

void Producer::probe() {
  rd_kafka_t* rk = handle_->get();
  if (const auto fatal = fatal_reason(rk); !fatal.empty()) {
    note(Health::down, "fatal producer error: " + fatal + " (restart serve)");
    std::lock_guard lock(mutex_);
    fatal_ = true;
    return;
  }
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt_, &metadata, kProbeTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string reason = rd_kafka_err2str(err);
    if (const auto last = handle_->last_error()) reason += " (" + last->reason + ")";
    note(Health::down, "metadata request: " + reason);
    return;
  }
  std::string problem;
  if (metadata->topic_cnt < 1) {
    problem = "topic '" + topic_ + "' is not in the metadata";
  } else if (metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    problem = "topic '" + topic_ + "': " + rd_kafka_err2str(metadata->topics[0].err);
  } else {
    for (int i = 0; i < metadata->topics[0].partition_cnt; ++i)
      if (metadata->topics[0].partitions[i].leader < 0)
        problem = "topic '" + topic_ + "' partition " + std::to_string(i) + " has no leader";
  }
  rd_kafka_metadata_destroy(metadata);
  note(problem.empty() ? Health::up : Health::down, problem);
}

void Producer::poll_loop() {
  while (!stopping_) {
    handle_->poll(100);
    bool due = false;
    {
      std::lock_guard lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      if (health_ != Health::up && !fatal_ && now >= next_probe_) {
        due = true;
        next_probe_ = now + kProbeEvery;
      }
    }
    if (due) probe();
  }
}

void Producer::close(std::chrono::milliseconds timeout) {
  if (closed_.exchange(true)) return;
  rd_kafka_t* rk = handle_->get();
  // Every accepted request is answered: queued messages get their reports (or time out).
  rd_kafka_flush(rk, static_cast<int>(timeout.count()));
  stopping_ = true;
  if (poller_.joinable()) poller_.join();
  // Whatever is still queued fails now, so no send() waits on a producer that is going away.
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);
  if (rd_kafka_outq_len(rk) > 0)
    spdlog::warn("events: {} message(s) still unacknowledged at shutdown", rd_kafka_outq_len(rk));
}

}  // namespace nf::events
