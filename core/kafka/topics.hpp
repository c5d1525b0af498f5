#pragma once
// The topic a captured table's changes are routed to: cdc.topic_format with {table}
// replaced (default "cdc.{table}"). One place for ingest's routes, doctor's topic check
// and the latency probes' watch; the connector's RegexRouter is built from the same key
// (connect/debezium_config.cpp), which also checks its characters.

#include <string>
#include <string_view>

#include "core/config/config.hpp"

namespace nf::kafka {

// Throws nf::Error(usage) when cdc.topic_format has no {table}.
std::string cdc_topic(const config::Config& config, std::string_view table);

}  // namespace nf::kafka
