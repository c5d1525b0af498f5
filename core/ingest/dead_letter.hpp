#pragma once
// The dead-letter producer: a message `ingest` cannot decode goes, unchanged (key and
// value), to ingest.cdc_dlq_topic or ingest.events_dlq_topic with headers saying why and
// where it came from:
//   novafeed.reason            what is wrong ("action: 'poke' is not one of …")
//   novafeed.source.topic      the topic it was read from
//   novafeed.source.partition  its partition (decimal)
//   novafeed.source.offset     its offset (decimal)
//   novafeed.consumer.group    the ingest consumer group
// Each one is acknowledged by all in-sync replicas (acks=all) before the offset passing
// it is committed. After a crash a dead letter may be written again: (topic, partition,
// offset) identifies it.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/ingest/batch.hpp"
#include "core/kafka/handle.hpp"

namespace nf::ingest {

class DeadLetterProducer {
 public:
  DeadLetterProducer(const kafka::Settings& settings, std::string consumer_group);
  ~DeadLetterProducer();

  // Produces every record and waits for each acknowledgement; throws nf::Error
  // (unreachable) with librdkafka's reason when one is not delivered within `timeout`.
  void deliver(const std::vector<DeadLetter>& records, std::chrono::milliseconds timeout);

 private:
  struct Delivery {
    bool done = false;
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  };
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);

  std::string consumer_group_;
  // Declared before the handle: librdkafka may report a delivery while it is destroyed.
  std::vector<std::unique_ptr<Delivery>> deliveries_;
  std::unique_ptr<kafka::Handle> producer_;
};

}  // namespace nf::ingest
