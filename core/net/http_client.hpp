#pragma once
// A small blocking HTTP client on libcurl, shared by the ClickHouse and Kafka Connect
// clients. Transport failures (refused, timeout, DNS) come back as an error string with
// curl's own text kept; any HTTP status is a response, for the caller to judge.

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace nf::net {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  long timeout_ms = 5000;
  long connect_timeout_ms = 2000;
  std::string basic_user;      // HTTP basic auth when non-empty
  std::string basic_password;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  bool ok() const { return status >= 200 && status < 300; }
  std::string header(std::string_view name) const;
};

// Performs one request. The error names the method and URL and carries curl's message.
tl::expected<HttpResponse, std::string> perform(const HttpRequest& request);

// Percent-encodes a query-string or path component.
std::string url_encode(std::string_view text);

}  // namespace nf::net
