#include "core/ingest/ingest_loop.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <set>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/feed/feed_service.hpp"
#include "core/ingest/cdc_decode.hpp"
#include "core/ingest/event_decode.hpp"
#include "core/ingest/feed_refresher.hpp"
#include "core/ingest/offset_store.hpp"
#include "core/kafka/metadata.hpp"
#include "core/kafka/topics.hpp"
#include "core/process/instance.hpp"
#include "core/redis/channels.hpp"
#include "core/time/clock.hpp"

namespace nf::ingest {
namespace {

using kafka::PartitionList;

// How often the lag figures are refreshed (from librdkafka's cached watermarks: no request).
constexpr auto kLagEvery = std::chrono::seconds(1);

std::string describe_partitions(const rd_kafka_topic_partition_list_t* list) {
  std::map<std::string, std::string> by_topic;
  for (int i = 0; i < list->cnt; ++i) {
    auto& text = by_topic[list->elems[i].topic];
    text += (text.empty() ? "" : ",") + std::to_string(list->elems[i].partition);
  }
  std::string out;
  for (const auto& [topic, partitions] : by_topic) out += (out.empty() ? "" : " ") + topic + "[" + partitions + "]";
  return out.empty() ? "nothing" : out;
}

std::optional<std::string> bytes_of(const void* data, size_t size) {
  if (!data) return std::nullopt;
  return std::string(static_cast<const char*>(data), size);
}

// Fails early, with what to do, when the schema or the topics are missing: otherwise the
// service would retry inserts into a table that does not exist forever.
void check_prerequisites(const ch::Client& clickhouse, const kafka::Settings& kafka_settings,
                         const std::map<std::string, Route>& routes) {
  std::set<std::string> needed = {"ingest_offsets"};
  for (const auto& [topic, route] : routes) {
    needed.insert(route.table ? route.table->name : "events");
    if (route.table) needed.insert("cdc_truncates");
  }
  std::set<std::string> present;
  for (const auto& row : clickhouse.query("SELECT name FROM system.tables WHERE database = currentDatabase()"))
    present.insert(row.at("name").get<std::string>());
  for (const auto& table : needed)
    if (!present.contains(table))
      fail_check("ClickHouse has no table " + clickhouse.settings().database + "." + table +
                 ": run `novafeed schema apply` first");

  const auto metadata = kafka::fetch_metadata(kafka_settings);
  std::set<std::string> topics;
  for (const auto& [topic, route] : routes) {
    topics.insert(topic);
    topics.insert(route.dlq_topic);
  }
  for (const auto& topic : topics)
    if (!metadata.find_topic(topic))
      fail_check("Kafka has no topic '" + topic + "' (brokers " + kafka::bootstrap_servers(kafka_settings) +
                 "): create it (scripts/stack up creates the local ones)");
}

}  // namespace

std::map<std::string, Route> routes_for(const config::Config& config, const std::string& streams) {
  if (streams != "cdc" && streams != "events" && streams != "all")
    fail_usage("ingest: '" + streams + "' is not one of cdc, events, all");
  std::map<std::string, Route> routes;
  if (streams != "events") {
    for (const auto& name : config.get_list("cdc.tables")) {
      const CdcTable* table = find_cdc_table(name);
      if (!table) fail_usage("cdc.tables: novafeed has no ClickHouse table for '" + name + "'");
      routes[kafka::cdc_topic(config, name)] = {table, config.get("ingest.cdc_dlq_topic")};
    }
  }
  if (streams != "cdc") routes[config.get("kafka.events_topic")] = {nullptr, config.get("ingest.events_dlq_topic")};
  return routes;
}

namespace {

ch::Settings insert_settings(const config::Config& config) {
  auto settings = ch::settings_from(config);
  // clickhouse.timeout_ms bounds the feed's queries (2 s); a batch insert feeding two
  // materialized views may take longer, and a timed-out insert is retried whole anyway.
  settings.timeout_ms = std::max<long>(settings.timeout_ms, 30000);
  return settings;
}

}  // namespace

// The refresher ranks with a feed service of its own (its own Redis pool, ClickHouse
// client and trending memo), as the warmer does; warm_batch skips the users off the
// canary's ranked side (they are served the timeline, never a cached ranked feed).
struct IngestLoop::Refresh {
  redis::Pool redis;
  feed::FeedService feeds;
  FeedRefresher refresher;  // declared last: stopped before what it uses goes

