#include "core/clickhouse/client.hpp"

#include <charconv>
#include <sstream>

#include "core/error/error.hpp"
#include "core/net/http_client.hpp"

namespace nf::ch {

Settings settings_from(const config::Config& config) {
  Settings s;
  s.url = config.get("clickhouse.url");
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  s.database = config.get("clickhouse.database");
  s.user = config.get("clickhouse.user");
  s.password = config.get_secret("clickhouse.password");
  s.timeout_ms = config.get_int("clickhouse.timeout_ms");
  return s;
}

bool ServerVersion::operator<(const ServerVersion& other) const {
  if (major != other.major) return major < other.major;
  if (minor != other.minor) return minor < other.minor;
  return patch < other.patch;
}

ServerVersion parse_version(std::string_view text) {
  ServerVersion v;
  v.text = std::string(text);
  int* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, ec] = std::from_chars(p, end, *parts[i]);
    if (ec != std::errc()) {
      if (i < 2) fail_check("cannot parse ClickHouse version '" + std::string(text) + "'");
      break;
    }
    p = next;
    if (p == end || *p != '.') break;
    ++p;
  }
  return v;
}

std::string Client::post(const std::string& query_in_url, const std::string& body, bool use_database) const {
  net::HttpRequest request;
  request.method = "POST";
  request.url = settings_.url + "/?";
  if (use_database && !settings_.database.empty())
    request.url += "database=" + net::url_encode(settings_.database) + "&";
  if (!query_in_url.empty()) request.url += "query=" + net::url_encode(query_in_url) + "&";
  request.url.pop_back();
  request.body = body;
  request.timeout_ms = settings_.timeout_ms;
  request.connect_timeout_ms = std::min<long>(settings_.timeout_ms, 2000);
  request.headers.emplace_back("X-ClickHouse-User", settings_.user);
  if (!settings_.password.empty()) request.headers.emplace_back("X-ClickHouse-Key", settings_.password);

  auto response = net::perform(request);
  if (!response)
    fail_unreachable("ClickHouse at " + settings_.url + " is unreachable: " + response.error() +
                     " (is it running? `scripts/stack status`)");
  if (!response->ok()) {
    std::string text = response->body;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    fail_check("ClickHouse at " + settings_.url + " answered HTTP " + std::to_string(response->status) + ": " + text);
  }
  return std::move(response->body);
}

void Client::execute(const std::string& sql, bool use_database) const { post("", sql, use_database); }

std::vector<nlohmann::json> Client::query(const std::string& sql) const {
  const std::string body = post("", sql + "\nFORMAT JSONEachRow", true);
  std::vector<nlohmann::json> rows;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

void Client::insert(const std::string& table, const std::string& format, const std::string& body) const {
  post("INSERT INTO " + table + " FORMAT " + format, body, true);
}

ServerVersion Client::server_version() const {
  const std::string body = post("", "SELECT version()", false);
  std::string text = body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return parse_version(text);
}

uint64_t as_u64(const nlohmann::json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer()) return static_cast<uint64_t>(value.get<int64_t>());
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    uint64_t out = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && ptr == s.data() + s.size()) return out;
  }
  throw std::runtime_error("expected an unsigned integer from ClickHouse, got " + value.dump());
}

double as_double(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) return std::stod(value.get<std::string>());
  throw std::runtime_error("expected a number from ClickHouse, got " + value.dump());
}

std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    switch (c) {
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\0': out += "\\0"; break;
      default: out += c;
    }
  }
  return out + "'";
}

}  // namespace nf::ch
