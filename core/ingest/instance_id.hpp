#pragma once
// ingest.instance_id: static group membership (Kafka's group.instance.id, KIP-345).
//
// A dynamic member (no instance id, the default) is forgotten by the group coordinator
// when its session times out, so a SIGKILLed ingest leaves its partitions idle for
// session.timeout.ms (45 s), restarted or not. A static member that dies keeps its
// partitions for that long too, but a process that joins with the same instance id takes
// its place at once, with its assignment and without a rebalance. The price: a static
// member leaves no earlier than its session timeout even when it stops cleanly (Kafka
// waits for it to come back), so a process stopped for good hands its partitions over
// only then.
//
// The setting:
//   ""      dynamic membership (as before there was a setting)
//   "auto"  <host>-<streams>-<slot>: gethostname(), the streams consumed (cdc, events or
//           all) and the lowest slot number (0, 1, ...) that no other live novafeed
//           process on this host holds for that id in the same group
//   other   the id itself: [A-Za-z0-9._-], at most 249 characters (Kafka's rule)
//
// Every id is claimed on the host before the consumer joins: an abstract Unix socket named
// after the group and the id, bound for the life of the claim. The kernel frees it when
// the process dies, however it dies, so a restarted process gets its old slot (and so its
// old id) back, and a second process on the same host with the same id is refused before
// it can fence the first out of the group. Two hosts with one id are caught by Kafka
// itself: the later member takes the id over and the earlier one is fenced
// (FENCED_INSTANCE_ID), which ends its ingest with fail_fenced's message.

#include <optional>
#include <string>
#include <string_view>

namespace nf::ingest {

// What is wrong with `id` as a group.instance.id ("" when nothing is), e.g. "'a b' has
// ' ', which Kafka refuses (letters, digits, '.', '_' and '-' only)".
std::string instance_id_problem(std::string_view id);

// <host>-<streams>-<slot>, each character Kafka refuses in the host name replaced by '-'
// and the host name cut so that the id stays within Kafka's 249 characters.
std::string derived_instance_id(std::string_view host, std::string_view streams, int slot);

// The abstract socket name that claims `id` in `group` on this host (without the leading
// NUL): "novafeed-ingest-instance:" and a hash of both, within the 107 bytes Linux allows.
std::string claim_name(std::string_view group, std::string_view id);

// A claim on a name, held until destroyed (an abstract Unix socket bound to it).
class HostClaim {
 public:
  // nullopt when another live process (or another claim in this one) holds `name`.
  // Throws nf::Error(check_failed) when no socket can be made at all.
  static std::optional<HostClaim> take(const std::string& name);
  HostClaim(HostClaim&& other) noexcept;
  HostClaim& operator=(HostClaim&& other) noexcept;
  HostClaim(const HostClaim&) = delete;
  HostClaim& operator=(const HostClaim&) = delete;
  ~HostClaim();

 private:
  explicit HostClaim(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The instance id of one consumer, claimed on this host for as long as the object lives.
struct InstanceId {
  std::string id;
  bool derived = false;  // from "auto"
  std::string claim;     // the claim's socket name, for messages (`ss -xap | grep NAME`)
  HostClaim held;
};

// ingest.instance_id = `setting` for a consumer of `streams` in `group`: nullopt for ""
// (dynamic membership). Throws nf::Error(usage) for an id Kafka would refuse, or when
// another process on this host already holds the id (saying how to find it).
std::optional<InstanceId> claim_instance_id(const std::string& setting, const std::string& group,
                                            const std::string& streams, const std::string& host);

// The nf::Error reason of fail_fenced, so serve's in-process ingest can tell it apart (it
// must not retry: a retry would fence the other process in turn, and so on).
inline constexpr std::string_view kFencedReason = "instance_fenced";

// Kafka fenced this member out of `group`: another process joined with the same instance
// id. Throws nf::Error(usage, reason kFencedReason) saying so and what to do;
// `kafka_reason` is librdkafka's text.
[[noreturn]] void fail_fenced(const std::string& group, const std::string& id, bool derived,
                              const std::string& kafka_reason);

}  // namespace nf::ingest
