#pragma once
// Who this novafeed process is, as other instances see it: "host:pid". Job locks, run
// records and skip messages name the instance, so an on-call engineer knows which machine
// and process to look at.

#include <string>

namespace nf::process {

struct Instance {
  std::string host;  // gethostname(), "unknown-host" when it fails
  int pid = 0;

  std::string name() const { return host + ":" + std::to_string(pid); }
};

// This process.
Instance this_instance();

}  // namespace nf::process
