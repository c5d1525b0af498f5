#pragma once
// Consumer groups as Kafka's coordinator sees them, for integration tests of the ingest's
// membership: who the members are (instance id, assigned partitions), and a new group
// whose committed offsets are the current end of some topics. Failures are thrown as
// std::runtime_error naming what failed.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nf::test {

struct GroupMember {
  std::string instance_id;  // group.instance.id; "" for a dynamic member
  std::string member_id;    // the coordinator's id of this member: new at every join
  std::string client_host;  // "/127.0.0.1"
  std::vector<std::pair<std::string, int32_t>> partitions;
};

struct GroupDescription {
  std::string state;  // "Stable", "PreparingRebalance", "Empty", "Dead", ...
  std::vector<GroupMember> members;
};

// DescribeConsumerGroups on the stack's Kafka.
GroupDescription describe_group(const std::string& group);

// (topic, partition) → offset.
using PartitionOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;

// The current high watermark of every partition of `topics` (a topic created a moment
// ago is retried until its leader is known).
PartitionOffsets end_offsets(const std::vector<std::string>& topics);

// Commits `offsets` for `group` (a group of the test's own): its consumer reads from there.
void start_group_at(const std::string& group, const PartitionOffsets& offsets);

// start_group_at(group, end_offsets(topics)): a consumer of it reads only what is produced
// from now on.
void start_group_at_end(const std::string& group, const std::vector<std::string>& topics);

}  // namespace nf::test
