#pragma once
// Kafka client settings from novafeed's configuration: kafka.brokers becomes
// bootstrap.servers, and every [kafka.properties] entry / -X key=value passes through to
// librdkafka unchanged, as kcat's -X does.

#include <string>
#include <vector>

#include "core/config/config.hpp"

namespace nf::kafka {

// One librdkafka property and where it came from ("default", "file:PATH", "flag", ...),
// so an error can name its source.
struct Property {
  std::string key;
  std::string value;
  std::string origin;
};

struct Settings {
  std::vector<std::string> brokers;  // host:port
  long timeout_ms = 5000;            // metadata and admin requests
  std::vector<Property> pass_through;  // [kafka.properties] and -X, applied last
};

Settings settings_from(const config::Config& config);

// "host1:9092,host2:9092", for bootstrap.servers and for messages.
std::string bootstrap_servers(const Settings& settings);

// The properties a client is built from, in the order they are set (a later one wins):
// novafeed's own (bootstrap.servers, client.id), then the caller's `role_properties`
// (e.g. a producer's acks=all), then the operator's pass-through properties, so an
// operator can tune anything, as with kcat.
std::vector<Property> client_properties(const Settings& settings, const std::vector<Property>& role_properties = {});

}  // namespace nf::kafka
