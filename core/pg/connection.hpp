#pragma once
// PostgreSQL connections (libpqxx), with failures turned into nf::Error kinds: a
// connection that cannot be made is "unreachable" (exit 3), naming the host and port.

#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "core/config/config.hpp"

namespace nf::pg {

struct Settings {
  std::string url;
  std::string password;
  int connect_timeout_s = 5;
};

Settings settings_from(const config::Config& config);

// The parts of a libpq URL/conninfo, as libpq itself parses them.
struct ConnectionParts {
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string user;
  std::string password;
  std::string dbname;
};

// Throws nf::Error(usage) for an unparsable URL.
ConnectionParts parse_connection(const Settings& settings);

// "host:port/db" for messages, never the password.
std::string describe(const Settings& settings);

// Opens a connection; throws nf::Error(unreachable) with what to do next.
std::unique_ptr<pqxx::connection> connect(const Settings& settings);

}  // namespace nf::pg
