#include "core/cli/command_tree.hpp"

namespace nf::cli {

std::string program_description() {
  return "novafeed: operate and serve the personalized feed of Nova.\n"
         "Runs the CDC connector, schemas, backfill, verify, ingest, ranking jobs, the feed API "
         "and its latency gate against PostgreSQL, Kafka, ClickHouse and Redis.";
}

void configure_root(CLI::App& app) {
  app.fallthrough();
  // Not require_subcommand(): with it CLI11 reports a mistyped command as "A subcommand
  // is required" instead of naming the word it did not expect.
  app.callback([&app] {
    if (app.get_subcommands().empty())
      throw CLI::RequiredError("a command: novafeed COMMAND (see novafeed --help)");
  });
  app.set_version_flag("--version", std::string("novafeed ") + NOVAFEED_VERSION);
  app.footer(
      "Configuration: built-in defaults < --config FILE < NOVAFEED_* environment < --set KEY=VALUE.\n"
      "Exit status: 0 ok, 1 a check failed, 2 usage or config error, 3 a dependency is unreachable,\n"
      "4 skipped: another run holds the job's lock (jobs).\n"
      "Start here: `scripts/stack up`, then `novafeed schema apply`, `novafeed connectors apply --wait`,\n"
      "`novafeed doctor`. Every command has --help and a man page (man novafeed-<command>).");
}

std::vector<std::string> option_choices(const CLI::Option& option) {
  std::vector<std::string> choices;
  const std::string type = option.get_type_name();
  const auto open = type.find('{');
  const auto close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return choices;
  std::string current;
  for (size_t i = open + 1; i < close; ++i) {
    if (type[i] == ',') {
      choices.push_back(current);
      current.clear();
    } else if (type[i] != ' ') {
      current += type[i];
    }
  }
  if (!current.empty()) choices.push_back(current);
  return choices;
}

}  // namespace nf::cli
