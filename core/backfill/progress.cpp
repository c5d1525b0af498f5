#include "core/backfill/progress.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace nf::backfill {

std::string group_thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

namespace {

std::string eta_text(double seconds) {
  const long long s = std::llround(seconds);
  if (s < 60) return std::to_string(s) + " s";
  return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
}

}  // namespace

std::string render_progress(std::string_view table, uint64_t rows, uint64_t estimated_total, double elapsed_s) {
  const double rate = elapsed_s > 0 ? static_cast<double>(rows) / elapsed_s : 0.0;
  std::string line(table);
  if (estimated_total > 0) {
    constexpr int width = 24;
    const double fraction = std::min(1.0, static_cast<double>(rows) / static_cast<double>(estimated_total));
    const int filled = static_cast<int>(fraction * width);
    line += " [" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
    line += "  " + group_thousands(rows) + " / ~" + group_thousands(estimated_total) + " rows";
  } else {
    line += "  " + group_thousands(rows) + " rows";
  }
  line += "  " + group_thousands(static_cast<uint64_t>(rate)) + " rows/s";
  if (estimated_total > 0 && rate > 0) {
    const double left = rows >= estimated_total ? 0.0 : static_cast<double>(estimated_total - rows) / rate;
    line += "  ETA " + eta_text(left);
  }
  return line;
}

void ProgressBar::start(std::string table, uint64_t estimated_total) {
  finish();
  table_ = std::move(table);
  estimated_total_ = estimated_total;
  rows_ = 0;
  started_ = std::chrono::steady_clock::now();
  if (!enabled_) return;
  stop_ = false;
  ticker_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) draw();
  });
}

void ProgressBar::draw() {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::cerr << "\r\033[K" << render_progress(table_, rows(), estimated_total_, elapsed) << std::flush;
}

void ProgressBar::finish() {
  if (!ticker_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  ticker_.join();
  draw();
  std::cerr << "\n" << std::flush;
}

}  // namespace nf::backfill
