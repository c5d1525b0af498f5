#include "core/jobs/lock.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"

namespace nf::jobs {

namespace {

constexpr std::string_view kApplicationPrefix = "novafeed jobs ";

// libpqxx throws on a broken connection; a lock call that cannot reach the server is a
// dependency failure, named as such.
template <typename Fn>
auto on_session(pqxx::connection& connection, const std::string& what, Fn&& fn) {
  try {
    return fn();
  } catch (const pqxx::broken_connection& e) {
    fail_unreachable("PostgreSQL connection of the job locks broke while " + what + ": " + e.what());
  } catch (const pqxx::sql_error& e) {
    fail_check("PostgreSQL refused " + what + ": " + e.what());
  }
}

}  // namespace

LockSession::LockSession(const pg::Settings& settings, const process::Instance& instance)
    : connection_(pg::connect(settings)) {
  // application_name holds at most 63 bytes: the host is cut, the pid kept. Set here (not
  // in the URL), so a postgres.url with its own application_name cannot hide the holder.
  const std::string pid = ":" + std::to_string(instance.pid);
  const std::string name =
      std::string(kApplicationPrefix) + instance.host.substr(0, 63 - kApplicationPrefix.size() - pid.size()) + pid;
  on_session(*connection_, "naming the job lock session", [&] {
    pqxx::nontransaction tx(*connection_);
    tx.exec("SET application_name = " + tx.quote(name));
    return 0;
  });
}

bool LockSession::try_lock(const JobSpec& spec) {
  return on_session(*connection_, "taking the lock of job " + std::string(spec.name), [&] {
    pqxx::nontransaction tx(*connection_);
    return tx.exec_params1("SELECT pg_try_advisory_lock($1, $2)", kLockNamespace, spec.lock_id)[0].as<bool>();
  });
}

bool LockSession::unlock(const JobSpec& spec) {
  const bool held = on_session(*connection_, "releasing the lock of job " + std::string(spec.name), [&] {
    pqxx::nontransaction tx(*connection_);
    return tx.exec_params1("SELECT pg_advisory_unlock($1, $2)", kLockNamespace, spec.lock_id)[0].as<bool>();
  });
  if (!held) spdlog::warn("jobs: {}: the lock was not held at the end of the run (was the session reset?)", spec.name);
  return held;
}

std::optional<LockHolder> lock_holder(pqxx::connection& connection, const JobSpec& spec) {
  return on_session(connection, "reading who holds the lock of job " + std::string(spec.name), [&] {
    pqxx::nontransaction tx(connection);
    // The two-key form of an advisory lock shows as classid = key1, objid = key2, objsubid = 2.
    const auto rows = tx.exec_params(
        "SELECT a.application_name, l.pid, to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2",
        kLockNamespace, spec.lock_id);
    std::optional<LockHolder> holder;
    if (!rows.empty())
      holder = LockHolder{instance_of_application(rows[0][0].c_str()), rows[0][1].as<int>(), rows[0][2].c_str()};
    return holder;
  });
}

std::string instance_of_application(const std::string& application_name) {
  if (application_name.rfind(kApplicationPrefix, 0) == 0) return application_name.substr(kApplicationPrefix.size());
  return application_name.empty() ? "(a session without application_name)" : application_name;
}

}  // namespace nf::jobs
