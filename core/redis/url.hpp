#pragma once
// Redis URLs: redis://[[user]:password@]host[:port][/db], as redis-cli -u takes them.

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace nf::redis {

struct Endpoint {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string user;      // Redis 6 ACL user; "" means the default user
  std::string password;  // "" means no AUTH
};

// The error says what is wrong with the URL (never echoing a password).
tl::expected<Endpoint, std::string> parse_url(std::string_view url);

// "host:port/db" for messages, never the password.
std::string describe(const Endpoint& endpoint);

}  // namespace nf::redis
