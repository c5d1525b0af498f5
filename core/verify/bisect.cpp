#include "core/verify/bisect.hpp"

#include <algorithm>
#include <future>

namespace nf::verify {
namespace {

uint64_t total_rows(const BucketStats& stats) {
  uint64_t rows = 0;
  for (const auto& [bucket, stat] : stats) rows += stat.rows;
  return rows;
}

template <typename T>
std::pair<T, T> both(const std::function<T()>& pg, const std::function<T()>& ch) {
  auto pg_result = std::async(std::launch::async, pg);
  T ch_result = ch();
  return {pg_result.get(), std::move(ch_result)};
}

bool in_window(const LeafRow& row, const Window& window) {
  return !window.since_epoch_s || row.updated_at >= *window.since_epoch_s;
}

}  // namespace

std::vector<uint64_t> mismatched_buckets(const BucketStats& pg, const BucketStats& ch) {
  std::vector<uint64_t> out;
  for (const auto& [bucket, stat] : pg) {
    const auto other = ch.find(bucket);
    if (other == ch.end() || !(other->second == stat)) out.push_back(bucket);
  }
  for (const auto& [bucket, stat] : ch)
    if (!pg.count(bucket)) out.push_back(bucket);
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t rows_in(const BucketStats& stats, const std::vector<uint64_t>& buckets) {
  uint64_t rows = 0;
  for (uint64_t bucket : buckets)
    if (auto it = stats.find(bucket); it != stats.end()) rows += it->second.rows;
  return rows;
}

RowDrift diff_rows(std::vector<LeafRow> pg, std::vector<LeafRow> ch, const Window& window,
                   const std::vector<std::string>& field_names) {
  const auto by_key = [](const LeafRow& a, const LeafRow& b) { return a.key < b.key; };
  std::sort(pg.begin(), pg.end(), by_key);
  std::sort(ch.begin(), ch.end(), by_key);
  RowDrift drift;
  size_t i = 0, j = 0;
  while (i < pg.size() || j < ch.size()) {
    const LeafRow* p = nullptr;
    const LeafRow* c = nullptr;
    if (j == ch.size() || (i < pg.size() && pg[i].key < ch[j].key)) {
      p = &pg[i++];
    } else if (i == pg.size() || ch[j].key < pg[i].key) {
      c = &ch[j++];
    } else {
      p = &pg[i++];
      c = &ch[j++];
    }
    if ((p && p->updated_at > window.cutoff_epoch_s) || (c && c->updated_at > window.cutoff_epoch_s)) {
      ++drift.skipped_in_flight;
      continue;
    }
    if (!(p && in_window(*p, window)) && !(c && in_window(*c, window))) continue;
    if (!c) {
      drift.missing.push_back(p->key);
    } else if (!p) {
      drift.extra.push_back(c->key);
    } else if (p->fields != c->fields) {
      DifferentRow row{p->key, {}};
      for (size_t f = 0; f < p->fields.size() && f < c->fields.size(); ++f)
        if (p->fields[f] != c->fields[f]) row.columns.push_back(f < field_names.size() ? field_names[f] : "?");
      drift.different.push_back(std::move(row));
    }
  }
  return drift;
}

BisectResult bisect(const Side& pg, const Side& ch, const Window& window, const std::vector<std::string>& field_names,
                    const BisectOptions& options) {
  BisectResult result;
  uint64_t modulus = std::max<uint64_t>(options.buckets, 1);
  auto [pg_stats, ch_stats] = both<BucketStats>([&] { return pg.stats(modulus, 1, {}); },
                                                [&] { return ch.stats(modulus, 1, {}); });
  result.pg_rows = total_rows(pg_stats);
  result.ch_rows = total_rows(ch_stats);
  std::vector<uint64_t> buckets = mismatched_buckets(pg_stats, ch_stats);
  result.mismatched_buckets = buckets.size();
  if (buckets.empty()) {
    result.narrowed = true;
    return result;
  }
  for (int level = 1;; ++level) {
    const uint64_t rows = std::max(rows_in(pg_stats, buckets), rows_in(ch_stats, buckets));
    if (rows <= options.leaf_rows) break;
    if (level >= options.max_levels) return result;  // too much drift to list: counts only
    const uint64_t finer = modulus * std::max<uint64_t>(options.factor, 2);
    std::tie(pg_stats, ch_stats) = both<BucketStats>([&] { return pg.stats(finer, modulus, buckets); },
                                                     [&] { return ch.stats(finer, modulus, buckets); });
    buckets = mismatched_buckets(pg_stats, ch_stats);
    modulus = finer;
    if (buckets.empty()) {  // the difference vanished between passes (rows moved on)
      result.narrowed = true;
      return result;
    }
  }
  auto [pg_rows, ch_rows] = both<std::vector<LeafRow>>([&] { return pg.rows(modulus, buckets); },
                                                       [&] { return ch.rows(modulus, buckets); });
  result.drift = diff_rows(std::move(pg_rows), std::move(ch_rows), window, field_names);
  result.narrowed = true;
  return result;
}

}  // namespace nf::verify
