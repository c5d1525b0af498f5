#pragma once
// `novafeed doctor`: asks every dependency how it is, all at once, and gathers the
// answers into a Report (report.hpp), rendered by render.hpp.
//
// Adding a check: write a function config -> results (see checks.hpp) and add it to
// default_check_groups(); results appear in that order whatever order they finish in.

#include <functional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/doctor/report.hpp"

namespace nf::doctor {

// One dependency's checks. `run` must not throw (see checks.hpp) and must bound every
// network call by the configured timeouts.
struct CheckGroup {
  std::string name;
  std::function<std::vector<CheckResult>(const config::Config&)> run;
};

// postgres, clickhouse, redis, kafka, connect, jobs, cache.
std::vector<CheckGroup> default_check_groups();

// Runs every group concurrently and returns their results in group order. A group that
// throws anyway becomes one "fail" result named after it.
Report run_doctor(const config::Config& config, const std::vector<CheckGroup>& groups = default_check_groups());

}  // namespace nf::doctor
