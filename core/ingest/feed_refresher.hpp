#pragma once
// Recomputes the cached feed of a user whose own like, comment or share just invalidated
// it (SPEC §4), in the background, so that the page they ask for next is a hit.
//
// Who: a user with an engagement in the flush AND a feed cached at the first UNLINK (they
// asked for it, or were warmed, within the TTL): someone scrolling right now, whose next
// request would otherwise be a miss. Not the followers of a new post's author (50,000 of
// them for a popular one: a storm of computations for users mostly not looking), nor a
// user without a cached feed. When: after the invalidation's second pass (ReinvalidationQueue),
// which would unlink an earlier refresh. How: in batches of the warmer's shape
// (FeedService::warm_batch: four ClickHouse statements per 50 users), on its own thread,
// so the ingest loop never waits for a ranking.
//
// One refresher per ingest process, and a user's events live on one partition, so across
// instances each refresh is done once (a rebalance may do one twice: harmless, it is a
// SET of a fresh feed). Bounded: beyond ingest.refresh_max_pending users waiting, more are
// dropped and counted (their next request is a miss, as without the refresher). A failed
// batch (ClickHouse or Redis down) is dropped and counted, logged at most every 30 s.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace nf::ingest {

// Whether an engagement that Kafka received at `message_ts_ms` (its timestamp; negative when
// the message has none) is still news at `now_ms`: within `max_age_ms` (0: no limit). An older
// one means the ingest is behind (a backlog, a restart): the user's next page has most likely
// been asked for already, and rankings for every engager of a backlog would slow its drain
// (bench/serve --reseed: 2,119 refreshes while 10M seeded events were being ingested).
bool engagement_is_recent(int64_t message_ts_ms, int64_t now_ms, int64_t max_age_ms);

class FeedRefresher {
 public:
  // Ranks and caches the feeds of the users (FeedService::warm_batch), returning how many
  // it cached (a user off the canary's ranked side gets none); throws on failure.
  using Recompute = std::function<size_t(const std::vector<uint64_t>& users, int64_t now_ms)>;
  struct Counts {
    uint64_t refreshed = 0, failed = 0, dropped = 0;
  };
  // Called with the totals so far whenever they change (after each batch, and at once
  // when a push drops users), for the ingest's figures.
  using OnCounts = std::function<void(const Counts&)>;

  static constexpr size_t kBatchUsers = 50;

  FeedRefresher(Recompute recompute, size_t max_pending, OnCounts on_counts);
  ~FeedRefresher();  // stops; what is still waiting is dropped (it was only a head start)
  FeedRefresher(const FeedRefresher&) = delete;
  FeedRefresher& operator=(const FeedRefresher&) = delete;

  void push(const std::set<uint64_t>& users);
  // Blocks until nothing waits and no batch runs (tests, and a clean stop).
  void drain();

 private:
  void run();

  Recompute recompute_;
  size_t max_pending_;
  OnCounts on_counts_;
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::set<uint64_t> pending_;
  bool busy_ = false, stop_ = false;
  Counts counts_;
  std::chrono::steady_clock::time_point last_warning_{};
  std::thread thread_;
};

}  // namespace nf::ingest
