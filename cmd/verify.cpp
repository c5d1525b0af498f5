#include "cmd/global_options.hpp"
#include "core/backfill/backfill.hpp"
#include "core/catalog/tables.hpp"
#include "core/error/error.hpp"
#include "core/time/duration.hpp"
#include "core/verify/verify.hpp"

namespace {
struct VerifyFlags {
  std::string table = "all", since = "24h", min_age = "30s";
};
}  // namespace

void register_verify(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("verify", "Compare PostgreSQL and ClickHouse and narrow drift down to ids");
  auto flags = std::make_shared<VerifyFlags>();
  with_choices(cmd->add_option("--table", flags->table, "table to compare (default all)"),
               nf::catalog::table_choices());
  cmd->add_option("--since", flags->since, "compare rows changed in this window (default 24h; `all` for every row)")
      ->type_name("DURATION");
  cmd->add_option("--min-age", flags->min_age, "skip rows younger than this (CDC lag is not drift; default 30s)")
      ->type_name("DURATION");
  cmd->footer("Exit status 1 when drift is found; the report names the ids and the repair command.\n"
              "Example: novafeed verify --table posts --since all");
  cmd->callback([&global, flags] {
    const auto config = global.load_config();
    nf::verify::VerifyRequest request;
    request.table = flags->table;
    request.since_s = nf::backfill::parse_since(flags->since, "--since");
    request.min_age_s = nf::time::parse_duration(flags->min_age, "--min-age").count() / 1000;
    request.buckets = static_cast<uint64_t>(config.get_int("verify.buckets"));
    request.max_ids = static_cast<uint64_t>(config.get_int("verify.max_ids"));
    const auto report = nf::verify::run_verify(config, request);
    print_result(global, nf::verify::render_text(report), nf::verify::render_json(report).dump(2));
    if (!report.consistent())
      throw nf::Error::after_report(nf::ExitCode::check_failed, "drift between PostgreSQL and ClickHouse (see the report)");
  });
}
