#pragma once
// The jobs' figures on /metrics (serve --with-jobs): per job, runs by result, failures,
// the time of the last success and the duration of the last run. Per process: with
// several instances, Prometheus sees each one's runs (max() of the last-success times
// across instances is the job's).

#include <string>

#include "core/jobs/runner.hpp"
#include "core/metrics/registry.hpp"

namespace nf::jobs {

class JobMetrics {
 public:
  JobMetrics();
  // Records a finished (or skipped) run; `now_s` is the wall clock at its end.
  void record(const RunReport& report, double now_s);
  std::string render_prometheus() const { return registry_.render_prometheus(); }

 private:
  metrics::Registry registry_;
  metrics::Family<metrics::Counter>* runs_;
  metrics::Family<metrics::Counter>* failures_;
  metrics::Family<metrics::Gauge>* last_success_;
  metrics::Family<metrics::Gauge>* last_duration_;
};

}  // namespace nf::jobs
