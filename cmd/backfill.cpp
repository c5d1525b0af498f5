#include "cmd/global_options.hpp"
#include "core/backfill/backfill.hpp"
#include "core/catalog/tables.hpp"
#include "core/output/logging.hpp"

namespace {
struct BackfillFlags {
  std::string table = "all", since = "all", ids;
  int jobs = 0;  // 0: backfill.jobs from the configuration
  bool resume = false;
};
}  // namespace

void register_backfill(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("backfill", "Bulk-copy PostgreSQL tables into ClickHouse (parallel, resumable)");
  auto flags = std::make_shared<BackfillFlags>();
  with_choices(cmd->add_option("--table", flags->table, "table to copy (default all)"),
               nf::catalog::table_choices());
  cmd->add_option("--since", flags->since, "only rows changed in this window, e.g. 24h (default all)")
      ->type_name("DURATION");
  cmd->add_option("--jobs", flags->jobs, "parallel workers (default backfill.jobs)")->type_name("N");
  cmd->add_flag("--resume", flags->resume, "continue the last run of each table from its checkpoints");
  cmd->add_option("--ids", flags->ids,
                  "targeted repair: copy only these keys (first key column) and mark deleted those gone from "
                  "PostgreSQL, as printed by `novafeed verify`")
      ->type_name("ID,...");
  cmd->footer("Examples:\n  novafeed backfill --table follows --jobs 4\n  novafeed backfill --table follows --resume\n"
              "  novafeed backfill --table posts --ids 12,13");
  cmd->callback([&global, flags] {
    const auto config = global.load_config();
    nf::backfill::BackfillRequest request;
    request.table = flags->table;
    request.since_s = nf::backfill::parse_since(flags->since, "--since");
    request.jobs = flags->jobs > 0 ? flags->jobs : static_cast<int>(config.get_int("backfill.jobs"));
    request.chunk_rows = static_cast<uint64_t>(config.get_int("backfill.chunk_rows"));
    request.resume = flags->resume;
    if (!flags->ids.empty()) request.ids = nf::backfill::parse_ids(flags->ids, "--ids");
    request.progress = nf::output::stderr_is_terminal();
    const auto report = nf::backfill::run_backfill(config, request);
    print_result(global, nf::backfill::render_text(report), nf::backfill::render_json(report).dump(2));
  });
}
