#pragma once
// The feed's paging cursor: an opaque base64url token holding when the cached list was
// computed and the offset of the next page in it. Clients pass it back unchanged.
//
// A cursor outlives its list when the cache expires or is invalidated (a followee posted)
// and the list is recomputed. We then page the CURRENT list from the same offset rather
// than failing: the client keeps scrolling, may see a post twice or miss one, and the
// next pull-to-refresh starts clean. Refusing would break infinite scroll every 120 s.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nf::feed {

struct Cursor {
  int64_t computed_at_ms = 0;  // computed_at of the list the cursor pages
  size_t offset = 0;           // index of the next item in that list

  bool operator==(const Cursor&) const = default;
};

std::string encode_cursor(const Cursor& cursor);

// Throws nf::Error(usage, ..., "invalid_cursor") for anything encode_cursor did not produce.
Cursor decode_cursor(std::string_view text);

// One page of a list of `total` items.
struct PageRange {
  size_t begin = 0, end = 0;           // [begin, end) of the list
  std::optional<Cursor> next;          // nullopt at the end of the list
};

// The slice `limit` items from the cursor's offset (0 without a cursor) of a list computed
// at `computed_at_ms`. A cursor past the end gives an empty page with no next cursor.
PageRange page_range(size_t total, size_t limit, const std::optional<Cursor>& cursor, int64_t computed_at_ms);

}  // namespace nf::feed
