#include "core/metrics/instruments.hpp"

#include <algorithm>
#include <stdexcept>

namespace nf::metrics {

uint64_t HistogramSnapshot::count() const {
  uint64_t total = 0;
  for (auto n : counts) total += n;
  return total;
}

std::optional<double> HistogramSnapshot::quantile(double q) const {
  const uint64_t total = count();
  if (total == 0 || bounds.empty()) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  uint64_t below = 0;  // observations in the buckets before this one
  for (size_t i = 0; i < counts.size(); ++i) {
    const uint64_t cumulative = below + counts[i];
    if (static_cast<double>(cumulative) >= rank && counts[i] > 0) {
      if (i == bounds.size()) return bounds.back();  // in +Inf: no upper edge to interpolate to
      const double lower = i == 0 ? 0.0 : bounds[i - 1];
      const double upper = bounds[i];
      return lower + (upper - lower) * (rank - static_cast<double>(below)) / static_cast<double>(counts[i]);
    }
    below = cumulative;
  }
  return bounds.back();
}

HistogramSnapshot HistogramSnapshot::empty(std::vector<double> bounds) {
  HistogramSnapshot snapshot;
  snapshot.counts.assign(bounds.size() + 1, 0);
  snapshot.bounds = std::move(bounds);
  return snapshot;
}

void HistogramSnapshot::observe(double value) {
  if (counts.size() != bounds.size() + 1) counts.assign(bounds.size() + 1, 0);
  ++counts[static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin())];
  sum += value;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end())
    throw std::logic_error("histogram bounds must be strictly ascending");
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
  // le semantics: a value equal to a bound belongs to that bound's bucket.
  const auto bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot snapshot;
  snapshot.bounds = bounds_;
  snapshot.counts.resize(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) snapshot.counts[i] = counts_[i].load(std::memory_order_relaxed);
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

void Histogram::reset() {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
  sum_.store(0.0, std::memory_order_relaxed);
}

}  // namespace nf::metrics
