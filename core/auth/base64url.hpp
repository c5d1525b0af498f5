#pragma once
// base64url without padding (RFC 4648 §5), the encoding of every JWT segment. The
// decoder is strict: it refuses '=' padding, characters outside the URL alphabet and
// lengths no encoder produces, so one token has exactly one spelling.

#include <optional>
#include <string>
#include <string_view>

namespace nf::auth {

std::string base64url_encode(std::string_view bytes);

// nullopt when `text` is not canonical unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace nf::auth
