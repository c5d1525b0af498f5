#pragma once
// Small pieces of the feed's text renderings (`feed --explain`, `feed --compare`).

#include <cstdio>
#include <string>

#include "core/ranking/ranking.hpp"

namespace nf::feed::text {

// printf-style formatting of one short cell or line (at most 511 bytes).
template <typename... Args>
std::string format(const char* pattern, Args... args) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, pattern, args...);
  return buffer;
}

inline std::string source_label(ranking::Source source) { return std::string(ranking::source_name(source)); }

}  // namespace nf::feed::text
