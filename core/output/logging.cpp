#include "core/output/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/error/error.hpp"

namespace nf::output {

void setup_logging(const std::string& level) {
  static bool installed = false;
  if (!installed) {
    auto logger = spdlog::stderr_color_mt("novafeed");
    logger->set_pattern("%^%Y-%m-%dT%H:%M:%S.%e %l%$ %v");
    spdlog::set_default_logger(logger);
    installed = true;
  }
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    fail_usage("unknown log level '" + level + "' (use trace, debug, info, warn, error or off)");
  spdlog::set_level(parsed);
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

}  // namespace nf::output
