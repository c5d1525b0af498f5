#pragma once
// The options every command shares, and the registration functions of each command.
// A command file declares its flags into a core request struct and calls core/; it holds
// no logic of its own.

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/config/config.hpp"

struct GlobalOptions {
  std::optional<std::string> config_file;
  std::vector<std::string> settings;          // --set key=value
  std::vector<std::string> kafka_properties;  // -X key=value
  bool json = false;
  std::string log_level = "warn";

  // Sets up logging and returns the merged configuration (file < env < flags).
  nf::config::Config load_config() const;
};

void register_global_options(CLI::App& app, GlobalOptions& global);

// Adds a value check listing the allowed words; completions read the list back from the
// option's type name ({a,b,c}).
CLI::Option* with_choices(CLI::Option* option, const std::vector<std::string>& choices);

// Prints `json` (with --json) or `text` to stdout.
void print_result(const GlobalOptions& global, const std::string& text, const std::string& json);

#define NF_COMMAND(name) void register_##name(CLI::App& app, GlobalOptions& global)
NF_COMMAND(schema);
NF_COMMAND(connectors);
NF_COMMAND(backfill);
NF_COMMAND(verify);
NF_COMMAND(ingest);
NF_COMMAND(jobs);
NF_COMMAND(serve);
NF_COMMAND(latency);
NF_COMMAND(doctor);
NF_COMMAND(dlq);
NF_COMMAND(seed);
NF_COMMAND(feed);
NF_COMMAND(token);
NF_COMMAND(config);
NF_COMMAND(completion);
NF_COMMAND(man);
#undef NF_COMMAND
