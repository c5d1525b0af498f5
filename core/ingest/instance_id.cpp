#include "core/ingest/instance_id.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <spdlog/fmt/fmt.h>

#include "core/error/error.hpp"

namespace nf::ingest {
namespace {

// Kafka checks a group.instance.id as it checks a topic name.
constexpr size_t kMaxIdLength = 249;
// "auto" tries slots 0..kMaxSlots-1: far more novafeed consumers of one group than a host runs.
constexpr int kMaxSlots = 256;

bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// FNV-1a, 64 bits: the same name in every build, so two novafeed versions on one host
// (a rolling upgrade) claim the same socket for the same id.
uint64_t fnv1a(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

std::string instance_id_problem(std::string_view id) {
  if (id.empty()) return "it is empty";
  if (id == "." || id == "..") return "'" + std::string(id) + "' is not a name Kafka accepts";
  if (id.size() > kMaxIdLength)
    return fmt::format("it has {} characters, Kafka accepts at most {}", id.size(), kMaxIdLength);
  for (const char c : id)
    if (!allowed(c))
      return fmt::format("'{}' has '{}', which Kafka refuses (letters, digits, '.', '_' and '-' only)", id, c);
  return "";
}

std::string derived_instance_id(std::string_view host, std::string_view streams, int slot) {
  const std::string suffix = fmt::format("-{}-{}", streams, slot);
  std::string name(host.empty() ? "unknown-host" : host);
  for (char& c : name)
    if (!allowed(c)) c = '-';
  if (name.size() + suffix.size() > kMaxIdLength) name.resize(kMaxIdLength - suffix.size());
  return name + suffix;
}

std::string claim_name(std::string_view group, std::string_view id) {
  std::string key(group);
  key += '\n';
  key += id;
  return fmt::format("novafeed-ingest-instance:{:016x}", fnv1a(key));
}

std::optional<HostClaim> HostClaim::take(const std::string& name) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_check(std::string("ingest.instance_id: cannot make the socket that claims the id: ") + std::strerror(errno));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // Abstract namespace: a leading NUL, no file; gone when the last descriptor closes.
  const size_t length = std::min(name.size(), sizeof address.sun_path - 1);
  std::memcpy(address.sun_path + 1, name.data(), length);
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + length);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), size) == 0) return HostClaim(fd);
  const int error = errno;
  close(fd);
  if (error == EADDRINUSE) return std::nullopt;
  fail_check("ingest.instance_id: cannot claim the id on this host (bind @" + name + "): " + std::strerror(error));
}

HostClaim::HostClaim(HostClaim&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

HostClaim& HostClaim::operator=(HostClaim&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

HostClaim::~HostClaim() {
  if (fd_ >= 0) close(fd_);
}

std::optional<InstanceId> claim_instance_id(const std::string& setting, const std::string& group,
                                            const std::string& streams, const std::string& host) {
  if (setting.empty()) return std::nullopt;
  if (setting == "auto") {
    for (int slot = 0; slot < kMaxSlots; ++slot) {
      std::string id = derived_instance_id(host, streams, slot);
      std::string name = claim_name(group, id);
      if (auto held = HostClaim::take(name)) return InstanceId{std::move(id), true, std::move(name), std::move(*held)};
    }
    fail_usage(fmt::format("ingest.instance_id=auto: all {} slots of {} in group {} are held by other processes on this host",
                           kMaxSlots, derived_instance_id(host, streams, 0), group));
  }
  if (const auto problem = instance_id_problem(setting); !problem.empty())
    fail_usage("ingest.instance_id: " + problem + " (or set it to auto, or to \"\" for dynamic membership)");
  std::string name = claim_name(group, setting);
  auto held = HostClaim::take(name);
  if (!held)
    fail_usage("ingest.instance_id '" + setting + "' is already used in group " + group +
               " by another process on this host (`ss -xap | grep " + name +
               "` shows which). Two members with one id would fence each other out of the group: give each "
               "process its own id, or set ingest.instance_id=auto (docs/ingest.md)");
  return InstanceId{setting, false, std::move(name), std::move(*held)};
}

void fail_fenced(const std::string& group, const std::string& id, bool derived, const std::string& kafka_reason) {
  const std::string why = derived ? " (derived by ingest.instance_id=auto from this host's name: does another machine "
                                    "have the same host name?)"
                                  : "";
  throw Error(ExitCode::usage,
              "Kafka fenced this ingest out of group " + group + ": another process joined it with the same instance id '" +
                  id + "'" + why + " and took over its partitions (librdkafka: " + kafka_reason +
                  "). Two processes must never share an id: give each its own ingest.instance_id, or use "
                  "ingest.instance_id=auto (docs/ingest.md). This process stops consuming; what it had not committed "
                  "is read again by the other one.",
              std::string(kFencedReason));
}

}  // namespace nf::ingest
