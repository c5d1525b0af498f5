// `jobs list` and `jobs status`: the catalog, and each job's state from job_runs and
// pg_locks, as text for people and JSON for scripts (and doctor).

#include <fmt/format.h>

#include "core/jobs/jobs.hpp"
#include "core/jobs/lock.hpp"
#include "core/pg/connection.hpp"

namespace nf::jobs {

namespace {

std::string duration_text(double seconds) {
  if (seconds < 0) return "-";
  if (seconds < 120) return fmt::format("{:.0f} s", seconds);
  if (seconds < 7200) return fmt::format("{:.0f} min", seconds / 60);
  if (seconds < 172800) return fmt::format("{:.1f} h", seconds / 3600);
  return fmt::format("{:.1f} d", seconds / 86400);
}

std::string verdict_of(const JobStatus& s) {
  if (s.last && s.last->result == "running" && s.holder) return "running";
  if (!s.last) return "never_run";
  if (s.seconds_since_last_ok < 0 || s.seconds_since_last_ok > 3.0 * static_cast<double>(s.interval_s)) return "stale";
  if (s.last->result == "failed" || s.last->result == "abandoned") return "failing";
  return "ok";
}

nlohmann::json run_record_json(const std::optional<RunRecord>& run) {
  if (!run) return nullptr;
  return {{"id", run->id},
          {"started_at", run->started_at},
          {"finished_at", run->finished_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(run->finished_at)},
          {"instance", run->instance()},
          {"seconds", run->seconds},
          {"result", run->result},
          {"rows", run->rows},
          {"detail", run->detail},
          {"error", run->error}};
}

}  // namespace

std::string render_list_text(const config::Config& config) {
  std::string out;
  for (const auto& spec : job_specs())
    out += fmt::format("{:<16} every {:<8} {}\n", spec.name, duration_text(static_cast<double>(interval_of(config, spec).count())),
                       spec.writes);
  return out;
}

nlohmann::json render_list_json(const config::Config& config) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& spec : job_specs()) {
    nlohmann::json keys = nlohmann::json::array();
    for (const auto key : spec.interval_keys) keys.push_back(key);
    jobs.push_back({{"job", spec.name},
                    {"interval_s", interval_of(config, spec).count()},
                    {"interval_keys", keys},
                    {"writes", spec.writes},
                    {"lock", {{"classid", kLockNamespace}, {"objid", spec.lock_id}}}});
  }
  return {{"jobs", jobs}};
}

std::vector<JobStatus> jobs_status(const config::Config& config) {
  auto connection = pg::connect(pg::settings_from(config));
  std::vector<JobStatus> out;
  for (const auto& spec : job_specs()) {
    JobStatus s;
    s.job = std::string(spec.name);
    s.interval_s = interval_of(config, spec).count();
    const auto history = job_history(*connection, s.job);
    s.last = history.last;
    s.last_ok = history.last_ok;
    s.seconds_since_last_ok = history.seconds_since_last_ok;
    s.runs_24h = history.runs_24h;
    s.failures_24h = history.failures_24h;
    s.next_due_in_s = seconds_until_due(*connection, s.job, std::chrono::seconds(s.interval_s));
    s.holder = lock_holder(*connection, spec);
    s.verdict = verdict_of(s);
    out.push_back(std::move(s));
  }
  return out;
}

bool healthy(const std::vector<JobStatus>& statuses) {
  for (const auto& s : statuses)
    if (s.verdict == "stale" || s.verdict == "failing") return false;
  return true;
}

std::string render_status_text(const std::vector<JobStatus>& statuses) {
  std::string out;
  for (const auto& s : statuses) {
    out += fmt::format("{:<16} {:<9} every {}", s.job, s.verdict, duration_text(static_cast<double>(s.interval_s)));
    if (s.holder) out += "; lock held by " + s.holder->instance;
    out += "\n";
    if (s.last)
      out += fmt::format("  last run   {} UTC on {}, {:.2f} s, {}{}{}\n", s.last->started_at.substr(0, 19),
                         s.last->instance(), s.last->seconds, s.last->result,
                         s.last->result == "ok" ? fmt::format(", {} written", s.last->rows) : "",
                         s.last->error.empty() ? "" : ": " + s.last->error);
    else
      out += "  last run   never (start it: `novafeed jobs run " + s.job + " --once`, or `serve --with-jobs`)\n";
    if (s.last_ok && s.last_ok->id != (s.last ? s.last->id : 0))
      out += fmt::format("  last ok    {} UTC ({} ago)\n", s.last_ok->started_at.substr(0, 19),
                         duration_text(s.seconds_since_last_ok));
    out += fmt::format("  next due   {}\n", s.next_due_in_s <= 0 ? std::string("now") : "in " + duration_text(s.next_due_in_s));
    out += fmt::format("  last 24 h  {} runs, {} failed\n", s.runs_24h, s.failures_24h);
  }
  return out;
}

nlohmann::json render_status_json(const std::vector<JobStatus>& statuses) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& s : statuses)
    jobs.push_back({{"job", s.job},
                    {"verdict", s.verdict},
                    {"interval_s", s.interval_s},
                    {"last_run", run_record_json(s.last)},
                    {"last_success", run_record_json(s.last_ok)},
                    {"seconds_since_last_success", s.seconds_since_last_ok < 0 ? nlohmann::json(nullptr)
                                                                               : nlohmann::json(s.seconds_since_last_ok)},
                    {"next_due_in_s", s.next_due_in_s},
                    {"runs_24h", s.runs_24h},
                    {"failures_24h", s.failures_24h},
                    {"lock_held_by", s.holder ? nlohmann::json{{"instance", s.holder->instance},
                                                               {"backend_pid", s.holder->backend_pid},
                                                               {"session_start", s.holder->since}}
                                              : nlohmann::json(nullptr)}});
  return {{"healthy", healthy(statuses)}, {"jobs", jobs}};
}

}  // namespace nf::jobs
