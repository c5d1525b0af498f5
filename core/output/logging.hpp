#pragma once
// spdlog to stderr (stdout carries results only).

#include <string>

namespace nf::output {

// Level names as spdlog spells them; an unknown name is a usage error.
void setup_logging(const std::string& level);

// True when stderr is a terminal: progress bars and colours only then.
bool stderr_is_terminal();

}  // namespace nf::output
