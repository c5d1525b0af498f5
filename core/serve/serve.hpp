#pragma once
// `novafeed serve`: the feed API (SPEC §4), and with --with-ingest/--with-jobs the whole
// backend in one process. Reads top to bottom in serve.cpp: signals → dependencies →
// routes → server → background work → wait for SIGTERM → drain → flush → leave.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/config/config.hpp"

namespace nf::serve {

struct ServeRequest {
  std::optional<std::string> listen;  // overrides serve.listen
  bool with_ingest = false;
  bool with_jobs = false;
  // How SIGHUP re-reads the configuration (file, environment and flags, as at start);
  // unset: SIGHUP changes nothing.
  std::function<config::Config()> reload_config;
};

struct Listening {
  std::string address;  // "127.0.0.1:8080" (the bound port when 0 was asked for)
  bool with_ingest = false;
  bool with_jobs = false;
};

// Runs until SIGINT/SIGTERM, then stops accepting, answers every request in flight
// (serve.shutdown_timeout_ms), flushes the event producer and the ingest. SIGHUP re-reads
// the configuration and applies a changed feed.ranked_percent (config_reload.hpp). Calls
// `on_listening` once the socket is bound. Throws nf::Error: usage (no JWT secret, bad or
// busy address), unreachable only for what serve cannot run without (nothing: every
// dependency may be down at start; /readyz says which).
void run_serve(const config::Config& config, const ServeRequest& request,
               const std::function<void(const Listening&)>& on_listening);

}  // namespace nf::serve
