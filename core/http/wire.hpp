#pragma once
// A Response as bytes on the wire, without the socket: the status line and header fields
// are built on the worker thread that ran the handler, and the I/O thread only adds the
// Connection line it decides on (keep-alive or close) and writes. Unit tested as text.

#include <string>
#include <string_view>

#include "core/http/message.hpp"

namespace nf::http {

// "HTTP/1.1 200 OK\r\nServer: novafeed\r\nDate: ...\r\nContent-Type: ...\r\nContent-Length: N\r\n"
// plus the response's own fields (CR and LF removed: a value can never start a new
// field). For a HEAD request the caller leaves the body out but Content-Length stays the
// body's size (RFC 7230 §3.3.2). Ends without the blank line: connection_trailer() adds
// the last field and it.
std::string serialize_head(const Response& response);

// "\r\n" for an HTTP/1.1 keep-alive, "Connection: keep-alive\r\n\r\n" for HTTP/1.0,
// "Connection: close\r\n\r\n" when the server closes after this response.
std::string_view connection_trailer(bool keep_alive, bool http10);

// The reason phrase of a status code ("Not Found"); "Unknown" for codes without one.
std::string_view reason_phrase(int status);

}  // namespace nf::http
