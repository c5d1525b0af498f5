// IngestLoop's flush: everything a batch holds reaches ClickHouse (and the dead-letter
// topics) before the offsets after it are recorded and committed. Each step removes what
// it finished from the batch, so a retry after a failure redoes only what failed.
#include <algorithm>
#include <ctime>
#include <iterator>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/ingest/ingest_loop.hpp"
#include "core/ingest/offset_store.hpp"
#include "core/time/clock.hpp"

namespace nf::ingest {

bool IngestLoop::try_flush() {
  try {
    flush();
    return true;
  } catch (const std::exception& e) {
    metrics_.update([](MetricsSnapshot& m) { ++m.failed_flushes; });
    spdlog::error("ingest: flushing {} messages failed, nothing committed (retrying): {}", batch_.messages(), e.what());
    return false;
  }
}

void IngestLoop::flush() {
  resolve_authors();
  insert_tables();
  apply_truncates();
  count_events();
  deliver_dead_letters();
  invalidate_feeds();
  std::map<TopicPartition, int64_t> next_offsets;
  for (const auto& [tp, range] : batch_.offsets) next_offsets[tp] = range.next;
  record_offsets(clickhouse_, group_, next_offsets);
  commit(next_offsets);
  metrics_.update([](MetricsSnapshot& m) { ++m.flushes; });
  batch_.clear();
}

// Events written without author_id get it from PostgreSQL; a post PostgreSQL does not
// have makes the event a dead letter. PostgreSQL down fails the flush (retried): that is
// no fault of the message.
void IngestLoop::resolve_authors() {
  auto& waiting = batch_.events_awaiting_author;
  if (waiting.empty()) return;
  std::set<uint64_t> posts;
  for (const auto& e : waiting) posts.insert(e.event.post_id);
  const auto authors = postgres_.post_authors(posts);
  const auto now = static_cast<uint32_t>(std::time(nullptr));
  for (auto& e : waiting) {
    const auto it = authors.find(e.event.post_id);
    if (it != authors.end())
      batch_.add_event(e.event, it->second, now);
    else
      batch_.dead_letters.push_back({e.dlq_topic,
                                     "author_id: post " + std::to_string(e.event.post_id) +
                                         " is not in PostgreSQL, so its author cannot be resolved",
                                     std::move(e.origin)});
  }
  waiting.clear();
}

void IngestLoop::insert_tables() {
  for (auto it = batch_.tables.begin(); it != batch_.tables.end();) {
    const auto started = Clock::now();
    clickhouse_.insert(it->first, "JSONEachRow", it->second.body);
    metrics_.record_insert(it->first, it->second.rows, Clock::now() - started);
    if (!it->second.source_ts_ms.empty()) {
      const int64_t now_ms = time::now_ms();
      metrics_.update([&](MetricsSnapshot& m) {
        for (const auto ts : it->second.source_ts_ms)
          m.cdc_event_age.observe(std::max<double>(0.0, static_cast<double>(now_ms - ts) / 1000.0));
      });
    }
    it = batch_.tables.erase(it);
  }
}

// Each truncate of the batch (its mark, then its tombstones), then the tombstones again
// for every table whose rows in this batch are older than its mark as read now (a change
// consumed after the truncate, here or by another process): truncate.hpp. The caches
// computed from a truncated table are dropped (best effort, like invalidate_feeds).
void IngestLoop::apply_truncates() {
  if (batch_.truncates.empty() && batch_.lowest_versions.empty()) return;
  for (const auto& [name, lsn] : batch_.truncates) {
    const CdcTable* table = find_cdc_table(name);
    apply_truncate(clickhouse_, *table, lsn);
    spdlog::info("ingest: applied a TRUNCATE of {} (LSN {}): its older rows are deleted in ClickHouse", name, lsn);
  }
  const TruncateMarks marks = read_truncate_marks(clickhouse_);
  for (const auto& [name, lowest] : batch_.lowest_versions) {
    const auto applied = batch_.truncates.find(name);
    if (!covered_by_truncate(marks, name, lowest) ||
        (applied != batch_.truncates.end() && applied->second >= marks.at(name)))
      continue;
    clickhouse_.execute(tombstone_rows_sql(*find_cdc_table(name), marks.at(name)));
    spdlog::info("ingest: rows of {} older than its TRUNCATE (LSN {}) arrived after it: deleted again", name,
                 marks.at(name));
  }
  for (const auto& [name, lsn] : marks) truncate_marks_[name] = std::max(truncate_marks_[name], lsn);
  std::set<std::string> patterns;
  for (const auto& [name, lsn] : batch_.truncates)
    for (auto& pattern : caches_stale_after_truncate(name)) patterns.insert(std::move(pattern));
  batch_.truncates.clear();
  batch_.lowest_versions.clear();
  if (patterns.empty()) return;
  try {
    redis::Connection redis(redis_);
    for (const auto& pattern : patterns)
      spdlog::info("ingest: dropped {} cached values under {} (computed from truncated rows)",
                   redis::unlink_matching(redis, pattern), pattern);
  } catch (const Error& e) {
    spdlog::warn("ingest: cached values computed from truncated rows not dropped (they expire within their TTL): {}",
                 e.what());
  }
}

// After `events` (a crash in between replays the batch, whose keys are not there yet):
// the batch's events not counted before, in one INSERT that writes keys and counts
// together (event_counts.hpp). A replay or a resent event finds its key and adds nothing.
// The batch keeps its events until the insert succeeded, so a retried flush counts them.
void IngestLoop::count_events() {
  if (batch_.counted_events.empty()) return;
  const auto started = Clock::now();
  auto events = unique_keys(batch_.counted_events);
  const size_t considered = events.size();
  events = not_counted(std::move(events), clickhouse_.query(counted_already_query(events)));
  const size_t counted_before = considered - events.size();
  if (!events.empty()) {
    clickhouse_.insert("event_keys_in", "TabSeparated", event_keys_in_body(events));
    metrics_.record_insert("event_keys_in", events.size(), Clock::now() - started);
    std::set<uint64_t> posts;
    for (const auto& e : events) posts.insert(e.post_id);
    count_changes_.publish(posts);
  }
  batch_.counted_events.clear();
  if (counted_before) {
    metrics_.update([counted_before](MetricsSnapshot& m) { m.events_counted_before += counted_before; });
    spdlog::info("ingest: {} of {} events were counted before (a replay or a resend), not counted again", counted_before,
                 considered);
  }
}

void IngestLoop::deliver_dead_letters() {
  auto& letters = batch_.dead_letters;
  if (letters.empty()) return;
  dead_letters_.deliver(letters, std::chrono::seconds(30));
  for (size_t i = 0; i < letters.size() && i < 10; ++i)
    spdlog::warn("ingest: dead-lettered {}[{}]@{} to {}: {}", letters[i].origin.topic, letters[i].origin.partition,
                 letters[i].origin.offset, letters[i].dlq_topic, letters[i].reason);
  if (letters.size() > 10) spdlog::warn("ingest: … and {} more dead letters", letters.size() - 10);
  std::map<std::string, size_t> per_topic;
  for (const auto& letter : letters) ++per_topic[letter.dlq_topic];
  for (const auto& [topic, count] : per_topic) metrics_.record_dead_letters(topic, count);
  letters.clear();
}

// After the insert, so a feed recomputed right away already sees the new post or follow.
void IngestLoop::invalidate_feeds() {
  std::set<uint64_t> users = std::move(batch_.users_with_stale_feeds);
  batch_.users_with_stale_feeds.clear();
  if (!batch_.authors_with_new_posts.empty()) {
    try {
      for (const auto follower : postgres_.followers_of(batch_.authors_with_new_posts)) users.insert(follower);
    } catch (const Error& e) {
      spdlog::warn("ingest: followers of {} authors not found, their feeds not invalidated (they expire within 120 s): {}",
                   batch_.authors_with_new_posts.size(), e.what());
    }
    batch_.authors_with_new_posts.clear();
  }
  // Who engaged and had a feed cached is scrolling now: theirs is recomputed after the
  // second pass (feed_refresher.hpp), or at once when there is none.
  std::set<uint64_t> had_feed;
  const size_t sent = feeds_.invalidate(users, refresh_ ? &had_feed : nullptr);
  if (sent) metrics_.update([sent](MetricsSnapshot& m) { m.feeds_invalidated += sent; });
  std::set<uint64_t> refresh;
  std::set_intersection(had_feed.begin(), had_feed.end(), batch_.users_engaging.begin(), batch_.users_engaging.end(),
                        std::inserter(refresh, refresh.end()));
  batch_.users_engaging.clear();
  if (second_pass_.delay().count() > 0) second_pass_.push(ReinvalidationQueue::Clock::now(), users, refresh);
  else refresh_feeds(refresh);
}

void IngestLoop::invalidate_again(bool everything) {
  if (second_pass_.empty()) return;
  const auto due = second_pass_.take_due(ReinvalidationQueue::Clock::now(), everything);
  if (!due.users.empty()) feeds_.invalidate(due.users);
  // Not at stop: the process is leaving, and a feed computed now would be its last act.
  if (!everything) refresh_feeds(due.refresh);
}

// Synchronous. A failure (e.g. the group is rebalancing) loses nothing: ingest_offsets
// already holds these positions, and the next owner starts at the higher of the two.
void IngestLoop::commit(const std::map<TopicPartition, int64_t>& next_offsets) {
  if (next_offsets.empty()) return;
  const auto list = kafka::new_partition_list(static_cast<int>(next_offsets.size()));
  for (const auto& [tp, next] : next_offsets)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = next;
  if (const auto err = rd_kafka_commit(consumer_->get(), list.get(), 0))
    spdlog::warn("ingest: Kafka commit failed ({}); ingest_offsets holds the positions", rd_kafka_err2str(err));
}

}  // namespace nf::ingest
