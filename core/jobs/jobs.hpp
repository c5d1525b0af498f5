#pragma once
// `novafeed jobs run|list|status` and the jobs of `serve --with-jobs`.
//
//   jobs run JOB --once   each named job once, under its lock, then exit (cron)
//   jobs run JOB          the schedule (scheduler.hpp) until SIGTERM
//   jobs list             the catalog: each job, its interval, what it writes
//   jobs status           each job's last run, last success, next due, lock holder

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/jobs/job.hpp"
#include "core/jobs/metrics.hpp"
#include "core/jobs/run_log.hpp"
#include "core/jobs/runner.hpp"
#include "core/jobs/scheduler.hpp"

namespace nf::jobs {

// What the jobs of one process share, built from the configuration. Connects to nothing
// yet. `redis` and `feeds` are serve's when it runs the jobs in-process.
JobContext make_context(const config::Config& config, redis::Pool& redis, feed::FeedService& feeds,
                        const std::atomic<bool>* stop);

struct OnceReport {
  std::vector<RunReport> runs;
  // 3 when a job failed on an unreachable dependency, else 1 when one failed; 4 when
  // every job was skipped (another run held its lock: nothing was done); else 0.
  ExitCode exit_code() const;
};

// `jobs run JOB --once`. Throws nf::Error(unreachable) when PostgreSQL (the locks) cannot
// be reached, nf::Error(usage) for an unknown job.
OnceReport run_once(const config::Config& config, const std::string& job);
std::string render_once_text(const OnceReport& report);  // one line per job
nlohmann::json render_once_json(const OnceReport& report);

// `jobs run JOB`: the schedule of the named jobs until SIGINT/SIGTERM; with
// `metrics_listen` (HOST:PORT), GET /metrics there answers the jobs' figures.
void run_schedule(const config::Config& config, const std::string& job,
                  const std::optional<std::string>& metrics_listen = std::nullopt);

// `serve --with-jobs`: the schedule of every job in a process that already has a Redis
// pool and a feed service; stops with the process's stop flag or on destruction.
class InProcessJobs {
 public:
  InProcessJobs(const config::Config& config, redis::Pool& redis, feed::FeedService& feeds,
                const std::atomic<bool>& stop);
  ~InProcessJobs();
  const JobMetrics& metrics() const { return metrics_; }

 private:
  JobContext context_;
  JobMetrics metrics_;
  std::unique_ptr<Scheduler> scheduler_;
};

// `jobs list`.
std::string render_list_text(const config::Config& config);
nlohmann::json render_list_json(const config::Config& config);

// `jobs status` (and doctor's jobs check): per job, from job_runs and pg_locks.
struct JobStatus {
  std::string job;
  int64_t interval_s = 0;
  std::optional<RunRecord> last;
  std::optional<RunRecord> last_ok;
  double seconds_since_last_ok = -1;  // -1: never succeeded
  int64_t runs_24h = 0, failures_24h = 0;
  double next_due_in_s = 0;  // <= 0: due now
  std::optional<LockHolder> holder;
  // ok, failing (last run failed), stale (no success for 3 intervals), never_run, running
  std::string verdict;
};
std::vector<JobStatus> jobs_status(const config::Config& config);
// stale or failing makes `jobs status` exit 1.
bool healthy(const std::vector<JobStatus>& statuses);
std::string render_status_text(const std::vector<JobStatus>& statuses);
nlohmann::json render_status_json(const std::vector<JobStatus>& statuses);

}  // namespace nf::jobs