  Refresh(const config::Config& config, size_t max_pending, IngestMetrics& metrics)
      : redis(redis::settings_from(config)),
        feeds(config, redis),
        refresher(
            [this](const std::vector<uint64_t>& users, int64_t now_ms) { return feeds.warm_batch(users, now_ms).size(); },
            max_pending,
            [&metrics](const FeedRefresher::Counts& counts) {
              metrics.update([&counts](MetricsSnapshot& m) {
                m.feeds_refreshed = counts.refreshed;
                m.feed_refreshes_failed = counts.failed;
                m.feed_refreshes_dropped = counts.dropped;
              });
            }) {}
};

IngestLoop::IngestLoop(const config::Config& config, const IngestRequest& request, IngestMetrics& metrics)
    : request_(request),
      metrics_(metrics),
      group_(config.get("ingest.group")),
      batch_rows_(static_cast<size_t>(std::max<int64_t>(1, config.get_int("ingest.batch_rows")))),
      batch_ms_(std::max<int64_t>(1, config.get_int("ingest.batch_ms"))),
      idle_flush_ms_(std::max<int64_t>(0, config.get_int("ingest.idle_flush_ms"))),
      kafka_timeout_ms_(config.get_int("kafka.timeout_ms")),
      routes_(routes_for(config, request.streams)),
      clickhouse_(insert_settings(config)),
      dead_letters_(kafka::settings_from(config), group_),
      postgres_(pg::settings_from(config)),
      feeds_(redis::settings_from(config)),
      count_changes_(redis::settings_from(config), redis::post_counts_channel(config.get("clickhouse.database"))),
      second_pass_(std::chrono::milliseconds(std::max<int64_t>(0, config.get_int("ingest.reinvalidate_ms")))),
      redis_(redis::settings_from(config)) {
  if (group_.empty()) fail_usage("ingest.group is empty: name the consumer group");
  // Checked with the refresh off too: a bad value is refused now, not when it is turned on.
  const auto refresh_max_pending = static_cast<size_t>(config.get_non_negative_int("ingest.refresh_max_pending"));
  refresh_max_age_ms_ = config.get_non_negative_int("ingest.refresh_max_age_ms");
  if (config.get_bool("ingest.refresh_feeds"))
    refresh_ = std::make_unique<Refresh>(config, refresh_max_pending, metrics_);
  const auto kafka_settings = kafka::settings_from(config);
  check_prerequisites(clickhouse_, kafka_settings, routes_);
  if (request.streams != "events") truncate_marks_ = read_truncate_marks(clickhouse_);

  const std::string origin = "ingest";
  std::vector<kafka::Property> properties = {{"group.id", group_, "ingest.group"},
                                             {"enable.auto.commit", "false", origin},
                                             {"enable.auto.offset.store", "false", origin},
                                             {"auto.offset.reset", "earliest", origin},
                                             {"enable.partition.eof", "false", origin},
                                             // A member's death (its session timing out) is heard
                                             // within a second, not librdkafka's 3 s.
                                             {"heartbeat.interval.ms", "1000", origin}};
  // Static membership (instance_id.hpp): a restarted process gets its partitions back at once.
  instance_ = claim_instance_id(config.get("ingest.instance_id"), group_, request.streams, process::this_instance().host);
  if (instance_) properties.push_back({"group.instance.id", instance_->id, "ingest.instance_id"});
  auto conf = kafka::make_conf(kafka_settings, properties);
  static_member_id_ = conf.value("group.instance.id").value_or("");
  // Rebalances arrive as events on the consumer queue, between two messages.
  rd_kafka_conf_set_events(conf.get(), RD_KAFKA_EVENT_REBALANCE);
  consumer_ = std::make_unique<kafka::Handle>(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_t* rk = consumer_->get();
  rd_kafka_poll_set_consumer(rk);
  queue_.reset(rd_kafka_queue_get_consumer(rk));

  auto topics = kafka::new_partition_list(static_cast<int>(routes_.size()));
  for (const auto& [topic, route] : routes_) rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (const auto err = rd_kafka_subscribe(rk, topics.get()))
    fail_check("cannot subscribe to " + describe_partitions(topics.get()) + ": " + rd_kafka_err2str(err));
  // Every series the dashboards plot exists from the start (0, not "no data").
  metrics_.update([this](MetricsSnapshot& m) {
    for (const auto& [topic, route] : routes_) {
      m.inserted_rows.try_emplace(route.table ? route.table->name : "events", 0);
      if (!route.table) m.inserted_rows.try_emplace("event_keys_in", 0);
      m.dead_lettered_by_topic.try_emplace(route.dlq_topic, 0);
      m.lag_seconds.try_emplace(topic, 0.0);
    }
  });
  std::string names;
  for (const auto& [topic, route] : routes_) names += (names.empty() ? "" : ", ") + topic;
  spdlog::info("ingest: group {} consuming {}; batches of {} messages or {} ms", group_, names, batch_rows_,
               batch_ms_.count());
  if (!static_member_id_.empty())
    spdlog::info("ingest: static member '{}' of group {} (ingest.instance_id{})", static_member_id_, group_,
                 instance_ && instance_->derived ? "=auto" : "");
}

void IngestLoop::refresh_feeds(const std::set<uint64_t>& users) {
  if (refresh_) refresh_->refresher.push(users);
}

IngestLoop::~IngestLoop() {
  // After an exception: leave the group without flushing (nothing uncommitted is lost).
  if (closed_ || !consumer_) return;
  batch_.clear();
  close();
}

// Full, or old enough; or early: nothing has arrived for idle_flush_ms (the consumer has
// caught up, so waiting longer only delays what is in hand), and the last flush is at least
// half of batch_ms ago (a steady trickle still makes at most four inserts a second at the
// defaults). Under load messages keep arriving, so batches stay full-sized.
bool IngestLoop::flush_due(Clock::time_point now) const {
  if (batch_.messages() >= batch_rows_ || batch_.age() >= batch_ms_) return true;
  return idle_flush_ms_.count() > 0 && now - last_message_at_ >= idle_flush_ms_ && now - last_flush_at_ >= batch_ms_ / 2;
}

bool IngestLoop::cooperative() const {
  return std::strcmp(rd_kafka_rebalance_protocol(consumer_->get()), "COOPERATIVE") == 0;
}

IngestSummary IngestLoop::run(const std::atomic<bool>& stop) {
  IngestSummary summary;
  auto next_log = Clock::now() + request_.metrics_interval;
  auto next_lag = Clock::now() + kLagEvery;
  while (true) {
    const auto now = Clock::now();
    if (stop) summary.stopped_by = "signal";
    else if (request_.max_messages && consumed_ >= *request_.max_messages) summary.stopped_by = "max-messages";
    else if (request_.idle_exit && batch_.empty() && now - last_message_at_ >= *request_.idle_exit) summary.stopped_by = "idle";
    if (!summary.stopped_by.empty()) break;

    // A short wait while a batch is pending, so an early flush is not late by a poll.
    const int wait_ms = batch_.empty() || idle_flush_ms_.count() == 0 ? 100 : 20;
    if (rd_kafka_event_t* event = rd_kafka_queue_poll(queue_.get(), wait_ms)) {
      handle_event(event);
      rd_kafka_event_destroy(event);
    }
    if (!batch_.empty() && Clock::now() >= retry_at_ && flush_due(Clock::now())) {
      if (try_flush()) {
        last_flush_at_ = Clock::now();
        backoff_ = std::chrono::milliseconds(1000);
        if (paused_) set_paused(false);
      } else {
        // Keep the batch (the steps done are not redone) and stop fetching until the retry.
        retry_at_ = Clock::now() + backoff_;
        backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, std::chrono::seconds(30));
        if (!paused_) set_paused(true);
      }
    }
    invalidate_again(false);
    if (Clock::now() >= next_lag) {
      refresh_lag();
      next_lag = Clock::now() + kLagEvery;
    }
    if (Clock::now() >= next_log) {
      log_metrics();
      next_log = Clock::now() + request_.metrics_interval;
    }
  }

  spdlog::info("ingest: stopping ({}): flushing {} pending messages", summary.stopped_by, batch_.messages());
  if (!batch_.empty() && !try_flush()) {
    summary.uncommitted = batch_.messages();
    spdlog::warn("ingest: {} messages not committed; Kafka redelivers them to the next consumer", summary.uncommitted);
    batch_.clear();
  }
  invalidate_again(true);
  close();
  log_metrics();
  summary.metrics = metrics_.snapshot();
  return summary;
}

void IngestLoop::handle_event(rd_kafka_event_t* event) {
  switch (rd_kafka_event_type(event)) {
    case RD_KAFKA_EVENT_FETCH:
      while (const rd_kafka_message_t* message = rd_kafka_event_message_next(event)) handle_message(*message);
      break;
    case RD_KAFKA_EVENT_REBALANCE:
      on_rebalance(event);
      break;
    case RD_KAFKA_EVENT_ERROR:
      if (rd_kafka_event_error_is_fatal(event)) {
        char reason[512] = {0};
        const auto cause = rd_kafka_fatal_error(consumer_->get(), reason, sizeof reason);
        // Another member joined with our group.instance.id: it has our partitions now.
        if (cause == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID || cause == RD_KAFKA_RESP_ERR__FENCED)
          fail_fenced(group_, static_member_id_, instance_ && instance_->derived, reason);
        fail_check(std::string("Kafka consumer: fatal: ") + rd_kafka_event_error_string(event));
      }
      spdlog::warn("ingest: Kafka: {}", rd_kafka_event_error_string(event));
      break;
    default:
      break;
  }
}

void IngestLoop::handle_message(const rd_kafka_message_t& message) {
  if (message.err) {
    if (message.err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
      spdlog::warn("ingest: Kafka consumer: {}", rd_kafka_message_errstr(&message));
    return;
  }
  // Past --max-messages: left unconsumed (and uncommitted) for the next run.
  if (request_.max_messages && consumed_ >= *request_.max_messages) return;
  const std::string topic = rd_kafka_topic_name(message.rkt);
  const auto route = routes_.find(topic);
  if (route == routes_.end()) return;
  ++consumed_;
  last_message_at_ = Clock::now();
  batch_.note_message({topic, message.partition}, message.offset);
  const int64_t message_ts_ms = rd_kafka_message_timestamp(&message, nullptr);
  if (message_ts_ms >= 0) last_timestamp_ms_[{topic, message.partition}] = message_ts_ms;
  metrics_.update([](MetricsSnapshot& m) { ++m.consumed; });

  const std::optional<std::string_view> value =
      message.payload ? std::optional<std::string_view>(std::string_view(static_cast<const char*>(message.payload), message.len))
                      : std::nullopt;
  const std::string_view key = message.key ? std::string_view(static_cast<const char*>(message.key), message.key_len) : "";
  const auto origin = [&] {
    return MessageOrigin{topic, message.partition, message.offset, bytes_of(message.key, message.key_len),
                         bytes_of(message.payload, message.len)};
  };
  const auto now = static_cast<uint32_t>(std::time(nullptr));

  if (const CdcTable* table = route->second.table) {
    auto change = decode_cdc_message(*table, key, value);
    if (!change) {
      batch_.dead_letters.push_back({route->second.dlq_topic, change.error(), origin()});
      return;
    }
    if (!*change) {
      metrics_.update([](MetricsSnapshot& m) { ++m.tombstones; });
      return;
    }
    if ((*change)->op == 't') {
      auto& lsn = batch_.truncates[table->name];
      lsn = std::max(lsn, (*change)->version);
      return;
    }
    // Older than a truncate of its table: the row is gone in PostgreSQL (truncate.hpp).
    if (covered_by_truncate(truncate_marks_, table->name, (*change)->version)) return;
    auto [lowest, first] = batch_.lowest_versions.try_emplace(table->name, (*change)->version);
    if (!first) lowest->second = std::min(lowest->second, (*change)->version);
    auto& row = (*change)->row;
    row["_ingested_at"] = now;
    batch_.add_row(table->name, row, (*change)->source_ts_ms);
    // Snapshot reads (r) are not news: only a new post and a (un)follow make feeds stale.
    if (table->name == "posts" && (*change)->op == 'c' && !(*change)->deleted)
      batch_.authors_with_new_posts.insert(row["author_id"].get<uint64_t>());
    if (table->name == "follows" && ((*change)->op == 'c' || (*change)->op == 'd'))
      batch_.users_with_stale_feeds.insert(row["follower_id"].get<uint64_t>());
    // SPEC §4: a user's own like or comment changes their feed (seen set, affinity).
    if ((table->name == "likes" || table->name == "comments") && (*change)->op == 'c')
      note_engagement(row["user_id"].get<uint64_t>(), message_ts_ms);
    return;
  }

  if (!value) {
    batch_.dead_letters.push_back({route->second.dlq_topic, "value is null", origin()});
    return;
  }
  auto event = decode_event(*value);
  if (!event) {
    batch_.dead_letters.push_back({route->second.dlq_topic, event.error(), origin()});
    return;
  }
  // SPEC §4: a user's own like, comment or share makes their cached feed stale (their seen
  // set and affinity changed); impressions and views do not (they would defeat the cache).
  if (event->action == "like" || event->action == "comment" || event->action == "share")
    note_engagement(event->user_id, message_ts_ms);
  if (event->author_id) batch_.add_event(*event, *event->author_id, now);
  else batch_.events_awaiting_author.push_back({std::move(*event), origin(), route->second.dlq_topic});
}

// The user's feed is stale; it is refreshed only when the engagement is news (a backlog's
// are not: feed_refresher.hpp, engagement_is_recent).
void IngestLoop::note_engagement(uint64_t user, int64_t message_ts_ms) {
  batch_.users_with_stale_feeds.insert(user);
  if (!refresh_) return;
  if (engagement_is_recent(message_ts_ms, time::now_ms(), refresh_max_age_ms_)) batch_.users_engaging.insert(user);
  else metrics_.update([](MetricsSnapshot& m) { ++m.feed_refreshes_late; });
}

void IngestLoop::on_rebalance(rd_kafka_event_t* event) {
  const auto* partitions = rd_kafka_event_topic_partition_list(event);
  switch (rd_kafka_event_error(event)) {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
      assign(partitions);
      break;
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
      revoke(partitions);
      break;
    default:
      spdlog::error("ingest: rebalance failed: {}; dropping the assignment", rd_kafka_event_error_string(event));
      discard_batch(nullptr);
      rd_kafka_assign(consumer_->get(), nullptr);
  }
}

void IngestLoop::assign(const rd_kafka_topic_partition_list_t* partitions) {
  auto list = kafka::copy_partition_list(partitions);
  set_start_offsets(list.get());
  if (cooperative()) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_assign(consumer_->get(), list.get())) {
      spdlog::error("ingest: cannot take the assignment: {}", rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
    }
  } else if (const auto err = rd_kafka_assign(consumer_->get(), list.get())) {
    spdlog::error("ingest: cannot take the assignment: {}", rd_kafka_err2str(err));
  }
  std::string starts;
  for (int i = 0; i < list->cnt; ++i)
    starts += fmt::format("{}{}[{}]@{}", starts.empty() ? "" : " ", list->elems[i].topic, list->elems[i].partition,
                          list->elems[i].offset < 0 ? std::string("committed") : std::to_string(list->elems[i].offset));
  spdlog::info("ingest: assigned {}", starts.empty() ? "nothing" : starts);
}

// A partition starts at the higher of Kafka's committed offset and the one recorded in
// ingest_offsets (both written only after the data before them was inserted).
void IngestLoop::set_start_offsets(rd_kafka_topic_partition_list_t* list) {
  if (const auto err = rd_kafka_committed(consumer_->get(), list, static_cast<int>(kafka_timeout_ms_))) {
    spdlog::warn("ingest: cannot read the committed offsets ({}); starting from ingest_offsets", rd_kafka_err2str(err));
    for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
  }
  std::map<TopicPartition, int64_t> recorded;
  try {
    recorded = recorded_offsets(clickhouse_, group_);
  } catch (const std::exception& e) {
    spdlog::warn("ingest: cannot read ingest_offsets ({}); starting from Kafka's committed offsets", e.what());
  }
  for (int i = 0; i < list->cnt; ++i) {
    auto& elem = list->elems[i];
    const auto it = recorded.find({elem.topic, elem.partition});
    if (it != recorded.end() && it->second > elem.offset) elem.offset = it->second;
  }
}

void IngestLoop::revoke(const rd_kafka_topic_partition_list_t* partitions) {
  spdlog::info("ingest: revoked {}", describe_partitions(partitions));
  // Flush now, while these partitions are still ours; if that fails, drop the batch: it
  // was not committed, so the next owner reads it again.
  if (!batch_.empty() && !try_flush()) discard_batch(partitions);
  if (cooperative()) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(consumer_->get(), partitions)) {
      spdlog::error("ingest: cannot give up {}: {}", describe_partitions(partitions), rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
    }
  } else {
    rd_kafka_assign(consumer_->get(), nullptr);
    paused_ = false;
  }
}

