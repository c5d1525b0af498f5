// Serve's in-memory engagement copy: when it is in force, which figures it must not give
// (changed since its read began, replaced while a miss ran, lost subscription, too old),
// how a miss settles them, and the change messages' format.

#include <catch2/catch.hpp>

#include "core/feed/engagement_snapshot.hpp"

namespace {

using nf::feed::EngagementTable;
using nf::feed::SnapshotState;
using namespace std::chrono_literals;

const SnapshotState::Clock::time_point t0{std::chrono::seconds(1000)};

EngagementTable table_of(std::initializer_list<uint64_t> posts, uint64_t likes) {
  EngagementTable table;
  for (const auto post : posts) table[post] = {likes, 0, 0, 100};
  return table;
}

}  // namespace

TEST_CASE("engagement snapshot: nothing before the first read, the read in force after it", "[feed][snapshot]") {
  SnapshotState state(60s);
  CHECK_FALSE(state.view(t0).table);
  const auto ticket = state.begin_refresh(t0);
  REQUIRE(state.install(ticket, table_of({1, 2}, 5), t0 + 1s));
  const auto view = state.view(t0 + 2s);
  REQUIRE(view.table);
  CHECK(view.table->at(1).likes == 5);
  CHECK(state.posts() == 2);
  CHECK(state.stale_among(view, {1, 2}) == std::set<uint64_t>{});
}

TEST_CASE("engagement snapshot: a change heard after the read began is stale until a later read settles it",
          "[feed][snapshot]") {
  SnapshotState state(60s);
  const auto first = state.begin_refresh(t0);
  state.mark({2}, t0 + 500ms);  // during the read: the read may or may not hold it
  REQUIRE(state.install(first, table_of({1, 2, 3}, 5), t0 + 1s));
  state.mark({3}, t0 + 2s);  // after it
  auto view = state.view(t0 + 3s);
  CHECK(state.stale_among(view, {1, 2, 3, 4}) == std::set<uint64_t>{2, 3});

  // A read that began after the change at 500 ms but before the one at 2 s settles only the first.
  const auto second = state.begin_refresh(t0 + 1500ms);
  REQUIRE(state.install(second, table_of({1, 2, 3}, 6), t0 + 2500ms));
  view = state.view(t0 + 3s);
  CHECK(state.stale_among(view, {1, 2, 3}) == std::set<uint64_t>{3});
  CHECK(state.marks() == 1);
}

TEST_CASE("engagement snapshot: a miss whose copy was replaced while it ran must read every figure",
          "[feed][snapshot]") {
  SnapshotState state(60s);
  REQUIRE(state.install(state.begin_refresh(t0), table_of({1}, 5), t0));
  const auto old_view = state.view(t0 + 1s);
  REQUIRE(state.install(state.begin_refresh(t0 + 2s), table_of({1}, 7), t0 + 3s));
  CHECK_FALSE(state.stale_among(old_view, {1}).has_value());
  CHECK(state.stale_among(state.view(t0 + 4s), {1}) == std::set<uint64_t>{});
}

TEST_CASE("engagement snapshot: a reset (subscription lost or re-made, '*') drops the copy and refuses a read begun "
          "before it", "[feed][snapshot]") {
  SnapshotState state(60s);
  REQUIRE(state.install(state.begin_refresh(t0), table_of({1}, 5), t0));
  const auto view = state.view(t0 + 1s);
  const auto in_flight = state.begin_refresh(t0 + 2s);
  state.mark({1}, t0 + 2s);
  state.reset();
  CHECK_FALSE(state.view(t0 + 3s).table);
  CHECK_FALSE(state.stale_among(view, {1}).has_value());
  CHECK(state.marks() == 0);
  CHECK_FALSE(state.install(in_flight, table_of({1}, 6), t0 + 3s));
  CHECK_FALSE(state.view(t0 + 3s).table);
  REQUIRE(state.install(state.begin_refresh(t0 + 4s), table_of({1}, 8), t0 + 5s));
  CHECK(state.view(t0 + 6s).table->at(1).likes == 8);
}

