#pragma once

#include <string>

namespace nf::output {

// Writes `content` to a temporary file beside `path`, then renames it over `path`, so a
// reader never sees half a file. Throws nf::Error(check_failed) naming the path.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace nf::output
