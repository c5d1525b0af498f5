#include "core/feed/cursor.hpp"

#include <algorithm>
#include <charconv>

#include "core/auth/base64url.hpp"
#include "core/error/error.hpp"

namespace nf::feed {

namespace {

// The plain text inside the base64url: "v1:<computed_at_ms>:<offset>". Versioned so a
// later format can tell old cursors apart instead of misreading them.
constexpr std::string_view kPrefix = "v1:";
// A cached list never holds more than 50 items; anything far beyond is not ours.
constexpr size_t kMaxOffset = 10'000;

[[noreturn]] void fail_cursor(std::string_view why) {
  throw Error(ExitCode::usage,
              "cursor is not valid (" + std::string(why) +
                  "): pass next_cursor from the previous page unchanged, or omit cursor to start from the top",
              "invalid_cursor");
}

template <typename Int>
Int parse_number(std::string_view text, std::string_view what) {
  Int value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) fail_cursor(what);
  return value;
}

}  // namespace

std::string encode_cursor(const Cursor& cursor) {
  return auth::base64url_encode(std::string(kPrefix) + std::to_string(cursor.computed_at_ms) + ":" +
                                std::to_string(cursor.offset));
}

Cursor decode_cursor(std::string_view text) {
  if (text.size() > 128) fail_cursor("too long");
  const auto plain = auth::base64url_decode(text);
  if (!plain) fail_cursor("not base64url");
  std::string_view rest(*plain);
  if (!rest.starts_with(kPrefix)) fail_cursor("unknown format");
  rest.remove_prefix(kPrefix.size());
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) fail_cursor("no offset");
  Cursor cursor;
  cursor.computed_at_ms = parse_number<int64_t>(rest.substr(0, colon), "bad time");
  cursor.offset = parse_number<size_t>(rest.substr(colon + 1), "bad offset");
  if (cursor.computed_at_ms <= 0) fail_cursor("bad time");
  if (cursor.offset == 0 || cursor.offset > kMaxOffset) fail_cursor("offset out of range");
  return cursor;
}

PageRange page_range(size_t total, size_t limit, const std::optional<Cursor>& cursor, int64_t computed_at_ms) {
  PageRange range;
  // A cursor of an older list pages the current one from the same offset (see cursor.hpp).
  range.begin = std::min(total, cursor ? cursor->offset : size_t{0});
  range.end = std::min(total, range.begin + limit);
  if (range.end < total) range.next = Cursor{computed_at_ms, range.end};
  return range;
}

}  // namespace nf::feed
