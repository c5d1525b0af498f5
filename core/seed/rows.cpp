#include "core/seed/rows.hpp"

#include <algorithm>
#include <array>

namespace nf::seed {

namespace {

constexpr int64_t kFollowSpanMs = 30 * kDayMs;  // follows before the window
constexpr int64_t kJoinSpanMs = 365 * kDayMs;   // users joined before that

constexpr std::array<std::string_view, 32> kWords = {
    "sunset", "coffee", "weekend", "city",   "beach",  "friends", "travel", "food",
    "music",  "today",  "new",     "love",   "mood",   "summer",  "winter", "throwback",
    "hike",   "art",    "street",  "night",  "garden", "dog",     "cat",    "morning",
    "road",   "trip",   "lake",    "coast",  "market", "rain",    "light",  "home"};

void append_words(std::string& out, Rng& rng, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    if (i > 0) out += ' ';
    out += kWords[rng.below(kWords.size())];
  }
}

// Draws `count` distinct items with `draw`, refusing those `taken` (and marking the ones
// it keeps with `stamp`). When the skewed draw keeps hitting taken items (a user who
// follows nearly everyone), the rest are the first free items in index order, which is
// deterministic too.
template <typename Draw>
void draw_distinct(uint32_t count, uint32_t stamp, std::vector<uint32_t>& mark, std::vector<uint32_t>& out,
                   Draw draw) {
  out.clear();
  const uint64_t max_attempts = 16ULL * count + 64;
  for (uint64_t attempt = 0; out.size() < count && attempt < max_attempts; ++attempt) {
    const uint32_t item = draw();
    if (mark[item] == stamp) continue;
    mark[item] = stamp;
    out.push_back(item);
  }
  for (uint32_t item = 0; out.size() < count && item < mark.size(); ++item) {
    if (mark[item] == stamp) continue;
    mark[item] = stamp;
    out.push_back(item);
  }
  std::sort(out.begin(), out.end());  // key order: index-friendly COPY
}

}  // namespace

std::string_view action_name(Action action) {
  switch (action) {
    case Action::impression: return "impression";
    case Action::view: return "view";
    case Action::like: return "like";
    case Action::comment: return "comment";
    case Action::share: return "share";
  }
  return "impression";
}

std::string username(uint64_t id) { return "user" + std::to_string(id); }

void generate_users(const Dataset& d, const std::function<bool(const UserRow&)>& emit) {
  Rng rng(d.seed, "users");
  const int64_t end = d.window_start_ms - kFollowSpanMs, start = end - kJoinSpanMs;
  const auto users = d.sizes.users;
  for (uint64_t i = 0; i < users; ++i) {
    const double slot = (static_cast<double>(i) + rng.unit()) / static_cast<double>(users);
    if (!emit({i + 1, start + static_cast<int64_t>(slot * static_cast<double>(end - start))})) return;
  }
}

void generate_follows(const Dataset& d, const std::function<bool(const FollowRow&)>& emit) {
  Rng rng(d.seed, "follows");
  const auto users = static_cast<uint32_t>(d.sizes.users);
  std::vector<uint32_t> mark(users, 0), followees;
  for (uint32_t u = 0; u < users; ++u) {
    mark[u] = u + 1;  // never oneself
    draw_distinct(d.out_degree[u], u + 1, mark, followees, [&] { return d.followee_picker.pick(rng); });
    for (const uint32_t f : followees)
      if (!emit({u + 1ULL, f + 1ULL, rng.between(d.window_start_ms - kFollowSpanMs, d.now_ms)})) return;
  }
}

void generate_posts(const Dataset& d, const std::function<bool(const PostRow&)>& emit) {
  Rng rng(d.seed, "posts");
  PostRow row;
  for (uint64_t p = 0; p < d.post_author.size(); ++p) {
    row.id = p + 1;
    row.author_id = d.post_author[p] + 1ULL;
    row.created_ms = d.post_created_ms[p];
    row.caption.clear();
    append_words(row.caption, rng, 2 + rng.below(6));
    row.caption += " #";
    row.caption += kWords[rng.below(kWords.size())];
    if (!emit(row)) return;
  }
}

void generate_likes(const Dataset& d, const std::function<bool(const LikeRow&)>& emit) {
  Rng rng(d.seed, "likes");
  const auto users = static_cast<uint32_t>(d.sizes.users);
  const auto posts = static_cast<uint32_t>(d.post_author.size());
  // Each author's posts (counting sort by author), to rule out liking one's own.
  std::vector<uint32_t> first_post(users + 1, 0), own_posts(posts);
  for (uint32_t u = 0; u < users; ++u) first_post[u + 1] = first_post[u] + d.posts_by_author[u];
  std::vector<uint32_t> fill(first_post.begin(), first_post.end() - 1);
  for (uint32_t p = 0; p < posts; ++p) own_posts[fill[d.post_author[p]]++] = p;

  std::vector<uint32_t> mark(posts, 0), liked;
  for (uint32_t u = 0; u < users; ++u) {
    if (d.likes_by_user[u] == 0) continue;
    for (uint32_t i = first_post[u]; i < first_post[u + 1]; ++i) mark[own_posts[i]] = u + 1;
    draw_distinct(d.likes_by_user[u], u + 1, mark, liked, [&] { return d.post_picker.pick(rng); });
    for (const uint32_t p : liked)
      if (!emit({u + 1ULL, p + 1ULL, rng.between(d.post_created_ms[p], d.now_ms)})) return;
  }
}

void generate_comments(const Dataset& d, const std::function<bool(const CommentRow&)>& emit) {
  Rng rng(d.seed, "comments");
  CommentRow row;
  row.id = 0;
  for (uint32_t p = 0; p < d.comments_per_post.size(); ++p) {
    for (uint32_t c = 0; c < d.comments_per_post[p]; ++c) {
      row.id += 1;
      row.post_id = p + 1ULL;
      row.user_id = d.activity_picker.pick(rng) + 1ULL;
      row.created_ms = rng.between(d.post_created_ms[p], d.now_ms);
      row.body.clear();
      append_words(row.body, rng, 1 + rng.below(8));
      if (!emit(row)) return;
    }
  }
}

void generate_events(const Dataset& d, const std::function<bool(const EventRow&)>& emit) {
  Rng rng(d.seed, "events");
  const auto users = static_cast<uint32_t>(d.sizes.users);
  EventRow row;
  for (uint64_t n = 1; n <= d.sizes.events; ++n) {
    const uint32_t post = d.post_picker.pick(rng);
    const uint32_t author = d.post_author[post];
    uint32_t user = d.activity_picker.pick(rng);
    for (int retry = 0; user == author && retry < 8; ++retry) user = d.activity_picker.pick(rng);
    if (user == author) user = (author + 1) % users;
    // Mostly impressions and views; likes, comments and shares are the rarer signals.
    const uint64_t roll = rng.below(1000);
    row.action = roll < 700   ? Action::impression
                 : roll < 900 ? Action::view
                 : roll < 960 ? Action::like
                 : roll < 980 ? Action::comment
                              : Action::share;
    row.number = n;
    row.user_id = user + 1ULL;
    row.post_id = post + 1ULL;
    row.author_id = author + 1ULL;
    row.ts_ms = rng.between(d.post_created_ms[post], d.now_ms);
    row.dwell_ms = row.action == Action::view ? 500 + rng.below(29'500) : 0;
    if (!emit(row)) return;
  }
}

}  // namespace nf::seed
