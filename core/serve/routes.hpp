#pragma once
// The route table of SPEC §4: each handler extracts its parameters, authenticates, calls
// one domain function and shapes the answer. No handler touches a socket, so the table
// is tested without one (tests/unit/serve/) and again over HTTP (tests/integration/).

#include <cstdint>
#include <functional>

#include "core/http/router.hpp"
#include "core/serve/backend.hpp"

namespace nf::serve {

// The clock is a parameter so tests can pin `now`.
using NowMs = std::function<int64_t()>;

http::Router build_router(Backend& backend, NowMs now_ms);

// Reads an integer query parameter in [min, max], `fallback` when absent; anything else
// is nf::Error(usage, ..., "invalid_<name>").
int64_t integer_param(const http::Request& request, std::string_view name, int64_t fallback, int64_t min, int64_t max);

}  // namespace nf::serve
