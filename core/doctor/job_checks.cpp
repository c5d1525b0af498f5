// The periodic jobs, as job_runs and pg_locks show them: each job's last success must be
// younger than three of its intervals, else the caches it keeps (hot posts, suggestions,
// warm feeds) are going stale or expired partitions pile up.

#include <fmt/format.h>

#include "core/doctor/checks.hpp"
#include "core/jobs/jobs.hpp"

namespace nf::doctor {

CheckResult judge_jobs(const std::vector<jobs::JobStatus>& statuses) {
  std::vector<std::string> stale, failing, never;
  for (const auto& s : statuses) {
    if (s.verdict == "stale") stale.push_back(s.job);
    if (s.verdict == "failing") failing.push_back(s.job);
    if (s.verdict == "never_run") never.push_back(s.job);
  }
  const auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  CheckResult result{"jobs", Status::ok, fmt::format("{} jobs, each succeeded within three intervals", statuses.size()),
                     ""};
  if (!stale.empty() || !failing.empty()) {
    result.status = Status::fail;
    result.detail = (stale.empty() ? "" : "no success for three intervals: " + join(stale)) +
                    (stale.empty() || failing.empty() ? "" : "; ") +
                    (failing.empty() ? "" : "last run failed: " + join(failing));
    result.hint = "`novafeed jobs status` shows each job's last run and error; run one by hand with "
                  "`novafeed jobs run JOB --once`; are `serve --with-jobs` or the cron jobs running?";
  } else if (!never.empty()) {
    result.status = Status::warn;
    result.detail = "never run: " + join(never);
    result.hint = "start the schedule (`novafeed serve --with-jobs` or `novafeed jobs run all`) or cron "
                  "(`novafeed jobs run JOB --once`, examples/cron)";
  }
  nlohmann::json jobs = nlohmann::json::object();
  for (const auto& s : statuses)
    jobs[s.job] = {{"verdict", s.verdict},
                   {"seconds_since_last_success",
                    s.seconds_since_last_ok < 0 ? nlohmann::json(nullptr) : nlohmann::json(s.seconds_since_last_ok)},
                   {"interval_s", s.interval_s}};
  result.figures = {{"jobs", jobs}};
  return result;
}

std::vector<CheckResult> check_jobs(const config::Config& config) {
  try {
    return {judge_jobs(jobs::jobs_status(config))};
  } catch (const std::exception& e) {
    return {result_from_error("jobs", e, "the job records are in PostgreSQL: is it running? (`scripts/stack up postgres`)")};
  }
}

}  // namespace nf::doctor
