#include "core/http/message.hpp"

#include <spdlog/spdlog.h>

namespace nf::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void bad_target(std::string_view what) {
  throw Error(ExitCode::usage, "the request target has " + std::string(what), "bad_target");
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) bad_target("a truncated %-escape");
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) bad_target("an invalid %-escape");
      const char decoded = static_cast<char>(high * 16 + low);
      if (decoded == '\0') bad_target("a NUL byte");
      out += decoded;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view lowercase_name) const {
  const auto it = headers.find(std::string(lowercase_name));
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  const auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

Response json_response(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  // Replace invalid UTF-8 rather than throw: an answer must always go out.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response error_response(int status, std::string_view code, std::string_view message) {
  return json_response(status, {{"error", {{"code", code}, {"message", message}}}});
}

Response error_from(const Error& e, int64_t retry_after_s) {
  switch (e.code()) {
    case ExitCode::usage:  // the client's own mistake, said for the client
      return error_response(400, e.reason().empty() ? "bad_request" : e.reason(), e.what());
    case ExitCode::unreachable: {
      // Which server, where and why is for the operator's log, not for API clients. Each
      // dependency's client logs its outage once when it starts and ends; per request this
      // is debug, so an outage under load does not flood the log.
      const std::string code = e.reason().empty() ? "unavailable" : e.reason();
      spdlog::debug("answering 503 {}: {}", code, e.what());
      auto response = error_response(
          503, code, "a service this request needs is unavailable; retry after " + std::to_string(retry_after_s) + " s");
      response.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
      return response;
    }
    case ExitCode::ok:
    case ExitCode::check_failed:
    case ExitCode::skipped:
      break;
  }
  const std::string code = e.reason().empty() ? "internal" : e.reason();
  spdlog::error("answering 500 {}: {}", code, e.what());
  return error_response(500, code, "internal error; the server logged the cause");
}

Target parse_target(std::string_view target) {
  // absolute-form (RFC 7230 §5.3.2): drop "scheme://authority".
  if (const auto scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    const auto path_start = target.find_first_of("/?", scheme + 3);
    target = path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
  }
  Target out;
  const auto question = target.find('?');
  out.path = percent_decode(target.substr(0, question), false);
  if (out.path.empty()) out.path = "/";
  if (question == std::string_view::npos) return out;
  auto query = target.substr(question + 1);
  if (const auto fragment = query.find('#'); fragment != std::string_view::npos) query = query.substr(0, fragment);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
    out.query.emplace(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace nf::http
