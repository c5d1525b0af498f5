#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error/error.hpp"
#include "core/seed/copy_format.hpp"
#include "core/seed/dataset.hpp"
#include "core/seed/event_json.hpp"
#include "core/seed/rows.hpp"
#include "core/seed/sizes.hpp"

namespace {

using namespace nf::seed;

constexpr int64_t kNow = 1795428000000;  // 2026-11-23T10:00:00Z, a fixed window end

Sizes test_sizes() {
  SizeRequest request;
  request.scale = "demo";  // 1000 users, 20 follows each, 5000 posts, 50k likes, 10k comments
  request.events = 5000;
  return resolve_sizes(request);
}

// The first `limit` rows of every table and every event, as the COPY lines / JSON that
// would be sent.
std::vector<std::string> first_rows(uint64_t seed, size_t limit) {
  const Dataset d = build_dataset(seed, test_sizes(), kNow);
  std::vector<std::string> out;
  auto collect = [&](const auto& row) {
    std::string line;
    append_copy_line(line, row);
    out.push_back(line);
    return out.size() % limit != 0;
  };
  generate_users(d, collect);
  generate_follows(d, collect);
  generate_posts(d, collect);
  generate_likes(d, collect);
  generate_comments(d, collect);
  size_t events = 0;
  generate_events(d, [&](const EventRow& e) {
    std::string json;
    append_event_json(json, seed, e);
    out.push_back(json);
    return ++events < limit;
  });
  return out;
}

}  // namespace

TEST_CASE("seed: the same seed gives the same rows and event ids, another seed different ones") {
  const auto a = first_rows(42, 200);
  const auto b = first_rows(42, 200);
  const auto c = first_rows(43, 200);
  REQUIRE(a.size() == 6 * 200);
  CHECK(a == b);
  CHECK(a != c);
  // Users are the same for every seed (ids and names), but the follows must differ.
  CHECK(std::vector(a.begin() + 200, a.begin() + 400) != std::vector(c.begin() + 200, c.begin() + 400));
  CHECK_THAT(a.back(), Catch::Contains("\"event_id\":\"seed42-200\""));
  CHECK_THAT(c.back(), Catch::Contains("\"event_id\":\"seed43-200\""));
}

TEST_CASE("seed: rows are the same whatever was generated before them") {
  const Dataset d = build_dataset(7, test_sizes(), kNow);
  std::vector<LikeRow> alone, after;
  generate_likes(d, [&](const LikeRow& r) { alone.push_back(r); return alone.size() < 100; });
  generate_follows(d, [](const FollowRow&) { return true; });
  generate_likes(d, [&](const LikeRow& r) { after.push_back(r); return after.size() < 100; });
  REQUIRE(alone.size() == 100);
  for (size_t i = 0; i < alone.size(); ++i) {
    CHECK(alone[i].user_id == after[i].user_id);
    CHECK(alone[i].post_id == after[i].post_id);
    CHECK(alone[i].created_ms == after[i].created_ms);
  }
}

TEST_CASE("seed: exact counts, no self-follows, no duplicate follows or likes, no liking one's own post") {
  const Sizes sizes = test_sizes();
  const Dataset d = build_dataset(1, sizes, kNow);

  std::set<std::pair<uint64_t, uint64_t>> follows;
  uint64_t follow_rows = 0, self = 0;
  generate_follows(d, [&](const FollowRow& r) {
    ++follow_rows;
    self += r.follower_id == r.followee_id;
    follows.insert({r.follower_id, r.followee_id});
    CHECK(r.follower_id >= 1);
    CHECK(r.followee_id <= sizes.users);
    CHECK(r.created_ms < kNow);
    return true;
  });
  CHECK(follow_rows == sizes.users * sizes.follows_per_user);
  CHECK(follows.size() == follow_rows);
  CHECK(self == 0);

  std::vector<uint64_t> author(sizes.posts + 1);
  std::vector<int64_t> created(sizes.posts + 1);
  uint64_t posts = 0;
  generate_posts(d, [&](const PostRow& r) {
    ++posts;
    CHECK(r.id == posts);
    author[r.id] = r.author_id;
    created[r.id] = r.created_ms;
    CHECK(r.created_ms >= kNow - 72 * kHourMs);
    CHECK(r.created_ms < kNow);
    return true;
  });
  CHECK(posts == sizes.posts);

  std::set<std::pair<uint64_t, uint64_t>> likes;
  uint64_t like_rows = 0, own = 0, before_post = 0;
  generate_likes(d, [&](const LikeRow& r) {
    ++like_rows;
    likes.insert({r.user_id, r.post_id});
    own += author[r.post_id] == r.user_id;
    before_post += r.created_ms < created[r.post_id];
    return true;
  });
  CHECK(like_rows == sizes.likes);
  CHECK(likes.size() == like_rows);
  CHECK(own == 0);
  CHECK(before_post == 0);

  uint64_t comments = 0;
  generate_comments(d, [&](const CommentRow& r) {
    CHECK(r.id == ++comments);
    CHECK(r.created_ms >= created[r.post_id]);
    return true;
  });
  CHECK(comments == sizes.comments);

  uint64_t events = 0, own_events = 0, wrong_author = 0;
  std::map<Action, uint64_t> actions;
  generate_events(d, [&](const EventRow& e) {
    CHECK(e.number == ++events);
    own_events += e.user_id == e.author_id;
    wrong_author += author[e.post_id] != e.author_id;
    ++actions[e.action];
    CHECK(e.ts_ms >= created[e.post_id]);
    CHECK(e.ts_ms < kNow);
    return true;
  });
  CHECK(events == sizes.events);
  CHECK(own_events == 0);
  CHECK(wrong_author == 0);
  // A realistic mix: impressions dominate, then views; likes, comments, shares are rarer.
  CHECK(actions[Action::impression] > actions[Action::view]);
  CHECK(actions[Action::view] > actions[Action::like]);
  CHECK(actions[Action::like] > actions[Action::comment]);
  CHECK(actions[Action::share] > 0);
}

