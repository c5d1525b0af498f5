#pragma once
// Feed requests and cache hits of the last hour, in one-minute buckets, for the "last_hour"
// of GET /api/v1/feed/metrics (doctor's cache check reads it). Lock-free: a cache hit only
// pays two relaxed atomic adds. A bucket is reset by the first request of its new minute;
// a request racing that reset may be lost (a dashboard figure, not billing).

#include <array>
#include <atomic>
#include <cstdint>

namespace nf::metrics {

class HourWindow {
 public:
  void record(int64_t now_ms, bool hit);

  struct Totals {
    uint64_t requests = 0, hits = 0;
  };
  // The 60 minutes ending with the one holding `now_ms`.
  Totals totals(int64_t now_ms) const;

 private:
  struct Bucket {
    std::atomic<int64_t> minute{-1};
    std::atomic<uint64_t> requests{0}, hits{0};
  };
  std::array<Bucket, 60> buckets_;
};

}  // namespace nf::metrics
