#include "core/ingest/batch.hpp"

#include <algorithm>

namespace nf::ingest {

void PendingBatch::note_message(const TopicPartition& tp, int64_t offset) {
  if (messages_ == 0) started_ = std::chrono::steady_clock::now();
  ++messages_;
  auto [it, inserted] = offsets.try_emplace(tp, OffsetRange{offset, offset + 1});
  if (!inserted) {
    it->second.first = std::min(it->second.first, offset);
    it->second.next = std::max(it->second.next, offset + 1);
  }
}

void PendingBatch::add_row(const std::string& table, const nlohmann::json& row, std::optional<int64_t> source_ts_ms) {
  auto& rows = tables[table];
  if (source_ts_ms) rows.source_ts_ms.push_back(*source_ts_ms);
  // Invalid UTF-8 (never from Debezium's JSON, but cheap to guard) becomes U+FFFD rather
  // than an exception halfway through a batch.
  rows.body += row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  rows.body += '\n';
  ++rows.rows;
}

void PendingBatch::add_event(const Event& event, uint64_t author_id, uint32_t received_at) {
  add_row("events", event_row(event, author_id, received_at));
  if (auto counted = counted_event(event, author_id)) counted_events.push_back(std::move(*counted));
}

std::chrono::milliseconds PendingBatch::age() const {
  if (messages_ == 0) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
}

void PendingBatch::clear() { *this = PendingBatch(); }

}  // namespace nf::ingest
