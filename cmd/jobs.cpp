#include "cmd/global_options.hpp"
#include "core/error/error.hpp"

namespace {
struct JobsFlags {
  std::string job;
  bool once = false;
};
}  // namespace

void register_jobs(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("jobs", "Periodic jobs: hot posts, suggested users, feed warmer, retention");
  cmd->require_subcommand(1);
  auto* run = cmd->add_subcommand("run", "Run a job (loop, or once with --once); locked against overlap");
  auto flags = std::make_shared<JobsFlags>();
  with_choices(run->add_option("job", flags->job, "job to run")->required(),
               {"hot-posts", "suggested-users", "feed-warmer", "retention", "all"});
  run->add_flag("--once", flags->once, "run one pass and exit (for cron)");
  run->callback([flags] { nf::fail_not_built("jobs", "a later issue"); });
}
