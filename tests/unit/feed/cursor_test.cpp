#include <catch2/catch.hpp>

#include "core/auth/base64url.hpp"
#include "core/error/error.hpp"
#include "core/feed/cursor.hpp"

using nf::feed::Cursor;

TEST_CASE("feed: a cursor decodes to what was encoded", "[feed]") {
  for (const Cursor cursor : {Cursor{1, 1}, Cursor{1'795'000'000'123, 20}, Cursor{1'795'000'000'123, 49},
                              Cursor{9'000'000'000'000, 10'000}}) {
    const auto text = nf::feed::encode_cursor(cursor);
    INFO(text);
    // URL-safe as it is: no padding, nothing a query string would need to escape.
    CHECK(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    CHECK(nf::feed::decode_cursor(text) == cursor);
  }
}

TEST_CASE("feed: garbage cursors are a usage error with reason invalid_cursor", "[feed]") {
  using nf::auth::base64url_encode;
  const std::vector<std::pair<std::string, std::string>> table = {
      {"empty", ""},
      {"not base64url", "!!!!"},
      {"padding", base64url_encode("v1:1795000000123:20") + "="},
      {"plain text", "v1:1795000000123:20"},
      {"other version", base64url_encode("v2:1795000000123:20")},
      {"no offset", base64url_encode("v1:1795000000123")},
      {"empty offset", base64url_encode("v1:1795000000123:")},
      {"negative offset", base64url_encode("v1:1795000000123:-1")},
      {"zero offset (the first page has no cursor)", base64url_encode("v1:1795000000123:0")},
      {"offset beyond any list", base64url_encode("v1:1795000000123:10001")},
      {"offset with trailing text", base64url_encode("v1:1795000000123:20x")},
      {"time not a number", base64url_encode("v1:yesterday:20")},
      {"time zero", base64url_encode("v1:0:20")},
      {"offset overflows", base64url_encode("v1:1795000000123:99999999999999999999999")},
      {"too long", std::string(200, 'A')},
  };
  for (const auto& [name, text] : table) {
    INFO(name << ": '" << text << "'");
    try {
      nf::feed::decode_cursor(text);
      FAIL("decoded");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK(e.reason() == "invalid_cursor");
      CHECK(std::string(e.what()).find("omit cursor") != std::string::npos);
    }
  }
}

TEST_CASE("feed: page_range slices the list and ends with no next cursor", "[feed]") {
  constexpr int64_t at = 1'795'000'000'123;
  SECTION("first page of 50 by 20") {
    const auto range = nf::feed::page_range(50, 20, std::nullopt, at);
    CHECK(range.begin == 0);
    CHECK(range.end == 20);
    REQUIRE(range.next);
    CHECK(*range.next == Cursor{at, 20});
  }
  SECTION("middle page") {
    const auto range = nf::feed::page_range(50, 20, Cursor{at, 20}, at);
    CHECK(range.begin == 20);
    CHECK(range.end == 40);
    REQUIRE(range.next);
    CHECK(range.next->offset == 40);
  }
  SECTION("last page is short and has no next cursor") {
    const auto range = nf::feed::page_range(50, 20, Cursor{at, 40}, at);
    CHECK(range.begin == 40);
    CHECK(range.end == 50);
    CHECK_FALSE(range.next);
  }
  SECTION("a page ending exactly at the end has no next cursor") {
    const auto range = nf::feed::page_range(40, 20, Cursor{at, 20}, at);
    CHECK(range.end == 40);
    CHECK_FALSE(range.next);
  }
  SECTION("a list shorter than the limit is one page") {
    const auto range = nf::feed::page_range(7, 50, std::nullopt, at);
    CHECK(range.end == 7);
    CHECK_FALSE(range.next);
  }
  SECTION("an empty list") {
    const auto range = nf::feed::page_range(0, 20, std::nullopt, at);
    CHECK(range.begin == 0);
    CHECK(range.end == 0);
    CHECK_FALSE(range.next);
  }
  SECTION("a cursor past the end of a shorter, recomputed list gives an empty last page") {
    const auto range = nf::feed::page_range(10, 20, Cursor{at - 5000, 40}, at);
    CHECK(range.begin == 10);
    CHECK(range.end == 10);
    CHECK_FALSE(range.next);
  }
  SECTION("a cursor of an older list pages the current list from its offset, with the current time") {
    const auto range = nf::feed::page_range(50, 10, Cursor{at - 60'000, 30}, at);
    CHECK(range.begin == 30);
    CHECK(range.end == 40);
    REQUIRE(range.next);
    CHECK(*range.next == Cursor{at, 40});
  }
}
