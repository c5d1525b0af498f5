#pragma once
// The seed generator's own PRNG: xoshiro256** seeded through splitmix64. Written out here
// rather than taken from <random> because std:: distributions differ between standard
// libraries, and `seed` promises the same rows for the same --seed everywhere. Only
// integer arithmetic and exactly-rounded IEEE operations are used.

#include <cstdint>
#include <string_view>

namespace nf::seed {

constexpr uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a, to turn a stream name ("follows") into a number.
constexpr uint64_t stream_tag(std::string_view name) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return hash;
}

class Rng {
 public:
  // One independent stream per (seed, name): each table draws from its own stream, so
  // generating one table never shifts another's rows.
  Rng(uint64_t seed, std::string_view stream) {
    uint64_t state = seed ^ stream_tag(stream);
    for (auto& word : s_) word = splitmix64(state);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) for n > 0 (Lemire's multiply-shift; the bias is below 2^-40 for the
  // sizes used here, and the result is the same on every platform).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }

  // Uniform in [lo, hi) for lo < hi; lo when the range is empty.
  int64_t between(int64_t lo, int64_t hi) {
    return hi <= lo ? lo : lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo)));
  }

  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace nf::seed
