#include "core/jobs/run_log.hpp"

#include "core/error/error.hpp"

namespace nf::jobs {

namespace {

constexpr const char* kColumns =
    "id, job, host, pid, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'), "
    "coalesce(to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'), ''), "
    "extract(epoch FROM coalesce(finished_at, now()) - started_at)::float8, result, rows, detail, error";

RunRecord record_of(const pqxx::row& row) {
  return RunRecord{row[0].as<int64_t>(), row[1].c_str(),        row[2].c_str(),       row[3].as<int>(),
                   row[4].c_str(),       row[5].c_str(),        row[6].as<double>(),  row[7].c_str(),
                   row[8].as<int64_t>(), row[9].c_str(),        row[10].c_str()};
}

// The run records are bookkeeping on the job's own session: a failure to write one is a
// PostgreSQL failure of the run, named as such.
template <typename Fn>
auto on_runs(const std::string& what, Fn&& fn) {
  try {
    return fn();
  } catch (const pqxx::broken_connection& e) {
    fail_unreachable("PostgreSQL connection broke while " + what + " (table job_runs): " + e.what());
  } catch (const pqxx::undefined_table&) {
    fail_check("table job_runs is missing: run `novafeed schema apply --target postgres` first");
  } catch (const pqxx::sql_error& e) {
    fail_check("PostgreSQL refused " + what + " (table job_runs): " + e.what());
  }
}

}  // namespace

int abandon_running(pqxx::connection& connection, const std::string& job) {
  return on_runs("marking abandoned runs of " + job, [&] {
    pqxx::nontransaction tx(connection);
    const auto result = tx.exec_params(
        "UPDATE job_runs SET result = 'abandoned', finished_at = now(), "
        "error = 'the process died during the run (its lock was free when the next run started)' "
        "WHERE job = $1 AND result = 'running'",
        job);
    return static_cast<int>(result.affected_rows());
  });
}

int64_t record_start(pqxx::connection& connection, const std::string& job, const process::Instance& instance) {
  return on_runs("recording the start of " + job, [&] {
    pqxx::nontransaction tx(connection);
    return tx.exec_params1("INSERT INTO job_runs (job, host, pid) VALUES ($1, $2, $3) RETURNING id", job,
                           instance.host, instance.pid)[0]
        .as<int64_t>();
  });
}

void record_finish(pqxx::connection& connection, int64_t id, bool ok, int64_t rows, const std::string& detail,
                   const std::string& error) {
  on_runs("recording the end of run " + std::to_string(id), [&] {
    pqxx::nontransaction tx(connection);
    tx.exec_params("UPDATE job_runs SET finished_at = now(), result = $2, rows = $3, detail = $4, error = $5 "
                   "WHERE id = $1",
                   id, ok ? "ok" : "failed", rows, detail, error);
    return 0;
  });
}

double seconds_until_due(pqxx::connection& connection, const std::string& job, std::chrono::seconds interval) {
  return on_runs("reading when " + job + " is due", [&] {
    pqxx::nontransaction tx(connection);
    const auto row = tx.exec_params1(
        "SELECT coalesce(extract(epoch FROM max(started_at) + make_interval(secs => $2) - now())::float8, 0) "
        "FROM job_runs WHERE job = $1",
        job, static_cast<double>(interval.count()));
    return row[0].as<double>();
  });
}

JobHistory job_history(pqxx::connection& connection, const std::string& job) {
  return on_runs("reading the runs of " + job, [&] {
    pqxx::nontransaction tx(connection);
    JobHistory history;
    const auto last = tx.exec_params(std::string("SELECT ") + kColumns +
                                         " FROM job_runs WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT 1",
                                     job);
    if (!last.empty()) history.last = record_of(last[0]);
    const auto ok = tx.exec_params(std::string("SELECT ") + kColumns + ", extract(epoch FROM now() - started_at)::float8" +
                                       " FROM job_runs WHERE job = $1 AND result = 'ok' "
                                       "ORDER BY started_at DESC, id DESC LIMIT 1",
                                   job);
    if (!ok.empty()) {
      history.last_ok = record_of(ok[0]);
      history.seconds_since_last_ok = ok[0][11].as<double>();
    }
    const auto counts = tx.exec_params1(
        "SELECT count(*), count(*) FILTER (WHERE result IN ('failed', 'abandoned')) FROM job_runs "
        "WHERE job = $1 AND started_at > now() - interval '24 hours'",
        job);
    history.runs_24h = counts[0].as<int64_t>();
    history.failures_24h = counts[1].as<int64_t>();
    return history;
  });
}

std::vector<RunRecord> recent_runs(pqxx::connection& connection, const std::string& job, int64_t seconds) {
  return on_runs("reading the runs of " + job, [&] {
    pqxx::nontransaction tx(connection);
    std::vector<RunRecord> runs;
    for (const auto& row : tx.exec_params(std::string("SELECT ") + kColumns +
                                              " FROM job_runs WHERE job = $1 AND started_at > now() - "
                                              "make_interval(secs => $2) ORDER BY started_at, id",
                                          job, static_cast<double>(seconds)))
      runs.push_back(record_of(row));
    return runs;
  });
}

int64_t prune_runs(pqxx::connection& connection, int64_t days) {
  return on_runs("pruning old run records", [&] {
    pqxx::nontransaction tx(connection);
    return static_cast<int64_t>(
        tx.exec_params("DELETE FROM job_runs WHERE started_at < now() - make_interval(days => $1)", static_cast<int>(days))
            .affected_rows());
  });
}

}  // namespace nf::jobs
