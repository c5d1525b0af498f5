#pragma once
// The HTTP request and response as the routes see them: plain values, no socket, so
// handlers are unit tested by building a Request by hand. The server (server.cpp) fills
// a Request from the wire and writes a Response back.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error/error.hpp"

namespace nf::http {

struct Request {
  std::string method;  // "GET", as sent
  std::string target;  // the raw request target, "/api/v1/feed?limit=20"
  std::string path;    // percent-decoded, "/api/v1/feed"
  std::map<std::string, std::string> query;    // decoded; the first of repeated names wins
  std::map<std::string, std::string> headers;  // names lower-cased; repeated fields joined with ", "
  std::string body;
  std::string remote;  // "127.0.0.1:53422"

  std::optional<std::string_view> header(std::string_view lowercase_name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra fields; the server adds Content-Type, Content-Length, Server, Date, Connection.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The body is json.dump() (compact).
Response json_response(int status, const nlohmann::json& body);
// {"error":{"code":..., "message":...}} (SPEC §4).
Response error_response(int status, std::string_view code, std::string_view message);
// nf::Error kinds to statuses: usage → 400, unreachable → 503 (with Retry-After:
// retry_after_s), check_failed → 500. The code is e.reason(), else "bad_request",
// "unavailable" or "internal".
Response error_from(const Error& e, int64_t retry_after_s = 5);

struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};

// Splits a request target into its decoded path and query (%XX escapes; '+' is a space
// in the query only). An absolute-form target ("http://host/path") keeps its path.
// Throws nf::Error(usage, ..., "bad_target") on an invalid escape or a NUL byte.
Target parse_target(std::string_view target);

}  // namespace nf::http