TEST_CASE("seed: a user asked to follow everyone follows every other user once") {
  SizeRequest request;
  request.scale = "small";
  request.users = 30;
  request.follows_per_user = 29;
  request.events = 0;
  const Dataset d = build_dataset(3, resolve_sizes(request), kNow);
  std::set<std::pair<uint64_t, uint64_t>> follows;
  generate_follows(d, [&](const FollowRow& r) {
    CHECK(r.follower_id != r.followee_id);
    follows.insert({r.follower_id, r.followee_id});
    return true;
  });
  CHECK(follows.size() == 30 * 29);
}

TEST_CASE("seed: followee popularity is skewed (power law): the top 1% hold >= 10x their share") {
  SizeRequest request;
  request.scale = "demo";
  request.users = 5000;
  const Sizes sizes = resolve_sizes(request);
  const Dataset d = build_dataset(11, sizes, kNow);
  std::vector<uint64_t> followers(sizes.users + 1, 0);
  generate_follows(d, [&](const FollowRow& r) {
    ++followers[r.followee_id];
    return true;
  });
  std::sort(followers.begin(), followers.end(), std::greater<>());
  const size_t top = sizes.users / 100;
  uint64_t top_followers = 0;
  for (size_t i = 0; i < top; ++i) top_followers += followers[i];
  const double share = static_cast<double>(top_followers) / static_cast<double>(sizes.follows());
  INFO("top 1% of users hold " << share * 100 << "% of follows");
  CHECK(share >= 10 * 0.01);
  // ...and the median account has far fewer followers than the average.
  CHECK(followers[sizes.users / 2] < sizes.follows_per_user);
}

TEST_CASE("seed: likes lean toward popular posts") {
  const Sizes sizes = test_sizes();
  const Dataset d = build_dataset(5, sizes, kNow);
  std::vector<uint64_t> per_post(sizes.posts + 1, 0);
  generate_likes(d, [&](const LikeRow& r) {
    ++per_post[r.post_id];
    return true;
  });
  std::sort(per_post.begin(), per_post.end(), std::greater<>());
  uint64_t top = 0;
  for (size_t i = 0; i < sizes.posts / 100; ++i) top += per_post[i];
  CHECK(static_cast<double>(top) / static_cast<double>(sizes.likes) >= 0.05);  // 5x the top 1%'s share
}

TEST_CASE("seed sizes: scales, overrides, likes and comments follow the posts, bad sizes are usage errors") {
  CHECK(scale_sizes("spec").users == 100'000);
  CHECK(scale_sizes("spec").follows() == 5'000'000);
  CHECK(scale_sizes("spec").posts == 300'000);
  CHECK(scale_sizes("spec").events == 10'000'000);
  CHECK(scale_sizes("demo").follows() == 20'000);
  CHECK(scale_sizes("demo").events == 50'000);

  SizeRequest request;
  request.scale = "small";
  request.posts = 50;
  Sizes s = resolve_sizes(request);
  CHECK(s.likes == 500);
  CHECK(s.comments == 100);
  request.likes = 7;
  CHECK(resolve_sizes(request).likes == 7);

  auto usage_error = [](SizeRequest r) {
    try {
      resolve_sizes(r);
    } catch (const nf::Error& e) {
      return e.code() == nf::ExitCode::usage;
    }
    return false;
  };
  SizeRequest bad;
  bad.scale = "huge";
  CHECK(usage_error(bad));
  bad = {};
  bad.users = 10;
  bad.follows_per_user = 10;  // only 9 others
  CHECK(usage_error(bad));
  bad = {};
  bad.users = 3;
  bad.follows_per_user = 1;
  bad.posts = 1;
  bad.likes = 3;  // only the 2 non-authors can like the one post
  CHECK(usage_error(bad));
}
