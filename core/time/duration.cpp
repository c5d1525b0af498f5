#include "core/time/duration.hpp"

#include <cctype>
#include <cstdio>

#include "core/error/error.hpp"

namespace nf::time {
namespace {

// Milliseconds per unit; 0 for an unknown unit.
long long unit_millis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s" || unit.empty()) return 1000;
  if (unit == "m" || unit == "min") return 60 * 1000;
  if (unit == "h") return 3600 * 1000;
  if (unit == "d") return 24LL * 3600 * 1000;
  return 0;
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what) {
  const auto bad = [&] {
    fail_usage(std::string(what) + ": '" + std::string(text) +
               "' is not a duration (a number with ms, s, m, h or d, e.g. 120s, 2m, 1h30m; a bare number is seconds)");
  };
  if (text.empty()) bad();
  long long total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t digits_start = i;
    long long number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i] - '0');
      if (number > 1'000'000'000LL) bad();
      ++i;
    }
    if (i == digits_start) bad();
    const size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    const long long millis = unit_millis(unit);
    if (millis == 0) bad();
    if (unit.empty() && (digits_start != 0 || i != text.size())) bad();  // only "90" alone is bare
    total += number * millis;
  }
  return std::chrono::milliseconds(total);
}

std::string describe_duration(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  char buffer[64];
  if (ms < 1000) {
    std::snprintf(buffer, sizeof buffer, "%lld ms", ms);
  } else if (ms < 60'000) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(ms) / 1000.0);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld min %lld s", ms / 60'000, (ms % 60'000) / 1000);
  }
  return buffer;
}

}  // namespace nf::time
