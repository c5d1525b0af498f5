#include "core/backfill/ranges.hpp"

#include <algorithm>

namespace nf::backfill {
namespace {

// Keys per range for the given density; at least 1.
uint64_t keys_per_range(KeyRange whole, uint64_t estimated_rows, uint64_t chunk_rows) {
  const unsigned __int128 span = static_cast<unsigned __int128>(whole.end - whole.start) + 1;
  if (estimated_rows == 0 || chunk_rows == 0) return static_cast<uint64_t>(std::min<unsigned __int128>(span, UINT64_MAX));
  const unsigned __int128 width = (span * chunk_rows + estimated_rows - 1) / estimated_rows;
  return static_cast<uint64_t>(std::clamp<unsigned __int128>(width, 1, UINT64_MAX));
}

void split_into(std::vector<KeyRange>& out, KeyRange gap, uint64_t width) {
  uint64_t start = gap.start;
  while (true) {
    const uint64_t end = gap.end - start < width - 1 ? gap.end : start + (width - 1);
    out.push_back({start, end});
    if (end == gap.end) break;
    start = end + 1;
  }
}

}  // namespace

std::vector<KeyRange> split_ranges(uint64_t min_key, uint64_t max_key, uint64_t estimated_rows, uint64_t chunk_rows) {
  return plan_ranges({min_key, max_key}, estimated_rows, chunk_rows, {});
}

std::vector<KeyRange> subtract_ranges(KeyRange whole, std::vector<KeyRange> done) {
  std::vector<KeyRange> gaps;
  if (whole.start > whole.end) return gaps;
  std::sort(done.begin(), done.end(), [](const KeyRange& a, const KeyRange& b) { return a.start < b.start; });
  uint64_t next = whole.start;  // first key not yet known to be covered
  for (const auto& range : done) {
    if (range.start > range.end || range.end < next) continue;
    if (range.start > whole.end) break;
    if (range.start > next) gaps.push_back({next, range.start - 1});
    if (range.end >= whole.end) return gaps;
    next = range.end + 1;
  }
  gaps.push_back({next, whole.end});
  return gaps;
}

std::vector<KeyRange> plan_ranges(KeyRange whole, uint64_t estimated_rows, uint64_t chunk_rows,
                                  const std::vector<KeyRange>& done) {
  std::vector<KeyRange> out;
  if (whole.start > whole.end) return out;
  const uint64_t width = keys_per_range(whole, estimated_rows, chunk_rows);
  for (const auto& gap : subtract_ranges(whole, done)) split_into(out, gap, width);
  return out;
}

}  // namespace nf::backfill
