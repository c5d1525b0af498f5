#pragma once
// Serve's copy of L, C, S, I (SPEC §3) for every post a candidate source can name (the
// widest source window, 72 h by default: ~300k posts at spec scale), so a cache miss does
// not read its ~900 candidates' figures from ClickHouse: that read was more than half of
// a miss's ClickHouse CPU (docs/BENCHMARKS.md, "what the engagement read of a miss
// costs").
//
// Exact, not approximately fresh. The ingest publishes the ids of the posts whose counts
// it changed, after each insert (redis::post_counts_channel); every serve instance hears
// them and re-reads those posts' figures from ClickHouse when they are candidates, until a
// refresh read that began after the message's arrival replaces the copy. A miss thus
// uses what ClickHouse held when its request began, up to the messages in flight (the
// same race a read straight from ClickHouse has with an insert). What the snapshot cannot
// vouch for, it does not give:
//   - no copy while the subscription is down, and none read before it was (re)made;
//   - a refresh that a lost subscription or "*" (seed --truncate) interrupted is thrown away;
//   - a copy older than 4 refresh periods (refreshes failing) is not used;
//   - a miss whose copy was replaced while it ran re-reads every candidate's figures.
// Posts created after the refresh are not in it: the miss reads them, as before.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clickhouse/client.hpp"
#include "core/feed/candidates.hpp"
#include "core/ranking/ranking.hpp"
#include "core/redis/subscription.hpp"

namespace nf::feed {

// The snapshot's bookkeeping without threads or I/O (unit tested): which copy is in
// force, and which posts changed since its read began.
class SnapshotState {
 public:
  using Clock = std::chrono::steady_clock;
  struct View {
    std::shared_ptr<const EngagementTable> table;  // null: nothing usable, read everything
    uint64_t generation = 0;
  };
  // A refresh read about to begin.
  struct Ticket {
    uint64_t epoch = 0;
    Clock::time_point started;
  };

  explicit SnapshotState(std::chrono::milliseconds max_age) : max_age_(max_age) {}

  View view(Clock::time_point now) const;
  Ticket begin_refresh(Clock::time_point now) const;
  // The read of `ticket` done: in force unless a reset came since the ticket (false then).
  // Marks that arrived before the read began are settled by it and dropped.
  bool install(const Ticket& ticket, EngagementTable table, Clock::time_point now);
  // These posts' counts changed (a message heard at `now`).
  void mark(const std::vector<uint64_t>& posts, Clock::time_point now);
  // Anything may have changed (the subscription lost or re-made, "*"): no copy until the
  // next refresh that begins after this.
  void reset();
  // The posts of `candidates` whose figures in `view`'s copy may be stale; nullopt when
  // `view` is no longer the copy in force (then every figure must be read).
  std::optional<std::set<uint64_t>> stale_among(const View& view, const std::vector<uint64_t>& candidates) const;
  size_t posts() const;
  size_t marks() const;

 private:
  std::chrono::milliseconds max_age_;
  mutable std::mutex mutex_;
  std::shared_ptr<const EngagementTable> table_;
  Clock::time_point installed_at_{};
  uint64_t generation_ = 0;  // +1 at each install and each reset
  uint64_t epoch_ = 0;       // +1 at each reset
  std::unordered_map<uint64_t, Clock::time_point> marks_;  // post → when its latest change was heard
};

// After fetch_candidates ran with view.table as `known`: reads again, through `read`, the
// figures of the candidates the copy may have had stale (all that came from the copy when
// `view` is no longer in force), and records it in the timings.
void settle_engagement(FetchedCandidates& fetched, const SnapshotState::View& view, const SnapshotState& state,
                       const std::function<EngagementTable(const std::set<uint64_t>&)>& read);

// A message of redis::post_counts_channel: the post ids, or nullopt for "*" or anything
// unreadable (both mean: anything may have changed).
std::optional<std::vector<uint64_t>> parse_changed_posts(std::string_view payload);

class EngagementSnapshot {
 public:
  using View = SnapshotState::View;
  // Reads `params`' widest source window every `every` (and at once after each reset).
  EngagementSnapshot(const ch::Settings& clickhouse, const redis::Settings& redis, std::string channel,
                     const ranking::Params& params, std::chrono::milliseconds every);
  ~EngagementSnapshot();  // stops and joins
  EngagementSnapshot(const EngagementSnapshot&) = delete;
  EngagementSnapshot& operator=(const EngagementSnapshot&) = delete;

  View view() const { return state_.view(SnapshotState::Clock::now()); }
  // settle_engagement against this snapshot.
  void settle(FetchedCandidates& fetched, const View& view,
              const std::function<EngagementTable(const std::set<uint64_t>&)>& read) const {
    settle_engagement(fetched, view, state_, read);
  }
  size_t posts() const { return state_.posts(); }

 private:
  void refresh_loop();
  void refresh_once();
  void drop_copy();  // a reset, then a read as soon as it can be trusted

  SnapshotState state_;
  ch::Client clickhouse_;
  ranking::Params params_;
  std::chrono::milliseconds every_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool wake_now_ = false;
  bool stop_ = false;
  std::atomic<bool> announced_{false};  // the first copy since a reset is logged at info
  std::thread refresher_;
  redis::Subscription subscription_;  // last: its thread calls into state_ and wake_
};

}  // namespace nf::feed
