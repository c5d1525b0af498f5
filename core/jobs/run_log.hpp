#pragma once
// The job_runs table (schema/postgres/0003_job_runs.sql): one row per run, written by the
// run's holder of the job lock; read by `jobs status`, `doctor` and the schedulers. Times
// are the database's, so instances with skewed clocks still agree on what is due.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/process/instance.hpp"

namespace nf::jobs {

struct RunRecord {
  int64_t id = 0;
  std::string job;
  std::string host;
  int pid = 0;
  std::string started_at;   // UTC "YYYY-MM-DD HH:MM:SS.mmm"
  std::string finished_at;  // "" while running
  double seconds = 0;       // finished - started (running: so far)
  std::string result;       // running, ok, failed, abandoned
  int64_t rows = 0;
  std::string detail;
  std::string error;

  std::string instance() const { return host + ":" + std::to_string(pid); }
};

// Marks the job's runs still 'running' as 'abandoned' (call while holding its lock: no
// other run of it can be alive) and returns how many there were.
int abandon_running(pqxx::connection& connection, const std::string& job);

// A new 'running' row; returns its id.
int64_t record_start(pqxx::connection& connection, const std::string& job, const process::Instance& instance);

// Ends the run: result ok or failed, with what it wrote or why it failed.
void record_finish(pqxx::connection& connection, int64_t id, bool ok, int64_t rows, const std::string& detail,
                   const std::string& error);

// Seconds until the job is due by the database's clock: its latest run started
// `interval` ago (negative or 0: due now; never run: due now).
double seconds_until_due(pqxx::connection& connection, const std::string& job, std::chrono::seconds interval);

// The latest run of `job` and its latest successful one (either may be absent).
struct JobHistory {
  std::optional<RunRecord> last;
  std::optional<RunRecord> last_ok;
  int64_t runs_24h = 0, failures_24h = 0;
  double seconds_since_last_ok = -1;  // by the database's clock; -1: never succeeded
};
JobHistory job_history(pqxx::connection& connection, const std::string& job);

// The runs of `job` that started within the last `seconds`, oldest first (tests, status).
std::vector<RunRecord> recent_runs(pqxx::connection& connection, const std::string& job, int64_t seconds);

// Deletes the records of runs that started more than `days` ago; returns how many.
int64_t prune_runs(pqxx::connection& connection, int64_t days);

}  // namespace nf::jobs
