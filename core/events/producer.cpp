#include "core/events/producer.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/metrics/dependency_metrics.hpp"
#include "core/process/thread_name.hpp"

namespace nf::events {

namespace {

constexpr auto kProbeEvery = std::chrono::milliseconds(1000);
constexpr int kProbeTimeoutMs = 500;
// A send fails this long past message.timeout.ms without all its reports: librdkafka scans
// for timed-out messages about once a second, and an idempotent producer keeps a message
// already sent to a broker that went away until its request times out (13 s and more).
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
  Producer::Done done;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point deadline;  // settled as failed then, reports or not
  std::mutex mutex;
  size_t failed = 0;
  std::string first_error;
  // Messages without a report, plus one for send() while it is queueing: the last one out
  // settles. `refs` adds one for the deadline queue: the last reference deletes.
  std::atomic<size_t> unreported{1};
  std::atomic<size_t> refs{2};
  std::atomic<bool> settled{false};

  void fail(const std::string& reason) {
    std::lock_guard lock(mutex);
    ++failed;
    if (first_error.empty()) first_error = reason;
  }
  // `count` messages (or send()'s own share) are accounted for.
  void report(size_t count = 1) {
    if (unreported.fetch_sub(count) == count) settle();
    release(count);
  }
  // Runs `done` once: after the last report, at the deadline, or at shutdown.
  void settle() {
    if (settled.exchange(true)) return;
    SendResult result;
    {
      std::lock_guard lock(mutex);
      result.delivered = failed == 0;
      result.error = first_error;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics::record_dependency_call(metrics::Dependency::kafka, seconds, !result.delivered);
    auto finish = std::move(done);
    done = nullptr;
    try {
      finish(std::move(result));
    } catch (const std::exception& e) {
      spdlog::error("events: the completion of a Kafka send failed: {}", e.what());
    }
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
  if (message->err) waiter->fail(rd_kafka_err2str(message->err));
  waiter->report();
}

void Producer::expire(std::chrono::steady_clock::time_point now) {
  std::vector<Waiter*> due;
  {
    std::lock_guard lock(deadlines_mutex_);
    while (!deadlines_.empty() && deadlines_.front()->deadline <= now) {
      due.push_back(deadlines_.front());
      deadlines_.pop_front();
    }
  }
  for (auto* waiter : due) {
    if (!waiter->settled) {
      waiter->fail("no delivery report within " + std::to_string(report_timeout_.count()) + " ms");
      waiter->settle();
    }
    waiter->release();  // the deadline queue's reference
  }
}

Producer::Producer(const kafka::Settings& settings, std::string topic, std::chrono::milliseconds delivery_timeout)
    : topic_(std::move(topic)),
      brokers_(kafka::bootstrap_servers(settings)),
      report_timeout_(delivery_timeout + kReportGrace) {
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

void Producer::send(const std::vector<Outgoing>& messages, Done done) {
  if (closed_) return done({false, "the events producer is shut down"});
  {
    std::unique_lock lock(mutex_);
    if (health_ == Health::down) {
      std::string reason = down_reason_ + " (Kafka has been failing; novafeed probes it every second)";
      lock.unlock();
      metrics::record_dependency_error(metrics::Dependency::kafka);
      return done({false, std::move(reason)});
    }
  }
  if (messages.empty()) return done({true, ""});

  auto* waiter = new Waiter;
  waiter->producer = this;
  waiter->done = std::move(done);
  waiter->deadline = waiter->started + report_timeout_;
  waiter->unreported = messages.size() + 1;
  waiter->refs = messages.size() + 2;
  {
    std::lock_guard lock(deadlines_mutex_);
    deadlines_.push_back(waiter);  // in deadline order: every send has the same timeout
  }
  rd_kafka_t* rk = handle_->get();
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& message = messages[i];
    // F_BLOCK: a full queue holds this caller until reports make room, rather than failing
    // the batch (the queue, not the number of callers, bounds what waits for Kafka).
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(rkt_), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_BLOCK),
        RD_KAFKA_V_KEY(message.key.data(), message.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(message.value.data()), message.value.size()), RD_KAFKA_V_OPAQUE(waiter),
        RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // This message and the rest are never handed over: no report will come for them.
      waiter->fail(std::string(rd_kafka_err2str(err)) + " (when queueing)");
      waiter->report(messages.size() - i);
      break;
    }
  }
  if (const auto fatal = fatal_reason(rk); !fatal.empty()) waiter->fail("fatal producer error: " + fatal);
  waiter->report();  // send()'s own share: `done` runs here if every report is already in
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
    expire(std::chrono::steady_clock::now());
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
  // Whatever is still queued fails now: every send()'s `done` runs before the producer goes away.
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);
  expire(std::chrono::steady_clock::time_point::max());  // any send still unsettled fails now
  if (rd_kafka_outq_len(rk) > 0)
    spdlog::warn("events: {} message(s) still unacknowledged at shutdown", rd_kafka_outq_len(rk));
}

}  // namespace nf::events