// Drops the pending batch. Partitions that stay assigned (cooperative rebalancing) are
// rewound to the batch's first message, so nothing in it is skipped.
void IngestLoop::discard_batch(const rd_kafka_topic_partition_list_t* revoked) {
  spdlog::warn("ingest: dropping {} uncommitted messages; they will be read again", batch_.messages());
  if (revoked && cooperative()) {
    auto rewind = kafka::new_partition_list(static_cast<int>(batch_.offsets.size()));
    for (const auto& [tp, range] : batch_.offsets)
      if (!rd_kafka_topic_partition_list_find(revoked, tp.topic.c_str(), tp.partition))
        rd_kafka_topic_partition_list_add(rewind.get(), tp.topic.c_str(), tp.partition)->offset = range.first;
    if (rewind->cnt > 0)
      if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_->get(), rewind.get(), static_cast<int>(kafka_timeout_ms_))) {
        spdlog::error("ingest: cannot rewind {}: {}", describe_partitions(rewind.get()), rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
      }
  }
  batch_.clear();
  if (paused_) set_paused(false);
}

void IngestLoop::set_paused(bool paused) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(consumer_->get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR || !raw) return;
  PartitionList assignment(raw, &rd_kafka_topic_partition_list_destroy);
  if (paused) rd_kafka_pause_partitions(consumer_->get(), assignment.get());
  else rd_kafka_resume_partitions(consumer_->get(), assignment.get());
  paused_ = paused;
}

