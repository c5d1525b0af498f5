#pragma once
// SIGHUP makes `serve` read its configuration again (file, environment and flags, as at
// start) and apply what may change while it runs: feed.ranked_percent, the canary's share
// (docs/canary.md). Every change is logged; a key that needs a restart says so, and a bad
// file or value changes nothing (the reason is logged).

#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/feed/canary.hpp"

namespace nf::serve {

// SIGHUP held for the main loop to take, so the default action (terminate) never runs.
// Construct it before any thread starts: every thread inherits the blocked signal, so
// only received() ever sees it. The destructor restores the previous mask.
class HangupSignal {
 public:
  HangupSignal();
  ~HangupSignal();
  HangupSignal(const HangupSignal&) = delete;
  HangupSignal& operator=(const HangupSignal&) = delete;

  // True when a SIGHUP arrived since the last call (several count once); never blocks.
  bool received();

 private:
  sigset_t previous_mask_;
};

// What one reload did, as log lines.
struct ReloadNote {
  bool warning = false;  // not applied: a bad value, or a key that needs a restart
  std::string text;
};

// Applies `after` over `before`: feed.ranked_percent to `canary` when valid (else the
// old value stays and a warning says why); every other changed key is noted as needing a
// restart (secrets by name only). Returns the notes and leaves in `in_force` the
// configuration the next reload compares with (`after`, but with the percent kept when
// it was refused).
std::vector<ReloadNote> apply_reload(const config::Config& before, const config::Config& after, feed::Canary& canary,
                                     config::Config& in_force);

// The whole SIGHUP: `load` (throws nf::Error for a bad file) → apply_reload → each note
// logged. On a load error nothing changes. Returns the configuration now in force.
config::Config reload_config(const config::Config& before, const std::function<config::Config()>& load,
                             feed::Canary& canary);

}  // namespace nf::serve
