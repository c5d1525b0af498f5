#include "core/clickhouse/client.hpp"

#include <charconv>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/metrics/dependency_metrics.hpp"
#include "core/net/http_client.hpp"

namespace nf::ch {

std::vector<std::string> parse_server_urls(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    std::string item(value.substr(start, end - start));
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t' || item.back() == '/')) item.pop_back();
    size_t first = 0;
    while (first < item.size() && (item[first] == ' ' || item[first] == '\t')) ++first;
    item.erase(0, first);
    if (!item.empty()) {
      const bool scheme = item.rfind("http://", 0) == 0 || item.rfind("https://", 0) == 0;
      if (!scheme || item.find('/', item.find("//") + 2) != std::string::npos)
        fail_usage("clickhouse.url: '" + item + "' is not http(s)://host[:port] (several servers: separate them with ',')");
      out.push_back(std::move(item));
    }
    start = end + 1;
  }
  if (out.empty()) fail_usage("clickhouse.url is empty: give http://host:port, or several separated by ','");
  return out;
}

std::vector<size_t> failover_order(size_t in_use, size_t count) {
  std::vector<size_t> order;
  for (size_t i = 0; i < count; ++i) order.push_back((in_use + i) % count);
  return order;
}

bool may_fail_over(bool is_read, std::string_view error) {
  if (is_read) return true;
  for (const std::string_view never_sent : {"Failed to connect", "Couldn't connect", "Connection refused",
                                            "Connection timed out", "Could not resolve", "Couldn't resolve"})
    if (error.find(never_sent) != std::string_view::npos) return true;
  return false;
}

Client::Client(Settings settings) : settings_(std::move(settings)), servers_(parse_server_urls(settings_.url)) {}

Settings settings_from(const config::Config& config) {
  Settings s;
  std::string joined;
  for (const auto& url : parse_server_urls(config.get("clickhouse.url"))) joined += (joined.empty() ? "" : ",") + url;
  s.url = joined;
  s.database = config.get("clickhouse.database");
  s.user = config.get("clickhouse.user");
  s.password = config.get_secret("clickhouse.password");
  s.timeout_ms = config.get_int("clickhouse.timeout_ms");
  return s;
}

const std::string& pinned_settings_parameters() {
  static const std::string parameters = [] {
    std::string out;
    for (const auto& [name, value] : kPinnedSettings)
      out += std::string(name) + "=" + net::url_encode(value) + "&";
    return out;
  }();
  return parameters;
}

