#pragma once
// The generated rows, one stream per table, in the order they are loaded. Each stream
// draws from its own random stream (seed, table), so rows do not depend on which other
// tables were generated, and a caller that stops after K rows sees the same K rows.
//
// Times: users joined in the year before the follow span; follows were made in the 30
// days before the window and during it; posts fall in the window; likes and comments
// come after their post and before `now`.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/seed/dataset.hpp"

namespace nf::seed {

struct UserRow {
  uint64_t id;
  int64_t created_ms;
};
struct FollowRow {
  uint64_t follower_id, followee_id;
  int64_t created_ms;
};
struct PostRow {
  uint64_t id, author_id;
  int64_t created_ms;
  std::string caption;
};
struct LikeRow {
  uint64_t user_id, post_id;
  int64_t created_ms;
};
struct CommentRow {
  uint64_t id, post_id, user_id;
  int64_t created_ms;
  std::string body;
};

enum class Action { impression, view, like, comment, share };
std::string_view action_name(Action action);

struct EventRow {
  uint64_t number;  // 1..events; the event id is "seed<S>-<number>"
  uint64_t user_id, post_id, author_id;
  Action action;
  int64_t ts_ms;
  uint64_t dwell_ms;
};

// Each calls `emit` once per row, in load order, and stops early when it returns false.
void generate_users(const Dataset& d, const std::function<bool(const UserRow&)>& emit);
void generate_follows(const Dataset& d, const std::function<bool(const FollowRow&)>& emit);
void generate_posts(const Dataset& d, const std::function<bool(const PostRow&)>& emit);
void generate_likes(const Dataset& d, const std::function<bool(const LikeRow&)>& emit);
void generate_comments(const Dataset& d, const std::function<bool(const CommentRow&)>& emit);
void generate_events(const Dataset& d, const std::function<bool(const EventRow&)>& emit);

// "user42": usernames are unique because ids are.
std::string username(uint64_t id);

}  // namespace nf::seed
