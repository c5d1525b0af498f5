#include "core/output/files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error/error.hpp"

namespace nf::output {

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) fail_check("cannot write " + temporary + ": " + std::strerror(errno));
    out << content;
    if (!out.flush()) fail_check("cannot write " + temporary + ": " + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) fail_check("cannot rename " + temporary + " to " + path + ": " + ec.message());
}

}  // namespace nf::output
