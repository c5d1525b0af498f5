// The feed refresher's queue: batches of at most 50 users, each user once however often
// pushed, the bound (dropped and counted at once), a failing batch counted and the next one
// still done, only the feeds cached counted as refreshed. The ranking itself is the warmer's (tested with the real stack in ingest_test).
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

#include "core/ingest/feed_refresher.hpp"

using nf::ingest::FeedRefresher;

namespace {

struct Recorder {
  std::mutex mutex;
  std::vector<std::vector<uint64_t>> batches;
  std::set<uint64_t> fail_when;  // a batch holding one of these throws
  std::set<uint64_t> skip;       // no feed cached for these (as for a user off the canary's ranked side)
  FeedRefresher::Counts last;

  FeedRefresher::Recompute recompute() {
    return [this](const std::vector<uint64_t>& users, int64_t now_ms) {
      REQUIRE(now_ms > 0);
      std::lock_guard lock(mutex);
      batches.push_back(users);
      size_t cached = 0;
      for (const auto user : users) {
        if (fail_when.count(user)) throw std::runtime_error("ClickHouse said no");
        cached += skip.count(user) ? 0 : 1;
      }
      return cached;
    };
  }
  FeedRefresher::OnCounts on_counts() {
    return [this](const FeedRefresher::Counts& counts) {
      std::lock_guard lock(mutex);
      last = counts;
    };
  }
};

std::set<uint64_t> range(uint64_t from, uint64_t to) {
  std::set<uint64_t> out;
  for (uint64_t u = from; u <= to; ++u) out.insert(u);
  return out;
}

}  // namespace

TEST_CASE("feed refresher: every user pushed is recomputed, in batches of at most 50, not twice while waiting") {
  Recorder recorder;
  FeedRefresher refresher(recorder.recompute(), 10'000, recorder.on_counts());
  refresher.push(range(1, 120));
  refresher.push(range(100, 130));  // 100..120 may still wait: not twice while waiting
  refresher.drain();
  std::lock_guard lock(recorder.mutex);
  std::multiset<uint64_t> seen;
  for (const auto& batch : recorder.batches) {
    CHECK(batch.size() <= FeedRefresher::kBatchUsers);
    seen.insert(batch.begin(), batch.end());
  }
  for (uint64_t u = 1; u <= 130; ++u) CHECK(seen.count(u) >= 1);
  CHECK(seen.size() <= 130 + 21);  // at most the overlap again, if its batch had already started
  CHECK(recorder.last.refreshed == seen.size());
  CHECK(recorder.last.failed == 0);
  CHECK(recorder.last.dropped == 0);
}

TEST_CASE("feed refresher: beyond max_pending users are dropped and counted, and a failed batch is counted while the next is done") {
  Recorder recorder;
  recorder.fail_when = {3};
  FeedRefresher refresher(recorder.recompute(), 5, recorder.on_counts());
  refresher.push({1, 2, 3});
  refresher.drain();
  {
    std::lock_guard lock(recorder.mutex);
    CHECK(recorder.last.failed == 3);
    CHECK(recorder.last.refreshed == 0);
  }
  refresher.push(range(10, 19));  // 10 users at once, room for 5
  refresher.drain();
  std::lock_guard lock(recorder.mutex);
  CHECK(recorder.last.dropped == 5);
  CHECK(recorder.last.refreshed == 5);
  CHECK(recorder.last.failed == 3);
  CHECK(recorder.batches.back() == std::vector<uint64_t>{10, 11, 12, 13, 14});
}

TEST_CASE("feed refresher: an empty push does nothing, and stopping with users waiting returns") {
  Recorder recorder;
  {
    FeedRefresher refresher(recorder.recompute(), 100, recorder.on_counts());
    refresher.push({});
    refresher.drain();
  }
  CHECK(recorder.batches.empty());
}

TEST_CASE("feed refresher: drops are counted at once, while a batch still runs") {
  Recorder recorder;
  std::mutex gate_mutex;
  std::condition_variable gate_changed;
  bool started = false, open = false;
  const auto inner = recorder.recompute();
  FeedRefresher refresher(
      [&](const std::vector<uint64_t>& users, int64_t now_ms) {
        std::unique_lock lock(gate_mutex);
        started = true;
        gate_changed.notify_all();
        gate_changed.wait(lock, [&] { return open; });
        return inner(users, now_ms);
      },
      2, recorder.on_counts());
  refresher.push({1});
  {
    std::unique_lock lock(gate_mutex);
    gate_changed.wait(lock, [&] { return started; });  // user 1's batch runs (and waits): 1 left the queue
  }
  refresher.push(range(2, 5));  // room for 2 of 4
  {
    std::lock_guard lock(recorder.mutex);
    CHECK(recorder.last.dropped == 2);  // no batch has ended since the push
    CHECK(recorder.last.refreshed == 0);
  }
  {
    std::lock_guard lock(gate_mutex);
    open = true;
  }
  gate_changed.notify_all();
  refresher.drain();
  std::lock_guard lock(recorder.mutex);
  CHECK(recorder.last.dropped == 2);
  CHECK(recorder.last.refreshed == 3);
}

TEST_CASE("feed refresher: only the feeds a batch cached count as refreshed") {
  Recorder recorder;
  recorder.skip = {2, 4};
  FeedRefresher refresher(recorder.recompute(), 100, recorder.on_counts());
  refresher.push(range(1, 5));
  refresher.drain();
  std::lock_guard lock(recorder.mutex);
  CHECK(recorder.last.refreshed == 3);
  CHECK(recorder.last.failed == 0);
}

TEST_CASE("feed refresher: an engagement is news within max_age_ms of its Kafka timestamp, always without a limit or a timestamp") {
  using nf::ingest::engagement_is_recent;
  const int64_t now = 1'700'000'000'000;
  CHECK(engagement_is_recent(now, now, 10'000));
  CHECK(engagement_is_recent(now - 10'000, now, 10'000));  // the limit itself is still news
  CHECK_FALSE(engagement_is_recent(now - 10'001, now, 10'000));
  CHECK_FALSE(engagement_is_recent(now - 3'600'000, now, 10'000));  // a backlog an hour deep
  CHECK(engagement_is_recent(now + 5'000, now, 10'000));             // a producer's clock ahead of ours
  CHECK(engagement_is_recent(now - 3'600'000, now, 0));              // 0: no limit
  CHECK(engagement_is_recent(-1, now, 10'000));                      // no timestamp: taken as news
}
