#include "core/ingest/dead_letter.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"

namespace nf::ingest {
namespace {

using HeaderList = std::unique_ptr<rd_kafka_headers_t, decltype(&rd_kafka_headers_destroy)>;

HeaderList headers_for(const DeadLetter& record, const std::string& group) {
  HeaderList headers(rd_kafka_headers_new(5), &rd_kafka_headers_destroy);
  const auto add = [&](const char* name, const std::string& value) {
    rd_kafka_header_add(headers.get(), name, -1, value.data(), static_cast<ssize_t>(value.size()));
  };
  add("novafeed.reason", record.reason);
  add("novafeed.source.topic", record.origin.topic);
  add("novafeed.source.partition", std::to_string(record.origin.partition));
  add("novafeed.source.offset", std::to_string(record.origin.offset));
  add("novafeed.consumer.group", group);
  return headers;
}

}  // namespace

DeadLetterProducer::DeadLetterProducer(const kafka::Settings& settings, std::string consumer_group)
    : consumer_group_(std::move(consumer_group)) {
  auto conf = kafka::make_conf(settings, {{"acks", "all", "ingest (dead letters)"},
                                          {"enable.idempotence", "true", "ingest (dead letters)"},
                                          {"linger.ms", "5", "ingest (dead letters)"},
                                          {"message.timeout.ms", "30000", "ingest (dead letters)"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  producer_ = std::make_unique<kafka::Handle>(RD_KAFKA_PRODUCER, std::move(conf));
}

DeadLetterProducer::~DeadLetterProducer() {
  if (!producer_) return;
  rd_kafka_purge(producer_->get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(producer_->get(), 1000);
}

void DeadLetterProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  if (!delivery) return;
  delivery->done = true;
  delivery->error = message->err;
}

void DeadLetterProducer::deliver(const std::vector<DeadLetter>& records, std::chrono::milliseconds timeout) {
  rd_kafka_t* rk = producer_->get();
  // A delivery still unreported (after a purge that timed out) stays owned here.
  std::erase_if(deliveries_, [](const auto& d) { return d->done; });
  std::vector<Delivery*> pending;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& record : records) {
    deliveries_.push_back(std::make_unique<Delivery>());
    pending.push_back(deliveries_.back().get());
    HeaderList headers = headers_for(record, consumer_group_);
    const std::string key = record.origin.key.value_or("");
    const std::string value = record.origin.value.value_or("");
    while (true) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(record.dlq_topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY((record.origin.key ? key.data() : nullptr), key.size()),
          RD_KAFKA_V_VALUE((record.origin.value ? const_cast<char*>(value.data()) : nullptr), value.size()),
          RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_OPAQUE(deliveries_.back().get()), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        headers.release();  // the message owns them now
        break;
      }
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > deadline)
        fail_unreachable("cannot produce a dead letter to " + record.dlq_topic + ": " + rd_kafka_err2str(err));
      rd_kafka_poll(rk, 50);
    }
  }
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  rd_kafka_flush(rk, static_cast<int>(std::max<long long>(remaining.count(), 0)));
  bool all_done = true;
  for (const auto* d : pending) all_done = all_done && d->done;
  if (!all_done) {
    // Drop what is still queued so no delivery report outlives this call's bookkeeping.
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk, 5000);
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    const auto& d = *pending[i];
    if (d.done && d.error == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    std::string reason = d.done ? rd_kafka_err2str(d.error) : "no acknowledgement";
    if (const auto last = producer_->last_error()) reason += " (" + last->reason + ")";
    fail_unreachable("dead letter to " + records[i].dlq_topic + " not delivered within " +
                     std::to_string(timeout.count()) + " ms: " + reason);
  }
}

}  // namespace nf::ingest
