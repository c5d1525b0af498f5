#include "core/http/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "core/error/error.hpp"

namespace nf::http {

ListenAddress parse_listen_address(std::string_view text, std::string_view what) {
  const auto bad = [&](std::string_view why) {
    throw Error(ExitCode::usage, std::string(what) + ": '" + std::string(text) + "' " + std::string(why) +
                                     " (expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080; port 0 "
                                     "picks a free one)");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) bad("has no port");
  auto host = text.substr(0, colon);
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    bad("has no valid port (0..65535)");

  ListenAddress address;
  address.port = static_cast<uint16_t>(port);
  unsigned char scratch[16];
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    address.host = std::string(host.substr(1, host.size() - 2));
    if (inet_pton(AF_INET6, address.host.c_str(), scratch) != 1) bad("has no valid IPv6 address in brackets");
  } else if (host == "localhost") {
    address.host = "127.0.0.1";
  } else {
    address.host = std::string(host);
    if (inet_pton(AF_INET, address.host.c_str(), scratch) != 1)
      bad(host.find(':') != std::string_view::npos ? "needs brackets around an IPv6 address"
                                                   : "has no valid IPv4 address");
  }
  return address;
}

std::string local_url(std::string_view text, std::string_view what) {
  auto address = parse_listen_address(text, what);
  if (address.host == "0.0.0.0") address.host = "127.0.0.1";
  if (address.host == "::") address.host = "::1";
  const bool v6 = address.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace nf::http
