#pragma once
// The backfill progress bar on stderr: rows, rows/s and ETA, redrawn in place a few times
// a second, and only when stderr is a terminal (never under cron or in a pipe).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <condition_variable>

namespace nf::backfill {

// One line: "follows [#######.......]  512,000 / ~1,000,000 rows  256,000 rows/s  ETA 2 s".
// `estimated_total` 0 = unknown (no bar, no ETA).
std::string render_progress(std::string_view table, uint64_t rows, uint64_t estimated_total, double elapsed_s);

// 1234567 → "1,234,567".
std::string group_thousands(uint64_t n);

class ProgressBar {
 public:
  // Draws nothing at all unless `enabled`.
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { finish(); }

  // Starts drawing `table`; rows are counted from 0 with add().
  void start(std::string table, uint64_t estimated_total);
  void add(uint64_t rows) { rows_.fetch_add(rows, std::memory_order_relaxed); }
  uint64_t rows() const { return rows_.load(std::memory_order_relaxed); }
  // Draws the final line and ends it with a newline.
  void finish();

 private:
  void draw();
  bool enabled_;
  std::string table_;
  uint64_t estimated_total_ = 0;
  std::atomic<uint64_t> rows_{0};
  std::chrono::steady_clock::time_point started_;
  std::thread ticker_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace nf::backfill
