#pragma once
// One table's progress on stderr while it loads: rows done of the total and rows/s,
// redrawn in place at most 4 times a second, and only when stderr is a terminal (never
// under cron or in a pipe).

#include <chrono>
#include <cstdint>
#include <string>

namespace nf::seed {

class TableProgress {
 public:
  TableProgress(std::string table, uint64_t total, bool enabled);
  TableProgress(const TableProgress&) = delete;
  TableProgress& operator=(const TableProgress&) = delete;

  void add(uint64_t rows);
  // Draws the final line and moves to the next one; returns the seconds since start.
  double finish();
  uint64_t rows() const { return rows_; }

 private:
  void draw(bool final_line);

  std::string table_;
  uint64_t total_, rows_ = 0, next_check_ = 0;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace nf::seed
