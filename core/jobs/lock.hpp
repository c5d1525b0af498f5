#pragma once
// The lock that keeps a job from running twice anywhere: a PostgreSQL session advisory
// lock, pg_try_advisory_lock(kLockNamespace, spec.lock_id), on a session of its own
// (never pooled: the lock belongs to the session). Every novafeed instance that reaches
// the database sees it, and PostgreSQL releases it by itself the moment the session ends,
// so a holder that dies, even by SIGKILL or with its machine, frees the job at once.
//
// The session is named "novafeed jobs <host>:<pid>" (application_name), so who holds a
// lock can be read back from pg_locks and pg_stat_activity by anyone.

#include <memory>
#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "core/jobs/catalog.hpp"
#include "core/pg/connection.hpp"
#include "core/process/instance.hpp"

namespace nf::jobs {

// The first key of every job lock: "nf" in ASCII, so novafeed's locks are easy to spot in
// pg_locks (classid 28262) and do not collide with an application's own single-key locks.
inline constexpr int kLockNamespace = 0x6e66;

struct LockHolder {
  std::string instance;     // "host:pid" of the novafeed process, from its application_name
  int backend_pid = 0;      // the PostgreSQL backend holding it
  std::string since;        // when that session started (UTC "YYYY-MM-DD HH:MM:SS")
};

class LockSession {
 public:
  // Connects; throws nf::Error(unreachable) when PostgreSQL does not answer.
  LockSession(const pg::Settings& settings, const process::Instance& instance);

  // True when this session now holds the job's lock (it may hold several jobs' locks).
  bool try_lock(const JobSpec& spec);
  // Releases it; false when this session did not hold it (logged: the lock was lost).
  bool unlock(const JobSpec& spec);

  // The connection, for the run records written while the lock is held.
  pqxx::connection& connection() { return *connection_; }

 private:
  std::unique_ptr<pqxx::connection> connection_;
};

// Who holds the job's lock now (any instance), or nullopt when nobody does. `connection`
// is any session of the same database.
std::optional<LockHolder> lock_holder(pqxx::connection& connection, const JobSpec& spec);

// "novafeed jobs host:pid" → "host:pid" (the application_name otherwise, e.g. for a lock
// taken by hand in psql).
std::string instance_of_application(const std::string& application_name);

}  // namespace nf::jobs
