#pragma once
// What `dlq list`, `dlq show` and `dlq replay` found and did, as plain data: built while
// the dead-letter topics are read (count_message, keep_shown), rendered by render.hpp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dlq/message.hpp"

namespace nf::dlq {

// One dead-letter topic as read: how many messages were read from it and how many the
// selection kept. A topic that does not exist has nothing dead-lettered to it yet.
struct TopicScan {
  std::string topic;
  bool exists = false;
  int64_t read = 0;
  int64_t matched = 0;
};

// A dead letter as `dlq list` samples it: where, when, and the key and value trimmed.
struct Sample {
  std::string position;  // "events.dlq[0]@42"
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;
  std::optional<std::string> key;    // trimmed
  std::optional<std::string> value;  // trimmed
  std::string reason;                // the exact reason (the summary line is its pattern)
  std::string source;                // "events[3]@1234"
};

// The dead letters of one kind: reason_pattern() of their reasons.
struct ReasonCount {
  std::string pattern;
  int64_t count = 0;
  std::map<std::string, int64_t> by_source_topic;  // "" when the headers do not say
  int64_t first_ms = -1, last_ms = -1;             // dead-lettered first and last
  std::vector<Sample> samples;                     // the first few
};

struct ListReport {
  std::vector<TopicScan> topics;
  std::optional<int64_t> since_ms;
  int64_t total = 0;                 // messages counted
  std::vector<ReasonCount> reasons;  // most frequent first once finish_list() ran
};

struct ShowReport {
  std::vector<TopicScan> topics;
  std::optional<int64_t> since_ms;
  int64_t matched = 0;            // every selected message
  std::vector<Message> messages;  // the first `limit` of them, in topic, partition, offset order
};

// A selected dead letter replay did not produce, and why.
struct Skipped {
  std::string position;
  std::string why;
};

// One message replay produced (or would, with --dry-run): to its source topic.
struct Replayed {
  std::string position;  // in the dead-letter topic
  std::string topic;     // where it went: novafeed.source.topic
  int32_t partition = -1;  // the source partition; -1: the partitioner's choice (by key)
  std::string reason;
};

struct ReplayReport {
  std::vector<TopicScan> topics;
  std::optional<int64_t> since_ms;
  bool dry_run = false;
  int64_t matched = 0;
  std::vector<Replayed> replayed;
  std::vector<Skipped> skipped;     // cannot be replayed (no source, no such topic): exit 1
  std::vector<Skipped> duplicates;  // the same source message as an earlier one: replayed once

  // Produced (or planned, with --dry-run) per source topic.
  std::map<std::string, int64_t> per_topic() const;
};

// Adds one selected message to the summary, keeping up to `samples_per_reason` samples
// of each kind (values trimmed to kSampleBytes).
inline constexpr size_t kSampleBytes = 120;
void count_message(ListReport& report, const Message& message, size_t samples_per_reason);
// Orders the kinds most frequent first (then by pattern), once every message is counted.
void finish_list(ListReport& report);

// `text` cut to at most `max_bytes` bytes (never inside a UTF-8 sequence) with "…" when
// cut; control characters shown as \n, \t, \xNN, so a sample is one line.
std::string trim_for_display(std::string_view text, size_t max_bytes);
// The same escaping without a bound: a value shown in full on one line.
std::string escape_control(std::string_view text);

}  // namespace nf::dlq
