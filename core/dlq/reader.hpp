#pragma once
// Reads dead-letter topics without touching anyone's offsets: a consumer that assigns
// every partition itself (it never subscribes, so it joins no group, least of all the
// ingest's), starts at the beginning or, with a --since, at the first offset at or after
// that time (ListOffsets by time), and stops at the high watermark taken when it started,
// so a topic still being written to does not keep it reading. Nothing is committed.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/dlq/message.hpp"
#include "core/dlq/report.hpp"
#include "core/kafka/settings.hpp"

namespace nf::dlq {

// Calls `visit` for each message of `topics`, each partition in offset order; returns
// what was read per topic (`matched` left 0 for the caller). A topic the cluster does not
// have is reported with exists = false. Throws nf::Error(unreachable) when Kafka does not
// answer, or stops answering mid-read (nothing for kafka.timeout_ms, at least 10 s).
std::vector<TopicScan> read_dead_letters(const kafka::Settings& settings, const std::vector<std::string>& topics,
                                         std::optional<int64_t> since_ms,
                                         const std::function<void(const Message&)>& visit);

}  // namespace nf::dlq
