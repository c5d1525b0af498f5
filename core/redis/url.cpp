#include "core/redis/url.hpp"

#include <charconv>
#include <optional>

namespace nf::redis {
namespace {

std::optional<int> parse_number(std::string_view text, int max) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0 || value > max)
    return std::nullopt;
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding, so a password may hold '@' or ':' as %40 and %3A.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_digit(text[i + 1]), lo = hex_digit(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

tl::expected<Endpoint, std::string> parse_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.starts_with("rediss://"))
    return tl::unexpected(std::string("TLS (rediss://) is not supported; use redis://host:port[/db]"));
  if (!url.starts_with(scheme))
    return tl::unexpected(std::string("not a redis:// URL (expected redis://host:port[/db])"));
  std::string_view rest = url.substr(scheme.size());

  Endpoint endpoint;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    const auto user = percent_decode(userinfo.substr(0, colon));
    const auto password =
        percent_decode(colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1));
    if (!user || !password) return tl::unexpected(std::string("bad percent-encoding in the user or password of the Redis URL"));
    // redis://secret@host (no colon) is the password alone, as redis-cli reads it.
    if (colon == std::string_view::npos) endpoint.password = *user;
    else {
      endpoint.user = *user;
      endpoint.password = *password;
    }
  }

  std::string_view path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string_view host = rest, port_text;
  if (rest.starts_with('[')) {  // [::1]:6379
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return tl::unexpected("unclosed '[' in Redis host '" + std::string(rest) + "'");
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':'))
      return tl::unexpected("unexpected text after ']' in Redis host '" + std::string(rest) + "'");
    if (!after.empty()) port_text = after.substr(1);
    if (after == ":") return tl::unexpected(std::string("empty port in the Redis URL"));
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (port_text.empty()) return tl::unexpected(std::string("empty port in the Redis URL"));
  }
  if (host.empty()) return tl::unexpected(std::string("no host in the Redis URL (expected redis://host:port[/db])"));
  endpoint.host = std::string(host);
  if (!port_text.empty()) {
    const auto port = parse_number(port_text, 65535);
    if (!port || *port == 0) return tl::unexpected("bad port '" + std::string(port_text) + "' in the Redis URL (1..65535)");
    endpoint.port = *port;
  }
  if (!path.empty()) {
    const auto db = parse_number(path, 1 << 20);
    if (!db) return tl::unexpected("bad database '" + std::string(path) + "' in the Redis URL (a number, e.g. /0)");
    endpoint.db = *db;
  }
  return endpoint;
}

std::string describe(const Endpoint& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port) + "/" +
         std::to_string(endpoint.db);
}

}  // namespace nf::redis
