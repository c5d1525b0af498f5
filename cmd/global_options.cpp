#include "cmd/global_options.hpp"

#include <iostream>

#include "core/output/logging.hpp"

nf::config::Config GlobalOptions::load_config() const {
  nf::output::setup_logging(log_level);
  nf::config::Sources sources;
  if (config_file) sources.file = *config_file;
  sources.env = nf::config::process_environment();
  sources.flag_settings = settings;
  sources.kafka_flag_properties = kafka_properties;
  return nf::config::load(sources);
}

void register_global_options(CLI::App& app, GlobalOptions& global) {
  app.add_option("--config", global.config_file,
                 "TOML config file (also NOVAFEED_CONFIG); see `novafeed config --print`")
      ->type_name("FILE");
  app.add_option("--set", global.settings,
                 "override one config key, e.g. --set clickhouse.timeout_ms=500 (repeatable; "
                 "secrets are refused here)")
      ->type_name("KEY=VALUE");
  app.add_option("-X", global.kafka_properties,
                 "pass a librdkafka property through, e.g. -X socket.timeout.ms=3000 (repeatable)")
      ->type_name("KEY=VALUE");
  app.add_flag("--json", global.json, "machine-readable output on stdout");
  with_choices(app.add_option("--log-level", global.log_level, "log verbosity on stderr (default warn)")
                   ->envname("NOVAFEED_LOG_LEVEL"),
               {"trace", "debug", "info", "warn", "error", "off"});
}

CLI::Option* with_choices(CLI::Option* option, const std::vector<std::string>& choices) {
  return option->check(CLI::IsMember(choices));
}

void print_result(const GlobalOptions& global, const std::string& text, const std::string& json) {
  if (global.json) {
    std::cout << json << "\n";
  } else if (!text.empty()) {
    std::cout << text;
    if (text.back() != '\n') std::cout << "\n";
  }
  std::cout.flush();
}
