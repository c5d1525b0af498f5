#include "core/dlq/reader.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"

namespace nf::dlq {
namespace {

using Clock = std::chrono::steady_clock;

// One partition to read: [next, end), end being the high watermark at the start.
struct Range {
  size_t scan = 0;  // index in the scans
  int32_t partition = 0;
  int64_t start = 0, end = 0;
  bool done = false;
};

kafka::Conf reader_conf(const kafka::Settings& settings) {
  // librdkafka wants a group.id for a consumer; this one is never joined (assign, no
  // subscribe) and nothing is ever committed to it.
  const std::string origin = "dlq";
  return kafka::make_conf(settings, {{"group.id", "novafeed-dlq-reader", origin},
                                     {"enable.auto.commit", "false", origin},
                                     {"enable.auto.offset.store", "false", origin},
                                     {"auto.offset.reset", "earliest", origin},
                                     {"enable.partition.eof", "true", origin}});
}

std::optional<std::string> bytes_of(const void* data, size_t size) {
  if (!data) return std::nullopt;
  return std::string(static_cast<const char*>(data), size);
}

Message message_from(const rd_kafka_message_t& m, const std::string& topic) {
  Message message;
  message.topic = topic;
  message.partition = m.partition;
  message.offset = m.offset;
  rd_kafka_timestamp_type_t type;
  message.timestamp_ms = rd_kafka_message_timestamp(&m, &type);
  message.key = bytes_of(m.key, m.key_len);
  message.value = bytes_of(m.payload, m.len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
      message.headers.push_back({name, bytes_of(value, size)});
  }
  read_novafeed_headers(message);
  return message;
}

}  // namespace

std::vector<TopicScan> read_dead_letters(const kafka::Settings& settings, const std::vector<std::string>& topics,
                                         std::optional<int64_t> since_ms,
                                         const std::function<void(const Message&)>& visit) {
  const auto metadata = kafka::fetch_metadata(settings);
  kafka::Handle consumer(RD_KAFKA_CONSUMER, reader_conf(settings));
  rd_kafka_t* rk = consumer.get();
  rd_kafka_poll_set_consumer(rk);  // error callbacks are served by consumer_poll too
  const int timeout_ms = static_cast<int>(settings.timeout_ms);
  const auto where = [&] { return "Kafka at " + kafka::bootstrap_servers(settings) + ": "; };

  std::vector<TopicScan> scans;
  std::vector<Range> ranges;
  for (const auto& name : topics) {
    TopicScan scan;
    scan.topic = name;
    const auto* topic = metadata.find_topic(name);
    scan.exists = topic && !topic->partitions.empty();
    scans.push_back(scan);
    if (!scan.exists) continue;
    for (const auto& partition : topic->partitions) {
      int64_t low = 0, high = 0;
      if (const auto err = rd_kafka_query_watermark_offsets(rk, name.c_str(), partition.id, &low, &high, timeout_ms))
        fail_unreachable(where() + "cannot read the offsets of " + name + "[" + std::to_string(partition.id) +
                         "]: " + rd_kafka_err2str(err));
      ranges.push_back({scans.size() - 1, partition.id, low, high, low >= high});
    }
  }

  // --since: each partition from its first message at or after that time (-1: none).
  if (since_ms && !ranges.empty()) {
    const auto list = kafka::new_partition_list(static_cast<int>(ranges.size()));
    for (const auto& range : ranges)
      rd_kafka_topic_partition_list_add(list.get(), scans[range.scan].topic.c_str(), range.partition)->offset = *since_ms;
    if (const auto err = rd_kafka_offsets_for_times(rk, list.get(), timeout_ms))
      fail_unreachable(where() + "cannot look up offsets by time: " + rd_kafka_err2str(err));
    for (int i = 0; i < list->cnt; ++i) {
      const auto& element = list->elems[i];
      if (element.err)
        fail_unreachable(where() + "cannot look up offsets by time in " + element.topic + "[" +
                         std::to_string(element.partition) + "]: " + rd_kafka_err2str(element.err));
      auto& range = ranges[static_cast<size_t>(i)];
      range.start = element.offset < 0 ? range.end : std::max(range.start, element.offset);
      range.done = range.start >= range.end;
    }
  }

  std::map<std::pair<std::string, int32_t>, size_t> index;
  const auto assignment = kafka::new_partition_list(static_cast<int>(std::max<size_t>(1, ranges.size())));
  size_t remaining = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].done) continue;
    const std::string& topic = scans[ranges[i].scan].topic;
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), ranges[i].partition)->offset = ranges[i].start;
    index[{topic, ranges[i].partition}] = i;
    ++remaining;
  }
  if (remaining == 0) return scans;
  if (const auto err = rd_kafka_assign(rk, assignment.get()))
    fail_check(where() + "cannot assign the dead-letter partitions to the reader: " + rd_kafka_err2str(err));

  // Kafka stopping mid-read shows as silence: no message, no end of partition.
  const auto stall = std::chrono::milliseconds(std::max(timeout_ms, 10000));
  auto last_progress = Clock::now();
  while (remaining > 0) {
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> m(rd_kafka_consumer_poll(rk, 100),
                                                                                  &rd_kafka_message_destroy);
    if (!m) {
      if (Clock::now() - last_progress < stall) continue;
      std::string open;
      for (const auto& range : ranges)
        if (!range.done) open += (open.empty() ? "" : ", ") + scans[range.scan].topic + "[" + std::to_string(range.partition) + "]";
      std::string why;
      for (const auto& e : consumer.recent_errors()) why += "; " + e.reason;
      fail_unreachable(where() + "no answer for " + std::to_string(stall.count() / 1000) + " s while reading " + open +
                       why);
    }
    if (!m->rkt) continue;  // a client-level error; recent_errors() keeps it
    const std::string topic = rd_kafka_topic_name(m->rkt);
    const auto found = index.find({topic, m->partition});
    if (found == index.end()) continue;
    Range& range = ranges[found->second];
    if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      spdlog::debug("dlq: reading {}[{}]: {}", topic, m->partition, rd_kafka_message_errstr(m.get()));
      continue;
    }
    last_progress = Clock::now();
    if (range.done) continue;
    // The partition's end as of now (at or past the watermark taken at the start), or the
    // last message before that watermark.
    const bool at_end = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF || m->offset >= range.end - 1;
    if (!m->err && m->offset < range.end) {
      visit(message_from(*m, topic));
      ++scans[range.scan].read;
    }
    if (at_end) {
      range.done = true;
      --remaining;
    }
  }
  rd_kafka_assign(rk, nullptr);
  rd_kafka_consumer_close(rk);  // no group joined: nothing to leave or commit
  return scans;
}

}  // namespace nf::dlq
