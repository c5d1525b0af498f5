#include "tests/support/slow_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace nf::test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

SlowProxy::SlowProxy(int upstream_port, std::chrono::milliseconds delay) : upstream_port_(upstream_port), delay_(delay) {
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(listen(listener_, 64) == 0);
  socklen_t size = sizeof address;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_connections(); });
}

SlowProxy::~SlowProxy() {
  stop_ = true;
  acceptor_.join();  // no new connection threads after this
  for (auto& t : threads_) t.join();
  close(listener_);
}

void SlowProxy::accept_connections() {
  while (!stop_) {
    pollfd p = {listener_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    std::lock_guard lock(mutex_);
    threads_.emplace_back([this, client] { relay(client); });
  }
}

void SlowProxy::relay(int client) {
  const int upstream = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  if (connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(client);
    close(upstream);
    return;
  }
  std::atomic<bool> done = false;
  std::thread back([&] { copy(upstream, client, done, false); });
  copy(client, upstream, done, true);
  done = true;
  shutdown(upstream, SHUT_RDWR);
  shutdown(client, SHUT_RDWR);
  back.join();
  close(client);
  close(upstream);
}

void SlowProxy::copy(int from, int to, std::atomic<bool>& done, bool delayed) {
  char buffer[65536];
  auto last = Clock::now() - 1h;
  while (!stop_ && !done) {
    pollfd p = {from, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const ssize_t n = read(from, buffer, sizeof buffer);
    if (n <= 0) break;
    if (delayed && Clock::now() - last > 200ms) {  // the start of a request
      std::this_thread::sleep_for(delay_);
      pollfd alive = {from, POLLRDHUP, 0};
      if (poll(&alive, 1, 0) > 0) break;  // the client died meanwhile: drop its request
    }
    last = Clock::now();
    for (ssize_t sent = 0; sent < n;) {
      // send(MSG_NOSIGNAL), not write(): a peer SIGKILLed mid-response must end this relay
      // with EPIPE, not kill the test process with SIGPIPE.
      const ssize_t w = send(to, buffer + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (w <= 0) return;
      sent += w;
    }
  }
  done = true;
}

}  // namespace nf::test
