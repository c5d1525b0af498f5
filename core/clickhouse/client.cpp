#include "core/clickhouse/client.hpp"

#include <charconv>
#include <sstream>

#include "core/error/error.hpp"
#include "core/metrics/dependency_metrics.hpp"
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
                         bool use_database) const {
  net::HttpRequest request;
  request.method = "POST";
  request.url = settings_.url + "/?" + pinned_settings_parameters() + url_parameters;
  if (use_database && !settings_.database.empty())
    request.url += "database=" + net::url_encode(settings_.database) + "&";
  if (!query_in_url.empty()) request.url += "query=" + net::url_encode(query_in_url) + "&";
  request.url.pop_back();
  request.body = std::move(body.content);
  if (!body.content_type.empty()) request.headers.emplace_back("Content-Type", body.content_type);
  request.timeout_ms = settings_.timeout_ms;
  request.connect_timeout_ms = std::min<long>(settings_.timeout_ms, 2000);
  request.headers.emplace_back("X-ClickHouse-User", settings_.user);
  if (!settings_.password.empty()) request.headers.emplace_back("X-ClickHouse-Key", settings_.password);

  const metrics::DependencyTimer timed(metrics::Dependency::clickhouse);  // a throw below counts as an error
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

void Client::execute(const std::string& sql, bool use_database) const { post("", "", {sql, ""}, use_database); }

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
  return parse_json_each_row(post("", "", {sql + "\nFORMAT JSONEachRow", ""}, true));
}

std::string Client::query_tsv(const std::string& sql) const {
  return post("", "", {sql + "\nFORMAT TabSeparated", ""}, true);
}

std::vector<nlohmann::json> Client::query(const std::string& sql, const std::vector<ExternalTable>& tables) const {
  if (tables.empty()) return query(sql);
  std::string parameters;
  for (const auto& table : tables)
    parameters += net::url_encode(table.name) + "_structure=" + net::url_encode(table.structure) + "&";
  auto [content, content_type] = external_tables_body(tables);
  return parse_json_each_row(
      post(sql + "\nFORMAT JSONEachRow", parameters, {std::move(content), std::move(content_type)}, true));
}

void Client::insert(const std::string& table, const std::string& format, const std::string& body) const {
  post("INSERT INTO " + table + " FORMAT " + format, "", {body, ""}, true);
}

ServerVersion Client::server_version() const {
  const std::string body = post("", "", {"SELECT version()", ""}, false);
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
