#include "core/ingest/feed_refresher.hpp"

#include <spdlog/spdlog.h>

#include "core/process/thread_name.hpp"
#include "core/time/clock.hpp"

namespace nf::ingest {

bool engagement_is_recent(int64_t message_ts_ms, int64_t now_ms, int64_t max_age_ms) {
  return max_age_ms <= 0 || message_ts_ms < 0 || now_ms - message_ts_ms <= max_age_ms;
}

FeedRefresher::FeedRefresher(Recompute recompute, size_t max_pending, OnCounts on_counts)
    : recompute_(std::move(recompute)), max_pending_(max_pending), on_counts_(std::move(on_counts)) {
  thread_ = std::thread([this] {
    process::name_this_thread("nf-refresh");
    run();
  });
}

FeedRefresher::~FeedRefresher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FeedRefresher::push(const std::set<uint64_t>& users) {
  if (users.empty()) return;
  uint64_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto user : users) {
      if (pending_.size() >= max_pending_ && !pending_.count(user)) {
        ++dropped;
        continue;
      }
      pending_.insert(user);
    }
    counts_.dropped += dropped;
    if (dropped && on_counts_) on_counts_(counts_);
  }
  if (dropped)
    spdlog::warn("ingest: {} feed refreshes dropped: {} users already wait (ingest.refresh_max_pending); their next "
                 "request computes the feed",
                 dropped, max_pending_);
  wake_.notify_one();
}

void FeedRefresher::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return stop_ || (pending_.empty() && !busy_); });
}

void FeedRefresher::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
    if (stop_) break;
    std::vector<uint64_t> batch;
    while (!pending_.empty() && batch.size() < kBatchUsers) batch.push_back(pending_.extract(pending_.begin()).value());
    busy_ = true;
    lock.unlock();
    bool ok = true;
    size_t refreshed = 0;
    std::string error;
    try {
      refreshed = recompute_(batch, time::now_ms());
    } catch (const std::exception& e) {
      ok = false;
      error = e.what();
    }
    lock.lock();
    busy_ = false;
    if (ok) {
      counts_.refreshed += refreshed;
    } else {
      counts_.failed += batch.size();
      const auto now = std::chrono::steady_clock::now();
      if (now - last_warning_ >= std::chrono::seconds(30)) {
        last_warning_ = now;
        spdlog::warn("ingest: refreshing the feeds of {} users failed (their next request computes the feed; "
                     "novafeed_ingest_feed_refreshes_failed_total counts them): {}",
                     batch.size(), error);
      }
    }
    if (on_counts_) on_counts_(counts_);
    if (pending_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

}  // namespace nf::ingest
