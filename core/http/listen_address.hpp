#pragma once
// "HOST:PORT" as serve.listen and --listen take it: an IPv4 address, "[IPv6]" or
// "localhost", and a port 0..65535 (0 lets the kernel pick one).

#include <cstdint>
#include <string>
#include <string_view>

namespace nf::http {

struct ListenAddress {
  std::string host;  // a numeric address, brackets removed ("127.0.0.1", "::1")
  uint16_t port = 0;
};

// Throws nf::Error(usage) naming `what` (e.g. "serve.listen") and the accepted forms.
ListenAddress parse_listen_address(std::string_view text, std::string_view what);

// Where a client on this machine reaches a server listening on `text`: "http://HOST:PORT",
// a wildcard host (0.0.0.0, [::]) asked on loopback. Throws as parse_listen_address.
std::string local_url(std::string_view text, std::string_view what);

}  // namespace nf::http