TEST_CASE("engagement snapshot: a copy older than its maximum age is not given", "[feed][snapshot]") {
  SnapshotState state(60s);
  REQUIRE(state.install(state.begin_refresh(t0), table_of({1}, 5), t0));
  CHECK(state.view(t0 + 60s).table);
  CHECK_FALSE(state.view(t0 + 61s).table);
}

TEST_CASE("engagement snapshot: settle reads again only the stale candidates that came from the copy, and a post "
          "with no counts any more loses its figures", "[feed][snapshot]") {
  SnapshotState state(60s);
  REQUIRE(state.install(state.begin_refresh(t0), table_of({1, 2, 3}, 5), t0));
  state.mark({2, 3, 9}, t0 + 1s);  // 9: not a candidate
  const auto view = state.view(t0 + 2s);

  nf::feed::FetchedCandidates fetched;
  fetched.input.sources.follow = {{1, 100, 0}, {2, 100, 0}, {4, 101, 0}};  // 4: not in the copy, read by the fetch
  fetched.input.sources.trending = {{3, 102, 0}};
  for (const uint64_t post : {1, 2, 3}) fetched.input.engagement[post] = view.table->at(post);
  fetched.input.engagement[4] = {1, 1, 1, 10};
  std::set<uint64_t> asked;
  nf::feed::settle_engagement(fetched, view, state, [&](const std::set<uint64_t>& posts) {
    asked = posts;
    return EngagementTable{{2, {9, 0, 0, 100}}};  // 3 has no counts now
  });
  CHECK(asked == std::set<uint64_t>{2, 3});
  CHECK(fetched.input.engagement.at(1).likes == 5);
  CHECK(fetched.input.engagement.at(2).likes == 9);
  CHECK(fetched.input.engagement.count(3) == 0);
  CHECK(fetched.input.engagement.at(4).likes == 1);
  REQUIRE(fetched.timings.size() == 1);
  CHECK(fetched.timings[0].stage == "engagement changed since the snapshot (2 posts)");

  SECTION("nothing changed: no read") {
    nf::feed::FetchedCandidates clean;
    clean.input.sources.follow = {{1, 100, 0}};
    clean.input.engagement[1] = view.table->at(1);
    bool read = false;
    nf::feed::settle_engagement(clean, view, state, [&](const std::set<uint64_t>&) {
      read = true;
      return EngagementTable{};
    });
    CHECK_FALSE(read);
    CHECK(clean.timings.empty());
  }
  SECTION("the copy replaced meanwhile: every figure that came from it is read") {
    REQUIRE(state.install(state.begin_refresh(t0 + 3s), table_of({1, 2, 3}, 6), t0 + 4s));
    nf::feed::FetchedCandidates again;
    again.input.sources.follow = {{1, 100, 0}, {4, 101, 0}};
    std::set<uint64_t> reread;
    nf::feed::settle_engagement(again, view, state, [&](const std::set<uint64_t>& posts) {
      reread = posts;
      return EngagementTable{};
    });
    CHECK(reread == std::set<uint64_t>{1});
  }
}

TEST_CASE("engagement snapshot: change messages - ids separated by spaces, while '*' and garbage mean everything",
          "[feed][snapshot]") {
  using nf::feed::parse_changed_posts;
  CHECK(parse_changed_posts("1 22 333") == std::vector<uint64_t>{1, 22, 333});
  CHECK(parse_changed_posts("18446744073709551615") == std::vector<uint64_t>{18446744073709551615ULL});
  CHECK(parse_changed_posts("") == std::vector<uint64_t>{});
  CHECK_FALSE(parse_changed_posts("*").has_value());
  CHECK_FALSE(parse_changed_posts("1 x 3").has_value());
  CHECK_FALSE(parse_changed_posts("1,2").has_value());
  CHECK_FALSE(parse_changed_posts("-1").has_value());
  CHECK_FALSE(parse_changed_posts("18446744073709551616").has_value());
}
