#pragma once
// One run of one job, the way every run goes, by hand, from cron or from a schedule:
//
//   take the job's lock (else: skipped, naming the holder) → mark runs left 'running' by a
//   dead process as abandoned → record the start → run the job → record the end →
//   release the lock
//
// A failing job is recorded as failed with its error and reported, never thrown past the
// runner: one job's failure does not stop the others. Only the lock session's own
// failure (PostgreSQL unreachable) throws, since nothing can be recorded then.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error/error.hpp"
#include "core/jobs/catalog.hpp"
#include "core/jobs/job.hpp"
#include "core/jobs/lock.hpp"

namespace nf::jobs {

enum class RunState { ok, failed, skipped };
std::string_view state_name(RunState state);  // "ok", "failed", "skipped"

struct RunReport {
  std::string job;
  RunState state = RunState::ok;
  double seconds = 0;
  JobOutcome outcome;                   // ok: what it wrote
  std::string error;                    // failed: what failed and what to do
  ExitCode error_code = ExitCode::ok;   // failed: check_failed or unreachable
  std::optional<LockHolder> holder;     // skipped: who holds the lock
  std::string holder_since;             // skipped: when the holder's run started ("" if unknown)
  int abandoned = 0;                    // runs of dead processes found and marked
};

// Runs `spec` once under its lock on `session`: skipped when another session holds it.
// Throws nf::Error(unreachable) when the lock session fails.
RunReport run_under_lock(JobContext& context, LockSession& session, const JobSpec& spec, const RunOptions& options);

// The same for a caller that already holds the job's lock on `session` (the scheduler,
// which takes it to see whether the job is due); the lock stays held.
RunReport run_locked(JobContext& context, LockSession& session, const JobSpec& spec, const RunOptions& options);

// Releases the job's lock when it goes out of scope (never throws: a lock that cannot be
// released goes with its session).
class HeldLock {
 public:
  HeldLock(LockSession& session, const JobSpec& spec) : session_(session), spec_(spec) {}
  ~HeldLock();
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;

 private:
  LockSession& session_;
  const JobSpec& spec_;
};

// "hot-posts: skipped, running on host:pid since 2026-12-03 10:00:01 UTC" and the like:
// the one line a cron mail or a terminal shows for a run.
std::string run_line(const RunReport& report);
nlohmann::json run_json(const RunReport& report);

}  // namespace nf::jobs
