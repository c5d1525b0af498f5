#pragma once
// The wall clock, read in one place. Library code takes `now` as a parameter (so tests
// can pin it); the edges (commands, serve's routes) read it here.

#include <chrono>
#include <cstdint>

namespace nf::time {

// Milliseconds since the Unix epoch (UTC).
inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace nf::time
