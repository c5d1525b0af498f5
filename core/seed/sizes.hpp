#pragma once
// How much `seed` generates: a named scale (spec, demo, small) with any size overridden
// by its own flag. Likes and comments not given follow the posts (10 and 2 per post).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nf::seed {

struct Sizes {
  uint64_t users = 0;
  uint64_t follows_per_user = 0;  // follows = users * follows_per_user, exactly
  uint64_t posts = 0;
  uint64_t hours = 72;            // posts and events spread over the last `hours`
  uint64_t likes = 0;
  uint64_t comments = 0;
  uint64_t events = 0;

  uint64_t follows() const { return users * follows_per_user; }
};

// What the command line asked for; unset sizes come from the scale.
struct SizeRequest {
  std::string scale = "demo";
  std::optional<uint64_t> users, follows_per_user, posts, hours, likes, comments, events;
};

constexpr uint64_t kLikesPerPost = 10;
constexpr uint64_t kCommentsPerPost = 2;

const std::vector<std::string>& scale_names();

// The sizes of a named scale; throws nf::Error(usage) for an unknown name.
Sizes scale_sizes(std::string_view scale);

// Applies the overrides to the scale and checks the result can be generated; throws
// nf::Error(usage) saying which flag is out of range and why.
Sizes resolve_sizes(const SizeRequest& request);

}  // namespace nf::seed
