#include "cmd/global_options.hpp"
#include "core/doctor/doctor.hpp"
#include "core/doctor/render.hpp"

void register_doctor(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("doctor", "Check every dependency of the pipeline and say what to do next");
  cmd->footer(
      "Checks PostgreSQL (wal_level, the replication slot, the WAL it retains and whether it is stalled, the "
      "publication), ClickHouse, Redis, Kafka (brokers, topics, the ingest group's lag per partition, dead letters "
      "of the last hour), Kafka Connect and the connector's tasks, the periodic jobs, and the feed cache's hit rate "
      "of the last hour (from the serve at serve.listen), all at once, each within its configured timeout. Prints one line per check with what to do next, then a summary; --json prints an array "
      "of {name, status, detail, hint, figures}.\n"
      "Exit 0 when all are ok (or warn), 1 when something is unhealthy, 3 when a dependency is unreachable.\n"
      "Example: novafeed --json doctor | jq '.[] | select(.status != \"ok\")'");
  cmd->callback([&global] {
    const auto config = global.load_config();
    const auto report = nf::doctor::run_doctor(config);
    print_result(global, nf::doctor::render_text(report), nf::doctor::render_json(report));
    const auto code = nf::doctor::exit_code(report);
    if (code != nf::ExitCode::ok) throw nf::Error::after_report(code, "doctor: " + nf::doctor::summary(report));
  });
}
