#pragma once
// The jobs' figures on /metrics (serve --with-jobs, jobs run --metrics-listen): per job,
// runs by result, failures, the time of the last success, the duration of the last run
// and the configured interval. Per process: with several instances, Prometheus sees each
// one's runs (max() of the last-success times across instances is the job's).

#include <string>

#include "core/jobs/runner.hpp"
#include "core/metrics/registry.hpp"

namespace nf::jobs {

class JobMetrics {
 public:
  JobMetrics();
  // Records a finished (or skipped) run; `now_s` is the wall clock at its end.
  void record(const RunReport& report, double now_s);
  // The job's interval (novafeed_job_interval_seconds): staleness is measured in it.
  void set_interval(const std::string& job, double seconds);
  std::string render_prometheus() const { return registry_.render_prometheus(); }

 private:
  metrics::Registry registry_;
  metrics::Family<metrics::Counter>* runs_;
  metrics::Family<metrics::Counter>* failures_;
  metrics::Family<metrics::Gauge>* last_success_;
  metrics::Family<metrics::Gauge>* last_duration_;
  metrics::Family<metrics::Gauge>* interval_;
};

}  // namespace nf::jobs
