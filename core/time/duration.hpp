#pragma once
// Durations as operators type them on the command line and in config: "120s", "2m",
// "1h30m", "500ms", "7d"; a bare number is seconds.

#include <chrono>
#include <string>
#include <string_view>

namespace nf::time {

// Throws nf::Error(usage) naming `what` (e.g. "--timeout") and the accepted units.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what);

// "4.2 s", "2 min 5 s", "850 ms": for messages.
std::string describe_duration(std::chrono::milliseconds duration);

}  // namespace nf::time
