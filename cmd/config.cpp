#include "cmd/global_options.hpp"
#include "core/config/render.hpp"

void register_config(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("config", "Show the merged configuration and where each value came from");
  auto print = std::make_shared<bool>(false);
  cmd->add_flag("--print", *print, "print every key, its value and its origin (secrets masked)");
  cmd->footer("Example: NOVAFEED_CLICKHOUSE_URL=http://ch:8123 novafeed --config prod.toml config --print");
  cmd->callback([&global, print] {
    const auto config = global.load_config();
    print_result(global, nf::config::render_text(config), nf::config::render_json(config).dump(2));
  });
}
