#pragma once
// Replaying a dead letter: its original key and value, produced to the topic it was read
// from (novafeed.source.topic), into its original partition when that still exists, with
// an idempotent acks=all producer. The ingest then reads it like any message; ClickHouse
// counts it once however often it is replayed (docs/dlq.md).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "core/dlq/message.hpp"
#include "core/dlq/report.hpp"
#include "core/kafka/settings.hpp"

namespace nf::dlq {

// Where `message` would be replayed to, or why it cannot be: no novafeed.source.topic
// header (not written by `ingest`), a source topic the cluster does not have (`partitions`:
// each existing topic's partition count), or a source that is itself a dead-letter topic.
tl::expected<Replayed, std::string> replay_target(const Message& message, const std::map<std::string, int32_t>& partitions,
                                                  const std::vector<std::string>& dlq_topics);

// Produces each message to its target and waits for every acknowledgement. Throws
// nf::Error(unreachable) when one is not acknowledged within `timeout`, saying how many
// were and that running the same replay again is safe.
void produce_replays(const kafka::Settings& settings, const std::vector<Message>& messages,
                     const std::vector<Replayed>& targets, std::chrono::milliseconds timeout);

}  // namespace nf::dlq
