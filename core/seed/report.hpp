#pragma once
// What `seed` prints on stdout at the end: rows per table, time and rows/s, as text or
// as JSON (--json); the same facts in both.

#include <string>

#include <nlohmann/json.hpp>

#include "core/seed/seed.hpp"

namespace nf::seed {

std::string report_text(const Report& report);
nlohmann::json report_json(const Report& report);

// For stderr and the exit status when events were not all delivered, e.g. "12 of 50000
// events were not delivered to Kafka topic events: Local: Message timed out".
std::string events_failure_summary(const Report& report);

}  // namespace nf::seed
