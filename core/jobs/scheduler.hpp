#pragma once
// The schedule of `jobs run` (without --once) and `serve --with-jobs`: one thread per job,
// each with its own lock session. Every `poll` a thread takes its job's lock if it is free
// and asks the database whether the job is due (its latest run, by any instance, started
// one interval ago); if so it runs it, then lets the lock go. So with any number of
// instances (and cron on top) a job runs once per interval, never twice at once, and when
// the instance that ran it dies, another one runs it when it is next due.

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/jobs/catalog.hpp"
#include "core/jobs/job.hpp"
#include "core/jobs/metrics.hpp"

namespace nf::jobs {

class Scheduler {
 public:
  // `metrics` may be null. Nothing starts before start().
  Scheduler(JobContext& context, std::vector<const JobSpec*> jobs, JobMetrics* metrics);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Asks every thread to stop (a running job sees context.stopping() only through the
  // context's own flag) and waits for them.
  void stop();

 private:
  void loop(const JobSpec& spec);
  bool stopping() const;
  // Sleeps up to `seconds`, waking early when asked to stop.
  void pause(double seconds) const;

  JobContext& context_;
  std::vector<const JobSpec*> jobs_;
  JobMetrics* metrics_;
  std::chrono::seconds poll_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace nf::jobs
