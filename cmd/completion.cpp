#include <iostream>

#include "cmd/global_options.hpp"
#include "core/cli/command_tree.hpp"

void register_completion(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  cmd->require_subcommand(1);
  cmd->footer(
      "Install: novafeed completion bash > /etc/bash_completion.d/novafeed\n"
      "         novafeed completion zsh > \"${fpath[1]}/_novafeed\"\n"
      "         novafeed completion fish > ~/.config/fish/completions/novafeed.fish\n"
      "The same files ship in completions/.");
  for (const char* shell : {"bash", "zsh", "fish"}) {
    auto* sub = cmd->add_subcommand(shell, std::string("Completion script for ") + shell);
    sub->callback([&app, shell] { std::cout << nf::cli::render_completion(app, shell); });
  }
}
