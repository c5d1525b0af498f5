#pragma once
// What `ingest` has consumed since its last flush: rows per ClickHouse table (as one
// JSONEachRow body each, so a flush is one insert per table), events still waiting for
// their author, dead letters, the feeds to invalidate, and per partition the offsets the
// batch covers (where to rewind to when it is thrown away, what to commit after it).

#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ingest/event_counts.hpp"
#include "core/ingest/event_decode.hpp"

namespace nf::ingest {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// Where a message came from, for its dead letter.
struct MessageOrigin {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

struct DeadLetter {
  std::string dlq_topic;
  std::string reason;
  MessageOrigin origin;
};

struct EventAwaitingAuthor {
  Event event;
  MessageOrigin origin;
  std::string dlq_topic;
};

struct TableRows {
  std::string body;  // JSONEachRow: one object per line
  size_t rows = 0;
  std::vector<int64_t> source_ts_ms;  // CDC rows: each change's commit time (for novafeed_cdc_event_age_seconds)
};

struct OffsetRange {
  int64_t first = 0;  // the batch's first message: where to rewind to
  int64_t next = 0;   // after its last message: what to commit
};

class PendingBatch {
 public:
  // Counts one consumed message of `topic`/`partition` at `offset`.
  void note_message(const TopicPartition& tp, int64_t offset);
  // `source_ts_ms`: a CDC change's commit time in PostgreSQL, when the message has it.
  void add_row(const std::string& table, const nlohmann::json& row, std::optional<int64_t> source_ts_ms = std::nullopt);
  // The event's row for `events`, and the event to count (not a view) for event_keys_in.
  void add_event(const Event& event, uint64_t author_id, uint32_t received_at);

  std::map<std::string, TableRows> tables;
  std::vector<EventAwaitingAuthor> events_awaiting_author;
  std::vector<CountedEvent> counted_events;  // inserted after `tables` (event_counts.hpp)
  std::vector<DeadLetter> dead_letters;
  std::set<uint64_t> authors_with_new_posts;  // their followers' feeds are stale
  std::set<uint64_t> users_with_stale_feeds;  // a follow or an unfollow, or their own engagement
  // Of those, the users whose own like, comment or share it holds: using the app right now,
  // so their feed is worth recomputing once invalidated (feed_refresher.hpp).
  std::set<uint64_t> users_engaging;
  // CDC: per table, the highest truncate LSN in the batch (truncate.hpp), and the lowest
  // _version of its rows (older than the table's truncate mark → tombstoned again).
  std::map<std::string, uint64_t> truncates;
  std::map<std::string, uint64_t> lowest_versions;
  std::map<TopicPartition, OffsetRange> offsets;

  size_t messages() const { return messages_; }
  bool empty() const { return messages_ == 0; }
  // Time since the batch's first message.
  std::chrono::milliseconds age() const;
  void clear();

 private:
  size_t messages_ = 0;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace nf::ingest
