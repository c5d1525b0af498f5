#include "cmd/global_options.hpp"
#include "core/error/error.hpp"
#include "core/schema/report.hpp"
#include "core/schema/schema.hpp"

void register_schema(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("schema", "Apply and inspect the versioned PostgreSQL and ClickHouse migrations");
  cmd->require_subcommand(1);
  cmd->footer(
      "Migrations are schema/postgres/NNNN_name.sql and schema/clickhouse/NNNN_name.sql, built into the binary.\n"
      "Each database records what ran in novafeed_schema_migrations (version, name, SHA-256, applied_at).\n"
      "\nExamples:\n"
      "  novafeed schema status                       # exit 0 up to date, 1 pending or changed, 3 unreachable\n"
      "  novafeed schema apply --dry-run              # print the SQL that would run; change nothing\n"
      "  novafeed schema apply --target clickhouse    # only ClickHouse\n"
      "  novafeed --json schema status | jq '.targets[].migrations[] | select(.state != \"applied\")'");
  auto request = std::make_shared<nf::schema::Request>();
  const std::vector<std::string> targets = {"postgres", "clickhouse", "all"};

  auto* apply = cmd->add_subcommand("apply", "Apply the pending migrations in order (idempotent)");
  with_choices(apply->add_option("--target", request->target, "which database (default all)"), targets);
  apply->add_flag("--dry-run", request->dry_run, "print the rendered SQL that would run and change nothing");
  apply->add_option("--cluster", request->cluster,
                    "ClickHouse cluster NAME (as in the servers' <remote_servers>): ON CLUSTER DDL, Replicated engines "
                    "and Distributed T_all tables (docs/cluster.md; default clickhouse.cluster)");
  apply->footer(
      "Runs each pending migration in version order. PostgreSQL: one transaction per migration, including its\n"
      "bookkeeping row, under an advisory lock so concurrent applies queue. ClickHouse: one statement per request;\n"
      "DDL adapts to the server version (TTL only on >= 19.6). A migration changed after it was applied stops\n"
      "apply with exit 1: write a new migration instead.\n"
      "\nExamples:\n"
      "  novafeed schema apply\n"
      "  novafeed schema apply --target postgres --dry-run > pending.sql\n"
      "  novafeed --set clickhouse.url=http://127.0.0.1:18124,http://127.0.0.1:18125 schema apply --target clickhouse \\\n"
      "      --cluster novafeed --dry-run       # the replicated DDL (scripts/stack up --cluster)\n"
      "  novafeed --set cdc.publication=nova_pub schema apply --target postgres");
  apply->callback([&global, request] {
    const auto config = global.load_config();
    const auto report = nf::schema::apply(config, *request);
    print_result(global, nf::schema::apply_text(report), nf::schema::apply_json(report).dump(2));
  });

  auto* status = cmd->add_subcommand("status", "Show each migration as applied, pending or changed, per database");
  with_choices(status->add_option("--target", request->target, "which database (default all)"), targets);
  status->footer(
      "Exit status: 0 when every migration is applied, 1 when one is pending or changed, 3 when a database\n"
      "is unreachable.\n"
      "\nExamples:\n"
      "  novafeed schema status\n"
      "  novafeed schema status --target clickhouse\n"
      "  novafeed --json schema status");
  status->callback([&global, request] {
    const auto config = global.load_config();
    const auto report = nf::schema::status(config, *request);
    print_result(global, nf::schema::status_text(report), nf::schema::status_json(report).dump(2));
    if (!report.up_to_date())
      throw nf::Error::after_report(nf::ExitCode::check_failed, nf::schema::not_up_to_date_summary(report));
  });
}
