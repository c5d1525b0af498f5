#pragma once
// The seeded events stream: every generated event produced to the events topic
// (docs/events.md), with acks=all and the idempotent producer, flushed before returning
// so every message is either acknowledged by the brokers or counted as failed.

#include <cstdint>
#include <string>

#include "core/kafka/settings.hpp"
#include "core/seed/dataset.hpp"
#include "core/seed/load_result.hpp"

namespace nf::seed {

// Fails fast, before PostgreSQL is touched: throws nf::Error(unreachable) when no broker
// answers, nf::Error(usage) when the topic does not exist.
void check_events_topic(const kafka::Settings& settings, const std::string& topic);

// The producer's properties (role properties: -X / [kafka.properties] still override).
std::vector<kafka::Property> producer_properties();

EventsLoad produce_events(const kafka::Settings& settings, const std::string& topic, const Dataset& dataset,
                          bool progress);

}  // namespace nf::seed
