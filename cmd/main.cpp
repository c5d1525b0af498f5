// novafeed: the operations toolkit and feed API server of Nova's personalized feed.
// This file builds the command tree, runs it, and is the one place an nf::Error becomes
// a message and an exit status (SPEC §5).

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cmd/global_options.hpp"
#include "core/cli/command_tree.hpp"
#include "core/error/error.hpp"

namespace {

// Declares the whole command tree: the one declaration help, completions and man pages
// are generated from.
void build_command_tree(CLI::App& app, GlobalOptions& global) {
  register_global_options(app, global);
  register_schema(app, global);
  register_connectors(app, global);
  register_backfill(app, global);
  register_verify(app, global);
  register_ingest(app, global);
  register_jobs(app, global);
  register_serve(app, global);
  register_latency(app, global);
  register_doctor(app, global);
  register_dlq(app, global);
  register_seed(app, global);
  register_feed(app, global);
  register_token(app, global);
  register_config(app, global);
  register_completion(app, global);
  register_man(app, global);
}

int report_error(const GlobalOptions& global, nf::ExitCode code, const std::string& message,
                 bool result_printed = false) {
  if (message.empty() && result_printed) return static_cast<int>(code);  // Error::exit_only: all said already
  std::cerr << "novafeed: error: " << message << "\n";
  if (global.json && !result_printed) {
    nlohmann::json error = {{"error", {{"code", nf::exit_code_name(code)}, {"message", message}}}};
    std::cout << error.dump() << "\n";
  }
  return static_cast<int>(code);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{nf::cli::program_description(), "novafeed"};
  GlobalOptions global;
  nf::cli::configure_root(app);
  build_command_tree(app, global);
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(nf::ExitCode::usage);
  } catch (const nf::Error& e) {
    return report_error(global, e.code(), e.what(), e.reported());
  } catch (const std::exception& e) {
    return report_error(global, nf::ExitCode::check_failed, std::string("unexpected failure: ") + e.what());
  }
}
