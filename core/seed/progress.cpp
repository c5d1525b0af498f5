#include "core/seed/progress.hpp"

#include <cstdio>

namespace nf::seed {

namespace {
constexpr uint64_t kRowsBetweenClockChecks = 8192;
}

TableProgress::TableProgress(std::string table, uint64_t total, bool enabled)
    : table_(std::move(table)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void TableProgress::add(uint64_t rows) {
  rows_ += rows;
  if (!enabled_ || rows_ < next_check_) return;
  next_check_ = rows_ + kRowsBetweenClockChecks;
  if (std::chrono::steady_clock::now() - last_draw_ >= std::chrono::milliseconds(250)) draw(false);
}

double TableProgress::finish() {
  if (enabled_) draw(true);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void TableProgress::draw(bool final_line) {
  last_draw_ = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(last_draw_ - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(rows_) / seconds : 0;
  const double percent = total_ > 0 ? 100.0 * static_cast<double>(rows_) / static_cast<double>(total_) : 100.0;
  std::fprintf(stderr, "\r\033[K  %-9s %12llu / %-12llu %5.1f%%  %10.0f rows/s  %6.1f s%s", table_.c_str(),
               static_cast<unsigned long long>(rows_), static_cast<unsigned long long>(total_), percent, rate,
               seconds, final_line ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace nf::seed
