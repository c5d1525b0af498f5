#pragma once
// What loading one table or the events stream achieved: plain numbers for the report
// (kept apart from the loaders so cmd/ needs neither libpqxx nor librdkafka).

#include <cstdint>
#include <string>

namespace nf::seed {

struct TableLoad {
  std::string table;
  uint64_t rows = 0;
  double seconds = 0;
};

struct EventsLoad {
  std::string topic;
  uint64_t produced = 0;    // handed to the producer
  uint64_t delivered = 0;   // acknowledged by the brokers
  uint64_t failed = 0;      // refused, not acknowledged, or never handed over
  std::string first_error;  // librdkafka's text, for the message
  double seconds = 0;       // until the last acknowledgement
};

}  // namespace nf::seed
