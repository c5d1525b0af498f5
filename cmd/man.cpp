#include <iostream>

#include "cmd/global_options.hpp"
#include "core/cli/command_tree.hpp"
#include "core/output/files.hpp"

// Hidden (no group): a maintainer tool that regenerates man/ from the command tree.
void register_man(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("man", "Write the man pages generated from the command tree");
  cmd->group("");
  auto dir = std::make_shared<std::string>("man");
  cmd->add_option("--output-dir", *dir, "directory to write novafeed*.1 into")->type_name("DIR");
  cmd->callback([&app, dir] {
    for (const auto& page : nf::cli::render_man_pages(app)) {
      nf::output::write_file_atomically(*dir + "/" + page.file_name, page.content);
      std::cerr << "wrote " << *dir << "/" << page.file_name << "\n";
    }
  });
}
