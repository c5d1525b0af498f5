#include "core/doctor/doctor.hpp"

#include <future>

#include "core/doctor/checks.hpp"

namespace nf::doctor {

std::vector<CheckGroup> default_check_groups() {
  return {
      {"postgres", check_postgres},
      {"clickhouse", check_clickhouse},
      {"redis", check_redis},
      {"kafka", check_kafka},
      {"connect", check_connect},
      {"jobs", check_jobs},
      {"cache", check_serve_cache},
  };
}

Report run_doctor(const config::Config& config, const std::vector<CheckGroup>& groups) {
  // One thread per dependency: the doctor takes as long as the slowest one (each bounded
  // by its configured timeout), not their sum.
  std::vector<std::future<std::vector<CheckResult>>> pending;
  for (const auto& group : groups)
    pending.push_back(std::async(std::launch::async, [&group, &config] { return group.run(config); }));

  Report report;
  for (size_t i = 0; i < groups.size(); ++i) {
    try {
      auto results = pending[i].get();
      report.checks.insert(report.checks.end(), results.begin(), results.end());
    } catch (const std::exception& e) {
      report.checks.push_back(result_from_error(groups[i].name, e, ""));
    }
  }
  return report;
}

}  // namespace nf::doctor
