// Building check results from errors, and the small text helpers the checks share.

#include <cstdio>

#include "core/doctor/checks.hpp"

namespace nf::doctor {

CheckResult result_from_error(std::string name, const std::exception& error, std::string unreachable_hint) {
  std::string detail = first_line(error.what());
  const auto* nf_error = dynamic_cast<const Error*>(&error);
  if (nf_error && nf_error->code() == ExitCode::unreachable) {
    // The clients end their messages with a generic hint; the doctor gives its own.
    constexpr std::string_view generic = " (is it running? `scripts/stack status`)";
    if (detail.ends_with(generic)) detail.resize(detail.size() - generic.size());
    return {std::move(name), Status::unreachable, std::move(detail), std::move(unreachable_hint)};
  }
  return {std::move(name), Status::fail, std::move(detail), ""};
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  return line;
}

std::string human_bytes(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

}  // namespace nf::doctor
