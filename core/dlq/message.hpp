#pragma once
// A dead letter as read back from ingest.events_dlq_topic / ingest.cdc_dlq_topic: where it
// sits in the dead-letter topic, the original key and value (unchanged), and what the
// novafeed.* headers written by core/ingest/dead_letter.cpp say: why, where it was read,
// by which ingest group.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nf::dlq {

struct Header {
  std::string name;
  std::optional<std::string> value;  // nullopt: a null header value
};

struct Message {
  std::string topic;  // the dead-letter topic
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // when it was dead-lettered; -1 when Kafka does not say
  std::optional<std::string> key;    // the original key; nullopt: null
  std::optional<std::string> value;  // the original value; nullopt: null
  std::vector<Header> headers;       // every header, in order

  // From the novafeed.* headers (read_novafeed_headers); empty or nullopt when a header
  // is missing, e.g. a message something else than `ingest` wrote to the topic.
  std::string reason;                     // novafeed.reason
  std::string source_topic;               // novafeed.source.topic
  std::optional<int32_t> source_partition;  // novafeed.source.partition
  std::optional<int64_t> source_offset;     // novafeed.source.offset
  std::string consumer_group;             // novafeed.consumer.group
};

// The header names ingest writes.
inline constexpr const char* kReasonHeader = "novafeed.reason";
inline constexpr const char* kSourceTopicHeader = "novafeed.source.topic";
inline constexpr const char* kSourcePartitionHeader = "novafeed.source.partition";
inline constexpr const char* kSourceOffsetHeader = "novafeed.source.offset";
inline constexpr const char* kConsumerGroupHeader = "novafeed.consumer.group";
// Added by `dlq replay` to the message it produces: the dead letter it came from.
inline constexpr const char* kReplayOfHeader = "novafeed.replay.of";

// Fills the novafeed.* fields from `message.headers`. A repeated name: the last wins. A
// partition or offset that is not a decimal number stays nullopt.
void read_novafeed_headers(Message& message);

// "events.dlq[0]@42": where a dead letter is (as ingest's log names positions).
std::string position(const Message& message);
// Where it was read before it was dead-lettered, "events[3]@1234"; "unknown" without the headers.
std::string source_position(const Message& message);

}  // namespace nf::dlq
