#include "core/jobs/runner.hpp"

#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/jobs/run_log.hpp"

namespace nf::jobs {

std::string_view state_name(RunState state) {
  switch (state) {
    case RunState::ok: return "ok";
    case RunState::failed: return "failed";
    case RunState::skipped: return "skipped";
  }
  return "?";
}

namespace {

// When the holder's run started, from its 'running' record ("" when there is none).
std::string running_since(pqxx::connection& connection, const std::string& job, const LockHolder& holder) {
  for (const auto& run : recent_runs(connection, job, 7 * 24 * 3600))
    if (run.result == "running" && run.instance() == holder.instance) return run.started_at.substr(0, 19) + " UTC";
  return "";
}

}  // namespace

HeldLock::~HeldLock() {
  try {
    session_.unlock(spec_);
  } catch (const std::exception& e) {
    spdlog::warn("jobs: {}: could not release the lock ({}); it goes with the session", spec_.name, e.what());
  }
}

RunReport run_under_lock(JobContext& context, LockSession& session, const JobSpec& spec, const RunOptions& options) {
  if (!session.try_lock(spec)) {
    RunReport report;
    report.job = std::string(spec.name);
    report.state = RunState::skipped;
    report.holder = lock_holder(session.connection(), spec);
    if (report.holder) report.holder_since = running_since(session.connection(), report.job, *report.holder);
    return report;
  }
  HeldLock held(session, spec);
  return run_locked(context, session, spec, options);
}

RunReport run_locked(JobContext& context, LockSession& session, const JobSpec& spec, const RunOptions& options) {
  RunReport report;
  report.job = std::string(spec.name);
  report.abandoned = abandon_running(session.connection(), report.job);
  if (report.abandoned)
    spdlog::warn("jobs: {}: {} earlier run(s) were left 'running' by a process that died; marked abandoned",
                 spec.name, report.abandoned);
  const int64_t id = record_start(session.connection(), report.job, context.instance);
  const auto started = std::chrono::steady_clock::now();
  spdlog::info("jobs: {}: started (run {})", spec.name, id);
  try {
    report.outcome = spec.run(context, options);
    report.state = RunState::ok;
  } catch (const Error& e) {
    report.state = RunState::failed;
    report.error = e.what();
    report.error_code = e.code() == ExitCode::unreachable ? ExitCode::unreachable : ExitCode::check_failed;
  } catch (const std::exception& e) {
    report.state = RunState::failed;
    report.error = std::string("unexpected error: ") + e.what();
    report.error_code = ExitCode::check_failed;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  record_finish(session.connection(), id, report.state == RunState::ok, static_cast<int64_t>(report.outcome.rows),
                report.outcome.detail, report.error);
  if (report.state == RunState::ok)
    spdlog::info("jobs: {}: ok in {:.2f} s: {}", spec.name, report.seconds, report.outcome.detail);
  else
    spdlog::error("jobs: {}: failed after {:.2f} s: {}", spec.name, report.seconds, report.error);
  return report;
}

std::string run_line(const RunReport& report) {
  switch (report.state) {
    case RunState::ok:
      return fmt::format("{}: ok in {:.2f} s: {}", report.job, report.seconds, report.outcome.detail);
    case RunState::failed:
      return fmt::format("{}: FAILED after {:.2f} s: {}", report.job, report.seconds, report.error);
    case RunState::skipped:
      if (!report.holder) return report.job + ": skipped, its lock is held (the holder ended just now)";
      return report.job + ": skipped, running on " + report.holder->instance +
             (report.holder_since.empty() ? "" : " since " + report.holder_since);
  }
  return report.job;
}

nlohmann::json run_json(const RunReport& report) {
  nlohmann::json json = {{"job", report.job}, {"result", state_name(report.state)}, {"seconds", report.seconds}};
  if (report.state == RunState::ok) {
    json["rows"] = report.outcome.rows;
    json["detail"] = report.outcome.detail;
    json["facts"] = report.outcome.facts;
  }
  if (report.state == RunState::failed) {
    json["error"] = report.error;
    json["exit_code"] = static_cast<int>(report.error_code);
  }
  if (report.state == RunState::skipped)
    json["held_by"] = report.holder ? nlohmann::json{{"instance", report.holder->instance},
                                                     {"since", report.holder_since.empty() ? nlohmann::json(nullptr)
                                                                                            : nlohmann::json(report.holder_since)},
                                                     {"backend_pid", report.holder->backend_pid}}
                                    : nlohmann::json(nullptr);
  if (report.abandoned) json["abandoned_runs_marked"] = report.abandoned;
  return json;
}

}  // namespace nf::jobs
