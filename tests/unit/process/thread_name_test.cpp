#include <catch2/catch.hpp>

#include <pthread.h>

#include <string>
#include <thread>

#include "core/process/thread_name.hpp"

namespace {

std::string name_of_a_thread_named(const std::string& name) {
  std::string seen;
  std::thread thread([&] {
    nf::process::name_this_thread(name);
    char buffer[64] = {0};
    pthread_getname_np(pthread_self(), buffer, sizeof buffer);
    seen = buffer;
  });
  thread.join();
  return seen;
}

}  // namespace

TEST_CASE("thread name: a thread carries the name top -H shows, cut to Linux's 15 bytes") {
  CHECK(name_of_a_thread_named("nf-ingest") == "nf-ingest");
  CHECK(name_of_a_thread_named("nf-suggested-users") == "nf-suggested-us");
}
