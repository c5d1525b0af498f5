#pragma once
// The checksum recorded for every applied migration: SHA-256 of the file exactly as
// stored (before any placeholder is rendered), so it does not depend on configuration.

#include <string>
#include <string_view>

namespace nf::schema {

// Lower-case hex SHA-256 of `content` (64 characters).
std::string sha256_hex(std::string_view content);

}  // namespace nf::schema