std::pair<std::string, std::string> external_tables_body(const std::vector<ExternalTable>& tables) {
  // The boundary only has to be absent from the parts: they are TabSeparated numbers and
  // text, which never hold this line.
  const std::string boundary = "novafeed-external-data-7f3a9c2e";
  std::string body;
  for (const auto& table : tables) {
    body += "--" + boundary + "\r\n";
    body += "Content-Disposition: form-data; name=\"" + table.name + "\"; filename=\"" + table.name + "\"\r\n";
    body += "Content-Type: application/octet-stream\r\n\r\n";
    body += table.rows;
    body += "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return {std::move(body), "multipart/form-data; boundary=" + boundary};
}

std::string Client::post(const std::string& query_in_url, const std::string& url_parameters, Body body,
                         bool use_database, bool is_read) const {
  net::HttpRequest request;
  request.method = "POST";
  std::string path = "/?" + pinned_settings_parameters() + url_parameters;
  if (use_database && !settings_.database.empty()) path += "database=" + net::url_encode(settings_.database) + "&";
  if (!query_in_url.empty()) path += "query=" + net::url_encode(query_in_url) + "&";
  path.pop_back();
  request.body = std::move(body.content);
  if (!body.content_type.empty()) request.headers.emplace_back("Content-Type", body.content_type);
  request.timeout_ms = settings_.timeout_ms;
  request.connect_timeout_ms = std::min<long>(settings_.timeout_ms, 2000);
  request.headers.emplace_back("X-ClickHouse-User", settings_.user);
  if (!settings_.password.empty()) request.headers.emplace_back("X-ClickHouse-Key", settings_.password);

  const metrics::DependencyTimer timed(metrics::Dependency::clickhouse);  // a throw below counts as an error
  // One server after the other, from the one in use, until one answers; the one that
  // answered stays in use. An HTTP error is the server's answer: no other server is tried.
  std::string failures;
  for (const size_t i : failover_order(in_use_->load(), servers_.size())) {
    const std::string& server = servers_[i];
    request.url = server + path;
    auto response = net::perform(request);
    if (!response) {
      failures += (failures.empty() ? "" : "; ") + response.error();
      if (!may_fail_over(is_read, response.error())) break;
      continue;
    }
    if (i != in_use_->load()) {
      spdlog::warn("clickhouse: {} answers, using it from now on (before it: {})", server, failures);
      in_use_->store(i);
    }
    if (!response->ok()) {
      std::string text = response->body;
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      fail_check("ClickHouse at " + server + " answered HTTP " + std::to_string(response->status) + ": " + text);
    }
    return std::move(response->body);
  }
  // Connected but no answer in time: it runs, and is busy (or the statement is heavy).
  if (failures.find("Operation timed out") != std::string::npos && failures.find("refused") == std::string::npos)
    fail_unreachable("ClickHouse at " + settings_.url + " did not answer within " +
                     std::to_string(settings_.timeout_ms) + " ms: " + failures +
                     " (busy? `SELECT elapsed, query FROM system.processes` shows what it runs; the limit is "
                     "clickhouse.timeout_ms, or feed.warm_timeout_ms / jobs.clickhouse_timeout_ms for background work)");
  fail_unreachable("ClickHouse at " + settings_.url + " is unreachable: " + failures +
                   (servers_.size() > 1 && failures.find(';') == std::string::npos
                        ? " (a write that may have reached the server is not sent to another)"
                        : "") +
                   " (is it running? `scripts/stack status`)");
}

void Client::execute(const std::string& sql, bool use_database) const { post("", "", {sql, ""}, use_database, false); }

namespace {

std::vector<nlohmann::json> parse_json_each_row(const std::string& body) {
  std::vector<nlohmann::json> rows;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

}  // namespace

std::vector<nlohmann::json> Client::query(const std::string& sql) const {
  return parse_json_each_row(post("", "", {sql + "\nFORMAT JSONEachRow", ""}, true, true));
}

std::string Client::query_tsv(const std::string& sql) const {
  return post("", "", {sql + "\nFORMAT TabSeparated", ""}, true, true);
}

std::vector<nlohmann::json> Client::query(const std::string& sql, const std::vector<ExternalTable>& tables) const {
  if (tables.empty()) return query(sql);
  std::string parameters;
  for (const auto& table : tables)
    parameters += net::url_encode(table.name) + "_structure=" + net::url_encode(table.structure) + "&";
  auto [content, content_type] = external_tables_body(tables);
  return parse_json_each_row(
      post(sql + "\nFORMAT JSONEachRow", parameters, {std::move(content), std::move(content_type)}, true, true));
}

void Client::insert(const std::string& table, const std::string& format, const std::string& body) const {
  post("INSERT INTO " + table + " FORMAT " + format, "", {body, ""}, true, false);
}

ServerVersion Client::server_version() const {
  const std::string body = post("", "", {"SELECT version()", ""}, false, true);
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

namespace {

// Backslash escapes both of ClickHouse's text forms read: \\ \t \n \r \0, and \' where
// `quote_too`.
void append_escaped(std::string& out, std::string_view text, bool quote_too) {
  for (const char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      case '\'':
        if (quote_too) out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
}

}  // namespace

std::string quote(std::string_view text) {
  std::string out = "'";
  append_escaped(out, text, true);
  return out + "'";
}

std::string tsv_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text, false);
  return out;
}

}  // namespace nf::ch
