#pragma once
// The shared facts every generated table is drawn from: who is popular, how many
// accounts each user follows, which user wrote each post and when, how attractive each
// post is, how active each user is. Small (a few numbers per user and per post, ~10 MB at
// SPEC scale); the rows themselves are streamed by rows.hpp and never held.
//
// Everything is a pure function of (seed, sizes, now): the same three give the same
// dataset, byte for byte.

#include <cstdint>
#include <vector>

#include "core/seed/sizes.hpp"
#include "core/seed/skewed.hpp"

namespace nf::seed {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

struct Dataset {
  uint64_t seed = 0;
  Sizes sizes;
  int64_t now_ms = 0;           // the end of the window (epoch ms, UTC)
  int64_t window_start_ms = 0;  // now - hours: posts and events fall in [start, now)

  // Users are indexed 0..users-1 (id = index + 1); posts likewise.
  std::vector<uint32_t> popularity_rank;  // rank 0 = the most followed account
  WeightedPicker followee_picker;         // power law (Zipf, s = 1) over popularity
  std::vector<uint32_t> out_degree;       // follows per user, adding up to sizes.follows()
  WeightedPicker activity_picker;         // who likes, comments and sends events (flatter)
  std::vector<uint32_t> likes_by_user;    // likes per user, adding up to sizes.likes

  std::vector<uint32_t> post_author;      // user index of each post's author
  std::vector<int64_t> post_created_ms;   // non-decreasing with the post id
  std::vector<uint32_t> posts_by_author;  // per user
  WeightedPicker post_picker;             // engagement attraction: author popularity x post appeal
  std::vector<uint32_t> comments_per_post;
};

Dataset build_dataset(uint64_t seed, const Sizes& sizes, int64_t now_ms);

}  // namespace nf::seed
