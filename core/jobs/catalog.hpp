#pragma once
// The periodic jobs of SPEC §5, declared once: name, lock number, interval, what each
// writes, and the function that runs it. `jobs list|run|status`, the schedulers of
// `jobs run` and `serve --with-jobs`, the locks and the man page all read this table.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/jobs/job.hpp"

namespace nf::jobs {

struct JobSpec {
  std::string_view name;                        // "hot-posts"
  int lock_id = 0;                              // second key of its advisory lock (kLockNamespace first)
  std::vector<std::string_view> interval_keys;  // its interval is the shortest of these (seconds)
  std::string_view writes;                      // for `jobs list`
  JobOutcome (*run)(JobContext& context, const RunOptions& options) = nullptr;
};

// Every job, in the order `all` runs them.
const std::vector<JobSpec>& job_specs();

// The jobs `name` selects ("all": every job); throws nf::Error(usage) naming the choices.
std::vector<const JobSpec*> select_jobs(std::string_view name);

// The job's interval from its configuration keys; throws nf::Error(usage) for one < 1 s.
std::chrono::seconds interval_of(const config::Config& config, const JobSpec& spec);

}  // namespace nf::jobs
