#pragma once
// How many messages a topic received since a moment: per partition, the first offset
// with a timestamp at or after it (ListOffsets by time) against the high watermark.

#include <cstdint>
#include <string>

#include "core/kafka/metadata.hpp"
#include "core/kafka/settings.hpp"

namespace nf::kafka {

// Messages appended to `topic` (every partition) at or after `since_ms` (epoch ms, by the
// messages' timestamps). Throws nf::Error(unreachable) when Kafka does not answer within
// settings.timeout_ms.
int64_t messages_since(const Settings& settings, const TopicInfo& topic, int64_t since_ms);

}  // namespace nf::kafka
