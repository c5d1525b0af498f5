#pragma once
// ingest_offsets in ClickHouse: per consumer group, topic and partition, the next offset
// to read, written after the rows before it were inserted (and before the Kafka commit).
// On an assignment, a partition starts at the higher of this and Kafka's committed
// offset, so a crash between the insert and the commit costs no replay, and offsets lost
// on the Kafka side (expired, group deleted) do not mean reading everything again.
// To re-read a topic on purpose, delete the group's rows here as well as its Kafka offsets.

#include <cstdint>
#include <map>
#include <string>

#include "core/clickhouse/client.hpp"
#include "core/ingest/batch.hpp"

namespace nf::ingest {

// Throws nf::Error when ClickHouse refuses or cannot be reached.
void record_offsets(const ch::Client& client, const std::string& group, const std::map<TopicPartition, int64_t>& next_offsets);

// The recorded next offset of every partition of `group`.
std::map<TopicPartition, int64_t> recorded_offsets(const ch::Client& client, const std::string& group);

}  // namespace nf::ingest
