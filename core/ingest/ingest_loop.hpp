#pragma once
// The consumer loop behind run_ingest (ingest.hpp): one thread, librdkafka's event API
// (messages and rebalances come from one queue, so a rebalance is handled between two
// messages, with the pending batch at hand).

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>

#include "core/clickhouse/client.hpp"
#include "core/config/config.hpp"
#include "core/ingest/batch.hpp"
#include "core/ingest/cdc_tables.hpp"
#include "core/ingest/count_changes.hpp"
#include "core/ingest/dead_letter.hpp"
#include "core/ingest/feed_invalidation.hpp"
#include "core/ingest/ingest.hpp"
#include "core/ingest/instance_id.hpp"
#include "core/ingest/postgres_lookups.hpp"
#include "core/ingest/truncate.hpp"
#include "core/kafka/handle.hpp"

namespace nf::ingest {

// What a subscribed topic carries and where its dead letters go.
struct Route {
  const CdcTable* table = nullptr;  // nullptr: the events topic
  std::string dlq_topic;
};

// Topic → route for `streams` (cdc, events, all); throws nf::Error(usage) for a CDC table
// novafeed has no ClickHouse table for.
std::map<std::string, Route> routes_for(const config::Config& config, const std::string& streams);

class IngestLoop {
 public:
  IngestLoop(const config::Config& config, const IngestRequest& request, IngestMetrics& metrics);
  ~IngestLoop();

  IngestSummary run(const std::atomic<bool>& stop);

 private:
  using Clock = std::chrono::steady_clock;

  // Consuming (ingest_loop.cpp).
  void handle_event(rd_kafka_event_t* event);
  void handle_message(const rd_kafka_message_t& message);
  void on_rebalance(rd_kafka_event_t* event);
  void assign(const rd_kafka_topic_partition_list_t* partitions);
  void revoke(const rd_kafka_topic_partition_list_t* partitions);
  void set_start_offsets(rd_kafka_topic_partition_list_t* partitions);
  void discard_batch(const rd_kafka_topic_partition_list_t* revoked);
  void set_paused(bool paused);
  // Lag in messages per assigned partition and in seconds per topic, into the figures.
  void refresh_lag();
  void log_metrics();
  void close();
  bool cooperative() const;

  // Flushing (flush.cpp).
  bool try_flush();
  bool flush_due(Clock::time_point now) const;
  void flush();
  void resolve_authors();
  void insert_tables();
  // After insert_tables: the batch's truncates, and its rows older than a truncate mark.
  void apply_truncates();
  void count_events();
  void deliver_dead_letters();
  void invalidate_feeds();
  // The due second passes of earlier invalidations (ReinvalidationQueue); all at stop.
  void invalidate_again(bool everything);
  // Hands users to the feed refresher (nothing when ingest.refresh_feeds is off).
  void refresh_feeds(const std::set<uint64_t>& users);
  // A user's own like, comment or share, in a message Kafka received at `message_ts_ms`.
  void note_engagement(uint64_t user, int64_t message_ts_ms);
  void commit(const std::map<TopicPartition, int64_t>& next_offsets);

  const IngestRequest request_;
  IngestMetrics& metrics_;
  std::string group_;
  // ingest.instance_id, claimed on this host (nullopt: dynamic membership); and the
  // group.instance.id librdkafka ended up with (-X may set one too), for messages.
  std::optional<InstanceId> instance_;
  std::string static_member_id_;
  size_t batch_rows_;
  std::chrono::milliseconds batch_ms_;
  std::chrono::milliseconds idle_flush_ms_;  // 0: never early
  long kafka_timeout_ms_;
  std::map<std::string, Route> routes_;
  ch::Client clickhouse_;
  DeadLetterProducer dead_letters_;
  PostgresLookups postgres_;
  FeedInvalidator feeds_;
  CountChangePublisher count_changes_;  // after each insert of counted events
  ReinvalidationQueue second_pass_;
  redis::Settings redis_;         // the caches a truncate makes stale (truncate.hpp)
  TruncateMarks truncate_marks_;  // as last read from cdc_truncates, plus what this process applied

  struct QueueDestroy {
    void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
  };
  std::unique_ptr<kafka::Handle> consumer_;
  std::unique_ptr<rd_kafka_queue_t, QueueDestroy> queue_;  // after consumer_: destroyed first

  // The feed refresher (feed_refresher.hpp) and what it ranks with; null when
  // ingest.refresh_feeds is off. Defined in ingest_loop.cpp.
  struct Refresh;
  std::unique_ptr<Refresh> refresh_;
  int64_t refresh_max_age_ms_ = 0;  // ingest.refresh_max_age_ms

  PendingBatch batch_;
  uint64_t consumed_ = 0;
  bool paused_ = false;
  bool closed_ = false;
  Clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{1000};
  Clock::time_point last_message_at_ = Clock::now();
  // Per partition: the Kafka timestamp (epoch ms) of the last message consumed (lag_seconds).
  std::map<TopicPartition, int64_t> last_timestamp_ms_;
  Clock::time_point last_flush_at_{};
};

}  // namespace nf::ingest
