#include "core/seed/sizes.hpp"

#include <limits>

#include "core/error/error.hpp"

namespace nf::seed {

const std::vector<std::string>& scale_names() {
  static const std::vector<std::string> names = {"spec", "demo", "small"};
  return names;
}

Sizes scale_sizes(std::string_view scale) {
  Sizes s;
  if (scale == "spec") {  // SPEC §6: 100k users, 5M follows, 300k posts in 72 h, 10M events
    s.users = 100'000, s.follows_per_user = 50, s.posts = 300'000, s.events = 10'000'000;
  } else if (scale == "demo") {  // what scripts/run loads
    s.users = 1'000, s.follows_per_user = 20, s.posts = 5'000, s.events = 50'000;
  } else if (scale == "small") {  // tests: a few thousand rows
    s.users = 200, s.follows_per_user = 10, s.posts = 300, s.events = 2'000;
  } else {
    fail_usage("unknown --scale '" + std::string(scale) + "' (use spec, demo or small)");
  }
  s.hours = 72;
  s.likes = s.posts * kLikesPerPost;
  s.comments = s.posts * kCommentsPerPost;
  return s;
}

Sizes resolve_sizes(const SizeRequest& request) {
  Sizes s = scale_sizes(request.scale);
  if (request.users) s.users = *request.users;
  if (request.follows_per_user) s.follows_per_user = *request.follows_per_user;
  if (request.posts) s.posts = *request.posts;
  if (request.hours) s.hours = *request.hours;
  s.likes = request.likes ? *request.likes : s.posts * kLikesPerPost;
  s.comments = request.comments ? *request.comments : s.posts * kCommentsPerPost;
  if (request.events) s.events = *request.events;

  // Ids are 32-bit inside the generator (they fit PostgreSQL's bigint either way).
  constexpr uint64_t id_limit = std::numeric_limits<uint32_t>::max() - 1;
  if (s.users < 2 || s.users > id_limit) fail_usage("--users must be between 2 and " + std::to_string(id_limit));
  if (s.posts > id_limit) fail_usage("--posts must be at most " + std::to_string(id_limit));
  if (s.follows_per_user > s.users - 1)
    fail_usage("--follows-per-user " + std::to_string(s.follows_per_user) + " is more than the " +
               std::to_string(s.users - 1) + " other users there are");
  if (s.hours < 1 || s.hours > 24 * 365) fail_usage("--hours must be between 1 and 8760");
  if (s.posts == 0 && (s.likes > 0 || s.comments > 0 || s.events > 0))
    fail_usage("--likes, --comments and --events need posts to point at (--posts is 0)");
  if (s.likes > s.posts * (s.users - 1))
    fail_usage("--likes " + std::to_string(s.likes) + " is more than one like per user and post allows (" +
               std::to_string(s.posts * (s.users - 1)) + ", authors do not like their own posts)");
  if (s.comments > id_limit) fail_usage("--comments must be at most " + std::to_string(id_limit));
  return s;
}

}  // namespace nf::seed
