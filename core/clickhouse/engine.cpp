#include "core/clickhouse/engine.hpp"

#include <charconv>

#include "core/error/error.hpp"

namespace nf::ch {

bool ServerVersion::operator<(const ServerVersion& other) const {
  if (major != other.major) return major < other.major;
  if (minor != other.minor) return minor < other.minor;
  return patch < other.patch;
}

ServerVersion parse_version(std::string_view text) {
  ServerVersion v;
  v.text = std::string(text);
  int* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, ec] = std::from_chars(p, end, *parts[i]);
    if (ec != std::errc()) {
      if (i < 2) fail_check("cannot parse ClickHouse version '" + std::string(text) + "'");
      break;
    }
    p = next;
    if (p == end || *p != '.') break;
    ++p;
  }
  return v;
}

EngineFeatures features_of(const ServerVersion& version) {
  EngineFeatures features;
  features.ttl = version.major > 19 || (version.major == 19 && version.minor >= 6);
  return features;
}

std::vector<std::string> EngineFeatures::names() const {
  std::vector<std::string> out;
  if (ttl) out.emplace_back("ttl");
  return out;
}

}  // namespace nf::ch
