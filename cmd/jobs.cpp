#include <iostream>
#include <optional>

#include "cmd/global_options.hpp"
#include "core/error/error.hpp"
#include "core/jobs/jobs.hpp"

namespace {
struct JobsFlags {
  std::string job;
  bool once = false;
  std::optional<std::string> metrics_listen;
};
}  // namespace

void register_jobs(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("jobs", "Periodic jobs: hot posts, suggested users, feed warmer, retention");
  cmd->require_subcommand(1);
  cmd->footer(
      "Every run holds its job's lock, a PostgreSQL advisory lock every novafeed instance sees: a job never runs\n"
      "twice at once, anywhere, and a holder that dies frees it at once. Runs are recorded in PostgreSQL's\n"
      "job_runs table (jobs status, doctor). Cron: `novafeed jobs run hot-posts --once` is silent on success,\n"
      "exits 1 on failure (3: a dependency is unreachable) and 4 when another run holds the lock.");

  auto* run = cmd->add_subcommand("run", "Run jobs: the schedule until SIGTERM, or each once with --once (cron)");
  auto flags = std::make_shared<JobsFlags>();
  with_choices(run->add_option("job", flags->job, "the job to run, or all")->required(),
               {"hot-posts", "suggested-users", "feed-warmer", "retention", "all"});
  run->add_flag("--once", flags->once, "run each named job once now and exit, instead of the schedule");
  run->add_option_function<std::string>(
         "--metrics-listen", [flags](const std::string& address) { flags->metrics_listen = address; },
         "with the schedule: serve GET /metrics (Prometheus text: novafeed_job_*, novafeed_dependency_*) on "
         "HOST:PORT, e.g. 127.0.0.1:9466")
      ->type_name("ADDR");
  run->footer(
      "Without --once the jobs run on their schedule until SIGINT/SIGTERM (intervals: `novafeed jobs list`);\n"
      "several instances may run it: each job still runs once per interval.\n"
      "With --once: nothing on stdout on success (--json: a report), one line per failed or skipped job on stderr.\n"
      "Exit status 4: every named job was skipped because another run held its lock (nothing was done).\n"
      "Examples: novafeed jobs run hot-posts --once      (cron, every minute)\n"
      "          novafeed jobs run all                    (the whole schedule in the foreground)\n"
      "          novafeed jobs run all --metrics-listen 127.0.0.1:9466   (Prometheus scrapes /metrics there)");
  run->callback([&global, flags] {
    const auto config = global.load_config();
    if (!flags->once) {
      nf::jobs::run_schedule(config, flags->job, flags->metrics_listen);
      return;
    }
    if (flags->metrics_listen)
      throw nf::Error(nf::ExitCode::usage, "--metrics-listen serves the schedule's figures; a --once run ends before "
                                           "a scrape (cron: its exit status and job_runs say how it went)");
    const auto report = nf::jobs::run_once(config, flags->job);
    if (global.json) std::cout << nf::jobs::render_once_json(report).dump(2) << "\n";
    for (const auto& run : report.runs)
      if (run.state != nf::jobs::RunState::ok) std::cerr << nf::jobs::run_line(run) << "\n";
    if (report.exit_code() != nf::ExitCode::ok) throw nf::Error::exit_only(report.exit_code());
  });

  auto* list = cmd->add_subcommand("list", "Each job, its interval and what it writes");
  list->callback([&global] {
    const auto config = global.load_config();
    print_result(global, nf::jobs::render_list_text(config), nf::jobs::render_list_json(config).dump(2));
  });

  auto* status = cmd->add_subcommand(
      "status", "Each job's last run (when, where, how long, result, rows), last success, next due, lock holder");
  status->footer("Exit status 1 when a job is stale (no success for three intervals) or its last run failed.");
  status->callback([&global] {
    const auto config = global.load_config();
    const auto statuses = nf::jobs::jobs_status(config);
    print_result(global, nf::jobs::render_status_text(statuses), nf::jobs::render_status_json(statuses).dump(2));
    if (!nf::jobs::healthy(statuses))
      throw nf::Error::after_report(nf::ExitCode::check_failed, "a job is stale or failing (see the report)");
  });
}
