#include "core/jobs/metrics.hpp"

#include "core/jobs/catalog.hpp"

namespace nf::jobs {

JobMetrics::JobMetrics()
    : runs_(&registry_.counter("novafeed_job_runs_total", "Runs of each periodic job by this process, by result "
                                                           "(ok, failed, skipped: another instance held the lock)",
                               {"job", "result"})),
      failures_(&registry_.counter("novafeed_job_failures_total", "Failed runs of each periodic job by this process",
                                   {"job"})),
      last_success_(&registry_.gauge("novafeed_job_last_success_timestamp_seconds",
                                     "Unix time at which the job last ended successfully in this process (0: not yet)",
                                     {"job"})),
      last_duration_(&registry_.gauge("novafeed_job_last_duration_seconds",
                                      "How long the job's last run in this process took", {"job"})),
      interval_(&registry_.gauge("novafeed_job_interval_seconds",
                                 "How often the job is due (its configured interval; 0: not scheduled here)",
                                 {"job"})) {
  // Every series exists from the start, so a dashboard shows 0, not "no data".
  for (const auto& spec : job_specs()) {
    const std::string job(spec.name);
    for (const char* result : {"ok", "failed", "skipped"}) runs_->with({job, result});
    failures_->with({job});
    last_success_->with({job});
    last_duration_->with({job});
    interval_->with({job});
  }
}

void JobMetrics::set_interval(const std::string& job, double seconds) { interval_->with({job}).set(seconds); }

void JobMetrics::record(const RunReport& report, double now_s) {
  runs_->with({report.job, std::string(state_name(report.state))}).add();
  if (report.state == RunState::skipped) return;
  last_duration_->with({report.job}).set(report.seconds);
  if (report.state == RunState::ok)
    last_success_->with({report.job}).set(now_s);
  else
    failures_->with({report.job}).add();
}

}  // namespace nf::jobs
