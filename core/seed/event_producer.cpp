#include "core/seed/event_producer.hpp"

#include "core/error/error.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"
#include "core/seed/event_json.hpp"
#include "core/seed/progress.hpp"

namespace nf::seed {

namespace {

struct Deliveries {
  uint64_t delivered = 0, failed = 0;
  std::string first_error;

  void fail(const std::string& reason) {
    ++failed;
    if (first_error.empty()) first_error = reason;
  }
};

// Served by rd_kafka_poll/flush on this thread; the message opaque is the Deliveries.
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* deliveries = static_cast<Deliveries*>(message->_private);
  if (message->err)
    deliveries->fail(rd_kafka_err2str(message->err));
  else
    ++deliveries->delivered;
}

std::string fatal_error(rd_kafka_t* rk) {
  char reason[512] = {0};
  if (rd_kafka_fatal_error(rk, reason, sizeof reason) == RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  return reason;
}

}  // namespace

void check_events_topic(const kafka::Settings& settings, const std::string& topic) {
  const auto metadata = kafka::fetch_metadata(settings);
  if (!metadata.find_topic(topic))
    fail_usage("Kafka topic '" + topic + "' does not exist at " + kafka::bootstrap_servers(settings) +
               " (kafka.events_topic; `scripts/stack up` creates it locally)");
}

std::vector<kafka::Property> producer_properties() {
  return {
      {"acks", "all", "seed"},
      {"enable.idempotence", "true", "seed"},
      // Throughput: big, compressed batches; a full local queue just waits (poll).
      {"linger.ms", "20", "seed"},
      {"batch.num.messages", "10000", "seed"},
      {"batch.size", "1000000", "seed"},
      {"compression.type", "lz4", "seed"},
      {"queue.buffering.max.messages", "500000", "seed"},
      // A message not acknowledged within 2 min is counted as failed (flush returns).
      {"message.timeout.ms", "120000", "seed"},
  };
}

EventsLoad produce_events(const kafka::Settings& settings, const std::string& topic, const Dataset& dataset,
                          bool progress_on) {
  auto conf = kafka::make_conf(settings, producer_properties());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  kafka::Handle producer(RD_KAFKA_PRODUCER, std::move(conf));
  rd_kafka_t* rk = producer.get();
  std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> rkt(
      rd_kafka_topic_new(rk, topic.c_str(), nullptr), rd_kafka_topic_destroy);
  if (!rkt) fail_usage("cannot use Kafka topic '" + topic + "': " + rd_kafka_err2str(rd_kafka_last_error()));

  EventsLoad load;
  load.topic = topic;
  Deliveries deliveries;
  TableProgress progress("events", dataset.sizes.events, progress_on);
  std::string key, value;
  generate_events(dataset, [&](const EventRow& event) {
    key.clear();
    value.clear();
    append_event_key(key, event);
    append_event_json(value, dataset.seed, event);
    for (;;) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_RKT(rkt.get()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(value.data(), value.size()),
          RD_KAFKA_V_OPAQUE(&deliveries), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        deliveries.fail(std::string(rd_kafka_err2str(err)) + " (when producing event " + event_id(dataset.seed, event.number) + ")");
        return false;
      }
      producer.poll(50);  // the local queue is full: serve delivery reports until there is room
    }
    ++load.produced;
    progress.add(1);
    if ((load.produced & 1023) == 0) {
      producer.poll(0);
      if (const auto fatal = fatal_error(rk); !fatal.empty()) {
        deliveries.fail("fatal producer error: " + fatal);
        return false;
      }
    }
    return true;
  });

  // Every handed-over message ends acknowledged or failed (message.timeout.ms bounds it).
  while (rd_kafka_outq_len(rk) > 0) rd_kafka_flush(rk, 500);
  if (const auto fatal = fatal_error(rk); !fatal.empty() && deliveries.first_error.empty())
    deliveries.first_error = "fatal producer error: " + fatal;
  load.seconds = progress.finish();
  load.delivered = deliveries.delivered;
  // Refused at enqueue time are counted in deliveries.failed; events never handed over
  // (after a refusal) are failures too.
  load.failed = dataset.sizes.events - load.delivered;
  load.first_error = deliveries.first_error;
  return load;
}

}  // namespace nf::seed
