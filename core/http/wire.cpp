#include "core/http/wire.hpp"

#include <boost/beast/http/status.hpp>
#include <chrono>
#include <ctime>

namespace nf::http {

namespace {

// RFC 7231 §7.1.1.2: origin servers send Date. Formatting it once a second per thread
// keeps strftime off the per-request path.
std::string_view http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local char text[40] = {};
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return text;
}

void append_clean(std::string& out, std::string_view value) {
  for (const char c : value)
    if (c != '\r' && c != '\n') out += c;
}

}  // namespace

std::string_view reason_phrase(int status) {
  const auto text = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return text.empty() ? std::string_view("Unknown") : std::string_view(text.data(), text.size());
}

std::string serialize_head(const Response& response) {
  std::string head;
  head.reserve(160 + response.headers.size() * 48);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += reason_phrase(response.status);
  head += "\r\nServer: novafeed\r\nDate: ";
  head += http_date();
  head += "\r\n";
  if (!response.content_type.empty()) {
    head += "Content-Type: ";
    append_clean(head, response.content_type);
    head += "\r\n";
  }
  head += "Content-Length: ";
  head += std::to_string(response.body.size());
  head += "\r\n";
  for (const auto& [name, value] : response.headers) {
    append_clean(head, name);
    head += ": ";
    append_clean(head, value);
    head += "\r\n";
  }
  return head;
}

std::string_view connection_trailer(bool keep_alive, bool http10) {
  if (!keep_alive) return "Connection: close\r\n\r\n";
  return http10 ? "Connection: keep-alive\r\n\r\n" : "\r\n";
}

}  // namespace nf::http
