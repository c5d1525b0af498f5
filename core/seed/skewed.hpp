#pragma once
// Skewed choices: power-law (Zipf-Mandelbrot) weights over a random ranking of items,
// sampling by inverse CDF, and splitting a total into per-item counts that follow the
// weights and add up exactly. Weights are 1 / (rank + 1 + offset): divisions and sums
// in a fixed order, so the same seed gives the same numbers on every platform (no pow).

#include <cstdint>
#include <vector>

#include "core/seed/random.hpp"

namespace nf::seed {

// A random permutation as "rank of item i" (rank 0 is the head of the distribution).
std::vector<uint32_t> random_ranks(uint32_t count, Rng& rng);

// weight[i] = 1 / (ranks[i] + 1 + offset). offset 0 is classic Zipf (s = 1); a larger
// offset flattens the head.
std::vector<double> zipf_weights(const std::vector<uint32_t>& ranks, double offset);

// Picks item i with probability weight[i] / sum(weights).
class WeightedPicker {
 public:
  WeightedPicker() = default;
  explicit WeightedPicker(const std::vector<double>& weights);

  uint32_t pick(Rng& rng) const;
  uint32_t size() const { return static_cast<uint32_t>(cumulative_.size()); }

 private:
  std::vector<double> cumulative_;
};

// Splits `total` into one count per weight, proportional to the weights (a cumulative
// floor, so the counts add up to exactly `total`), none above `cap`: what a capped item
// cannot take goes to the next items with room, in order. Requires total <= cap * size.
std::vector<uint32_t> allocate_counts(const std::vector<double>& weights, uint64_t total, uint64_t cap);
// The same with a cap per item; requires total <= sum(caps).
std::vector<uint32_t> allocate_counts(const std::vector<double>& weights, uint64_t total,
                                      const std::vector<uint64_t>& caps);

}  // namespace nf::seed
