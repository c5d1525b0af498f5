#include "core/process/instance.hpp"

#include <unistd.h>

namespace nf::process {

Instance this_instance() {
  char host[256] = {};
  Instance instance;
  instance.host = gethostname(host, sizeof host - 1) == 0 && host[0] ? host : "unknown-host";
  instance.pid = static_cast<int>(getpid());
  return instance;
}

}  // namespace nf::process
