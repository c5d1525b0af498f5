#include "core/pg/connection.hpp"

#include <libpq-fe.h>

#include "core/error/error.hpp"
#include "core/metrics/dependency_metrics.hpp"
#include "core/net/http_client.hpp"

namespace nf::pg {

Settings settings_from(const config::Config& config) {
  Settings s;
  s.url = config.get("postgres.url");
  s.password = config.get_secret("postgres.password");
  s.connect_timeout_s = static_cast<int>(config.get_int("postgres.connect_timeout_s"));
  return s;
}

ConnectionParts parse_connection(const Settings& settings) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(settings.url.c_str(), &error);
  if (!options) {
    std::string reason = error ? error : "out of memory";
    if (error) PQfreemem(error);
    fail_usage("cannot parse postgres.url: " + reason);
  }
  ConnectionParts parts;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string key = o->keyword;
    if (key == "host" || key == "hostaddr") parts.host = o->val;
    else if (key == "port") parts.port = std::atoi(o->val);
    else if (key == "user") parts.user = o->val;
    else if (key == "password") parts.password = o->val;
    else if (key == "dbname") parts.dbname = o->val;
  }
  PQconninfoFree(options);
  if (!settings.password.empty()) parts.password = settings.password;
  if (parts.dbname.empty()) parts.dbname = parts.user;
  return parts;
}

std::string describe(const Settings& settings) {
  try {
    const ConnectionParts parts = parse_connection(settings);
    return parts.host + ":" + std::to_string(parts.port) + "/" + parts.dbname;
  } catch (const Error&) {
    return "(unparsable postgres.url)";
  }
}

std::unique_ptr<pqxx::connection> connect(const Settings& settings) {
  // Keyword options ride along as URL parameters; libpq accepts both forms.
  std::string conninfo = settings.url;
  const bool is_url = conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://");
  auto add = [&](const std::string& key, const std::string& value) {
    if (is_url) {
      conninfo += (conninfo.find('?') == std::string::npos ? "?" : "&") + key + "=" + net::url_encode(value);
    } else {
      std::string escaped;
      for (char c : value) {
        if (c == '\'' || c == '\\') escaped += '\\';
        escaped += c;
      }
      conninfo += " " + key + "='" + escaped + "'";
    }
  };
  if (!settings.password.empty()) add("password", settings.password);
  add("connect_timeout", std::to_string(settings.connect_timeout_s));
  if (conninfo.find("application_name") == std::string::npos) add("application_name", "novafeed");
  const metrics::DependencyTimer timed(metrics::Dependency::postgres);  // a failed connect counts as an error
  try {
    return std::make_unique<pqxx::connection>(conninfo);
  } catch (const pqxx::broken_connection& e) {
    std::string reason = e.what();
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    fail_unreachable("PostgreSQL at " + describe(settings) + " is unreachable: " + reason +
                     " (is it running? `scripts/stack status`)");
  }
}

}  // namespace nf::pg
