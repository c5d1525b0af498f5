#include "core/metrics/hour_window.hpp"

namespace nf::metrics {

namespace {
int64_t minute_of(int64_t now_ms) { return now_ms >= 0 ? now_ms / 60'000 : -1; }
}  // namespace

void HourWindow::record(int64_t now_ms, bool hit) {
  const int64_t minute = minute_of(now_ms);
  if (minute < 0) return;
  auto& bucket = buckets_[static_cast<size_t>(minute % 60)];
  int64_t held = bucket.minute.load(std::memory_order_acquire);
  if (held < minute && bucket.minute.compare_exchange_strong(held, minute, std::memory_order_acq_rel)) {
    bucket.requests.store(0, std::memory_order_relaxed);
    bucket.hits.store(0, std::memory_order_relaxed);
  }
  if (bucket.minute.load(std::memory_order_acquire) != minute) return;  // a late writer from an older minute
  bucket.requests.fetch_add(1, std::memory_order_relaxed);
  if (hit) bucket.hits.fetch_add(1, std::memory_order_relaxed);
}

HourWindow::Totals HourWindow::totals(int64_t now_ms) const {
  const int64_t minute = minute_of(now_ms);
  Totals totals;
  for (const auto& bucket : buckets_) {
    const int64_t held = bucket.minute.load(std::memory_order_acquire);
    if (held < 0 || held > minute || held <= minute - 60) continue;
    totals.requests += bucket.requests.load(std::memory_order_relaxed);
    totals.hits += bucket.hits.load(std::memory_order_relaxed);
  }
  return totals;
}

}  // namespace nf::metrics