void IngestLoop::refresh_lag() {
  std::vector<PartitionPosition> positions;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(consumer_->get(), &raw) == RD_KAFKA_RESP_ERR_NO_ERROR && raw) {
    PartitionList assignment(raw, &rd_kafka_topic_partition_list_destroy);
    rd_kafka_position(consumer_->get(), assignment.get());
    for (int i = 0; i < assignment->cnt; ++i) {
      const auto& elem = assignment->elems[i];
      int64_t low = 0, high = 0;
      if (rd_kafka_get_watermark_offsets(consumer_->get(), elem.topic, elem.partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0 || elem.offset < 0)
        continue;
      PartitionPosition position{elem.topic, elem.partition, std::max<int64_t>(0, high - elem.offset), std::nullopt};
      if (const auto last = last_timestamp_ms_.find({elem.topic, elem.partition}); last != last_timestamp_ms_.end())
        position.last_timestamp_ms = last->second;
      positions.push_back(std::move(position));
    }
  }
  std::vector<std::string> topics;
  for (const auto& [topic, route] : routes_) topics.push_back(topic);
  const int64_t now_ms = time::now_ms();
  metrics_.update([&](MetricsSnapshot& m) { set_lag(m, topics, positions, now_ms); });
}

void IngestLoop::log_metrics() {
  refresh_lag();
  spdlog::info("ingest: {}", render_metrics_line(metrics_.snapshot()));
}

// Leaves the group: the final revocation comes back as a rebalance event on this queue.
void IngestLoop::close() {
  closed_ = true;
  rd_kafka_t* rk = consumer_->get();
  std::unique_ptr<rd_kafka_queue_t, QueueDestroy> close_queue(rd_kafka_queue_new(rk));
  if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(rk, close_queue.get())) {
    spdlog::warn("ingest: closing the consumer: {}", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    return;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!rd_kafka_consumer_closed(rk) && Clock::now() < deadline) {
    if (rd_kafka_event_t* event = rd_kafka_queue_poll(close_queue.get(), 100)) {
      if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE) on_rebalance(event);
      rd_kafka_event_destroy(event);
    }
  }
}

}  // namespace nf::ingest
