#pragma once
// A background thread that calls `tick` every `interval` until it is destroyed: the
// destructor wakes it at once and joins (a tick in progress finishes first). An interval
// of 0 starts no thread. `tick` must not throw; one that does is logged and the thread
// goes on. Used by the CDC watch (heals) and the CDC probe (reads for /metrics).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace nf::process {

class Periodic {
 public:
  enum class First { now, after_interval };  // the first tick at start, or one interval in

  Periodic(std::string name, std::chrono::milliseconds interval, First first, std::function<void()> tick);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

 private:
  void run(First first);

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> tick_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace nf::process
