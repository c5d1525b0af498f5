#include "core/seed/skewed.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace nf::seed {

std::vector<uint32_t> random_ranks(uint32_t count, Rng& rng) {
  std::vector<uint32_t> ranks(count);
  std::iota(ranks.begin(), ranks.end(), 0U);
  // Fisher-Yates with our own generator (std::shuffle's use of the URBG is unspecified).
  for (uint32_t i = count; i > 1; --i) std::swap(ranks[i - 1], ranks[rng.below(i)]);
  return ranks;
}

std::vector<double> zipf_weights(const std::vector<uint32_t>& ranks, double offset) {
  std::vector<double> weights(ranks.size());
  for (size_t i = 0; i < ranks.size(); ++i) weights[i] = 1.0 / (static_cast<double>(ranks[i]) + 1.0 + offset);
  return weights;
}

WeightedPicker::WeightedPicker(const std::vector<double>& weights) : cumulative_(weights.size()) {
  double sum = 0;
  for (size_t i = 0; i < weights.size(); ++i) cumulative_[i] = sum += weights[i];
}

uint32_t WeightedPicker::pick(Rng& rng) const {
  if (cumulative_.empty()) throw std::logic_error("WeightedPicker::pick on no items");
  const double target = rng.unit() * cumulative_.back();
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), target);
  return static_cast<uint32_t>(std::min<size_t>(it - cumulative_.begin(), cumulative_.size() - 1));
}

std::vector<uint32_t> allocate_counts(const std::vector<double>& weights, uint64_t total, uint64_t cap) {
  return allocate_counts(weights, total, std::vector<uint64_t>(weights.size(), cap));
}

std::vector<uint32_t> allocate_counts(const std::vector<double>& weights, uint64_t total,
                                      const std::vector<uint64_t>& caps) {
  std::vector<uint32_t> counts(weights.size(), 0);
  if (weights.empty() || total == 0) return counts;
  uint64_t room_total = 0;
  for (const uint64_t cap : caps) room_total += cap;
  if (caps.size() != weights.size() || total > room_total)
    throw std::invalid_argument("allocate_counts: total exceeds the sum of the caps");
  double weight_sum = 0;
  for (const double w : weights) weight_sum += w;
  const double scale = static_cast<double>(total) / weight_sum;
  uint64_t given = 0, overflow = 0;
  double running = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    running += weights[i];
    const uint64_t upto = i + 1 == weights.size()
                              ? total
                              : std::min<uint64_t>(total, static_cast<uint64_t>(std::floor(running * scale)));
    const uint64_t want = upto > given ? upto - given : 0;
    given += want;
    const uint64_t take = std::min(want, caps[i]);
    counts[i] = static_cast<uint32_t>(take);
    overflow += want - take;
  }
  for (size_t i = 0; overflow > 0; i = (i + 1) % counts.size()) {
    const uint64_t room = caps[i] - counts[i];
    const uint64_t take = std::min(room, overflow);
    counts[i] += static_cast<uint32_t>(take);
    overflow -= take;
  }
  return counts;
}

}  // namespace nf::seed
