#pragma once
// Kafka helpers for integration tests that own their path through Kafka: topics of the
// test's own, and a producer that reports where each message landed. Failures are thrown
// as std::runtime_error naming what failed.

#include <cstdint>
#include <string>
#include <vector>

namespace nf::test {

// Topics of one test (created with `partitions` each, replication 1), deleted with the
// object, so a test can own its whole path through Kafka.
class ScratchTopics {
 public:
  ScratchTopics(std::vector<std::string> names, int partitions);
  ~ScratchTopics();
  ScratchTopics(const ScratchTopics&) = delete;
  ScratchTopics& operator=(const ScratchTopics&) = delete;

 private:
  std::vector<std::string> names_;
};

struct ProducedAt {
  int32_t partition = -1;
  int64_t offset = -1;
};

// Produces one message (acks=all) to the stack's Kafka and waits for its acknowledgement.
ProducedAt produce_acknowledged(const std::string& topic, const std::string& key, const std::string& value);

}  // namespace nf::test
