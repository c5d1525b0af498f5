#pragma once
// A TCP proxy in front of a server (ClickHouse, in the tests) that holds each request
// `delay` before passing it on, and drops it when its client died meanwhile: a slow
// network, so a SIGKILL lands in the middle of an insert (ingest) or a job's query
// (jobs), not only between two.

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace nf::test {

class SlowProxy {
 public:
  SlowProxy(int upstream_port, std::chrono::milliseconds delay);
  ~SlowProxy();
  SlowProxy(const SlowProxy&) = delete;
  SlowProxy& operator=(const SlowProxy&) = delete;
  int port() const { return port_; }

 private:
  void accept_connections();
  void relay(int client);
  void copy(int from, int to, std::atomic<bool>& done, bool delayed);

  int upstream_port_;
  std::chrono::milliseconds delay_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_ = false;
  std::mutex mutex_;
  std::thread acceptor_;
  std::vector<std::thread> threads_;  // one per connection, joined by the destructor
};

}  // namespace nf::test
