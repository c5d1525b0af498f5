#include "core/dlq/message.hpp"

#include <charconv>
#include <string_view>

namespace nf::dlq {
namespace {

template <typename Number>
std::optional<Number> decimal(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  Number n{};
  const auto [end, err] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (err != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return n;
}

}  // namespace

void read_novafeed_headers(Message& message) {
  std::optional<std::string> partition, offset;
  for (const auto& header : message.headers) {
    const std::string value = header.value.value_or("");
    if (header.name == kReasonHeader) message.reason = value;
    else if (header.name == kSourceTopicHeader) message.source_topic = value;
    else if (header.name == kSourcePartitionHeader) partition = header.value;
    else if (header.name == kSourceOffsetHeader) offset = header.value;
    else if (header.name == kConsumerGroupHeader) message.consumer_group = value;
  }
  message.source_partition = decimal<int32_t>(partition);
  message.source_offset = decimal<int64_t>(offset);
}

std::string position(const Message& message) {
  return message.topic + "[" + std::to_string(message.partition) + "]@" + std::to_string(message.offset);
}

std::string source_position(const Message& message) {
  if (message.source_topic.empty()) return "unknown";
  std::string out = message.source_topic;
  out += "[" + (message.source_partition ? std::to_string(*message.source_partition) : std::string("?")) + "]";
  out += "@" + (message.source_offset ? std::to_string(*message.source_offset) : std::string("?"));
  return out;
}

}  // namespace nf::dlq
