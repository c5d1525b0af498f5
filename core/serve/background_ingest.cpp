#include "core/serve/background_ingest.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/ingest/ingest.hpp"
#include "core/ingest/instance_id.hpp"
#include "core/process/thread_name.hpp"

namespace nf::serve {

namespace {

constexpr auto kRetryEvery = std::chrono::seconds(5);

}  // namespace

BackgroundIngest::BackgroundIngest(const config::Config& config) : config_(config), probe_(config, metrics_) {
  thread_ = std::thread([this] {
    process::name_this_thread("nf-ingest");
    run();
  });
}

BackgroundIngest::~BackgroundIngest() { stop(); }

void BackgroundIngest::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string BackgroundIngest::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

IngestState BackgroundIngest::state() const {
  IngestState state;
  state.name = metrics_.snapshot().state;
  state.consuming = state.name == "consuming";
  if (state.name == "fenced")
    state.detail = "fenced: " + last_error() + " Restart this serve (or give it its own ingest.instance_id) to ingest again";
  else if (state.name == "retrying")
    state.detail = "retrying every " + std::to_string(kRetryEvery.count()) + " s after: " + last_error();
  else
    state.detail = state.name;
  return state;
}

void BackgroundIngest::run() {
  ingest::IngestRequest request;
  request.streams = "all";
  while (!stop_) {
    try {
      running_ = true;
      const auto summary = ingest::run_ingest(config_, request, metrics_, stop_);
      running_ = false;
      spdlog::info("{}", ingest::render_summary_text(summary));
    } catch (const std::exception& e) {
      running_ = false;
      {
        std::lock_guard lock(mutex_);
        last_error_ = e.what();
      }
      // Fenced: another process has this instance id now; a retry would fence it in turn.
      const auto* error = dynamic_cast<const Error*>(&e);
      const bool fenced = error && error->reason() == ingest::kFencedReason;
      metrics_.update([fenced](ingest::MetricsSnapshot& m) { m.state = fenced ? "fenced" : "retrying"; });
      if (fenced) {
        spdlog::error("ingest: {} Not retrying: the API keeps serving, without the in-process ingest, until a restart.",
                      e.what());
        return;
      }
      spdlog::error("ingest: {}; retrying in {} s (the API keeps serving)", e.what(), kRetryEvery.count());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, kRetryEvery, [this] { return stop_.load(); });
  }
}

}  // namespace nf::serve
