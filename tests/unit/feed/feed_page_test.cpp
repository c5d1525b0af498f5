#include <catch2/catch.hpp>

#include "core/error/error.hpp"
#include "core/feed/feed_service.hpp"

using nf::feed::FeedItem;
using nf::ranking::Source;

namespace {

std::vector<FeedItem> items(size_t n) {
  std::vector<FeedItem> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back({1000 + i, 2000 + i, 1'795'000'000'000 - static_cast<int64_t>(i) * 60'000, 1.0 - 0.01 * i,
                   Source::follow});
  return out;
}

}  // namespace

TEST_CASE("feed: FeedPage JSON has the shape of SPEC §4", "[feed]") {
  nf::feed::FeedPage page;
  page.user_id = 42;
  page.algo = "ranked";
  page.cached = true;
  page.computed_at_ms = 1'795'000'000'123;  // 2026-11-18T11:06:40.123Z
  page.items = {FeedItem{7, 8, 1'794'999'000'999, 0.625, Source::trending},
                FeedItem{9, 10, 0, std::nullopt, Source::follow}};
  page.next_cursor = "abc";
  const auto json = nf::feed::to_json(page);
  const auto expected = nlohmann::json::parse(R"({
    "user_id": 42, "algo": "ranked", "cached": true, "computed_at": "2026-11-18T11:06:40.123Z",
    "items": [
      {"post_id": 7, "author_id": 8, "created_at": "2026-11-18T10:50:00Z", "score": 0.625, "source": "trending"},
      {"post_id": 9, "author_id": 10, "created_at": "1970-01-01T00:00:00Z", "score": null, "source": "follow"}
    ],
    "next_cursor": "abc"})");
  CHECK(json == expected);
  page.next_cursor.reset();
  CHECK(nf::feed::to_json(page)["next_cursor"].is_null());
}

TEST_CASE("feed: pages of a 50-item list by 20 cover it once and the last has next_cursor null", "[feed]") {
  const auto list = items(50);
  constexpr int64_t at = 1'795'000'000'123;
  std::vector<FeedItem> seen;
  std::optional<nf::feed::Cursor> cursor;
  std::vector<size_t> sizes;
  for (int guard = 0; guard < 10; ++guard) {
    const auto page = nf::feed::page_of(42, "ranked", at, list, 20, cursor);
    CHECK(page.computed_at_ms == at);
    sizes.push_back(page.items.size());
    seen.insert(seen.end(), page.items.begin(), page.items.end());
    if (!page.next_cursor) break;
    cursor = nf::feed::decode_cursor(*page.next_cursor);
  }
  CHECK(sizes == std::vector<size_t>{20, 20, 10});
  CHECK(seen == list);
}

TEST_CASE("feed: limit must be 1..50", "[feed]") {
  for (size_t bad : {size_t{0}, size_t{51}, size_t{1'000'000'000}}) {
    INFO(bad);
    try {
      nf::feed::check_limit(bad);
      FAIL("accepted");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK(e.reason() == "invalid_limit");
    }
  }
  CHECK_NOTHROW(nf::feed::check_limit(1));
  CHECK_NOTHROW(nf::feed::check_limit(50));
}
