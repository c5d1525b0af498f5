#include "core/jobs/scheduler.hpp"

#include <algorithm>
#include <memory>
#include <random>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/jobs/lock.hpp"
#include "core/jobs/run_log.hpp"
#include "core/jobs/runner.hpp"
#include "core/process/thread_name.hpp"
#include "core/time/clock.hpp"

namespace nf::jobs {

Scheduler::Scheduler(JobContext& context, std::vector<const JobSpec*> jobs, JobMetrics* metrics)
    : context_(context),
      jobs_(std::move(jobs)),
      metrics_(metrics),
      poll_(std::max<int64_t>(1, context.config->get_int("jobs.poll_s"))) {
  for (const auto* spec : jobs_) {
    const auto interval = interval_of(*context_.config, *spec);  // a bad interval fails now, not in a thread
    if (metrics_) metrics_->set_interval(std::string(spec->name), static_cast<double>(interval.count()));
  }
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  for (const auto* spec : jobs_)
    threads_.emplace_back([this, spec] {
      process::name_this_thread("nf-" + std::string(spec->name));
      loop(*spec);
    });
}

void Scheduler::stop() {
  stop_ = true;
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

bool Scheduler::stopping() const { return stop_ || context_.stopping(); }

void Scheduler::pause(double seconds) const {
  using namespace std::chrono;
  const auto until = steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(seconds));
  while (!stopping() && steady_clock::now() < until)
    std::this_thread::sleep_for(std::min<steady_clock::duration>(milliseconds(200), until - steady_clock::now()));
}

void Scheduler::loop(const JobSpec& spec) {
  const auto interval = interval_of(*context_.config, spec);
  const double poll_s = static_cast<double>(std::min(interval, poll_).count());
  // Instances started together drift apart instead of asking in lockstep.
  std::mt19937 random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  std::unique_ptr<LockSession> session;
  std::string last_problem;
  spdlog::info("jobs: {}: scheduled every {} s (this instance checks every {:.0f} s whether it is due)", spec.name,
               interval.count(), poll_s);
  while (!stopping()) {
    double wait_s = poll_s;
    try {
      if (!session) session = std::make_unique<LockSession>(context_.postgres, context_.instance);
      if (session->try_lock(spec)) {
        HeldLock held(*session, spec);
        const double due_in = seconds_until_due(session->connection(), std::string(spec.name), interval);
        if (due_in <= 0) {
          const auto report = run_locked(context_, *session, spec, RunOptions{false, time::now_ms()});
          if (metrics_) metrics_->record(report, static_cast<double>(time::now_ms()) / 1000.0);
          wait_s = static_cast<double>(interval.count());
        } else {
          wait_s = due_in;
        }
      }
      if (!last_problem.empty()) spdlog::info("jobs: {}: PostgreSQL answers again; the schedule goes on", spec.name);
      last_problem.clear();
    } catch (const std::exception& e) {
      // The lock session broke (PostgreSQL down or restarted): nothing can be locked or
      // recorded, so nothing runs; try again with a new session. Said once per cause.
      if (e.what() != last_problem)
        spdlog::error("jobs: {}: cannot lock or record runs: {}; retrying every {:.0f} s", spec.name, e.what(), poll_s);
      last_problem = e.what();
      session.reset();
    }
    pause(std::min(wait_s, poll_s) * jitter(random));
  }
}

}  // namespace nf::jobs
