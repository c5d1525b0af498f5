#pragma once
// The three Prometheus instruments, safe to update from any thread without a lock: serve
// records every request (~20k/s) from many worker threads.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace nf::metrics {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }
  void reset() { value_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// What a histogram held at one moment: per-bucket (not cumulative) counts, the last one
// being +Inf, so count() is always the sum of the buckets.
struct HistogramSnapshot {
  std::vector<double> bounds;    // upper bounds in seconds, ascending
  std::vector<uint64_t> counts;  // bounds.size() + 1
  double sum = 0;
  uint64_t count() const;
  // The q-quantile (0..1) estimated as Prometheus's histogram_quantile() does: linear
  // within the bucket holding it, 0 as the lower edge of the first bucket, and the highest
  // finite bound when it falls in +Inf. Empty: nullopt.
  std::optional<double> quantile(double q) const;

  // An empty histogram with these bounds, and one observation added: for figures kept
  // under their owner's lock (the ingest's) rather than in atomics.
  static HistogramSnapshot empty(std::vector<double> bounds);
  void observe(double value);
};

class Histogram {
 public:
  // `bounds`: upper bounds (le), ascending, finite; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  HistogramSnapshot snapshot() const;
  void reset();
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1, last is +Inf
  std::atomic<double> sum_{0.0};
};

}  // namespace nf::metrics
