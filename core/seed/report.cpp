#include "core/seed/report.hpp"

#include <cstdio>

#include "core/seed/copy_format.hpp"

namespace nf::seed {

namespace {

double per_second(uint64_t rows, double seconds) { return seconds > 0 ? static_cast<double>(rows) / seconds : 0; }

std::string line(const std::string& name, uint64_t rows, double seconds, const std::string& note = "") {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "  %-9s %12llu rows  %8.2f s  %10.0f rows/s%s%s\n", name.c_str(),
                static_cast<unsigned long long>(rows), seconds, per_second(rows, seconds), note.empty() ? "" : "  ",
                note.c_str());
  return buffer;
}

}  // namespace

std::string report_text(const Report& report) {
  std::string out = "seeded with seed " + std::to_string(report.seed) + " (--scale " + report.scale + "), window " +
                    std::to_string(report.sizes.hours) + " h up to " + iso_timestamp(report.now_ms) +
                    (report.truncated ? " (tables truncated first)" : "") + "\n";
  if (!report.clickhouse_truncated.empty()) {
    out += "emptied first: ClickHouse";
    for (const auto& t : report.clickhouse_truncated) out += " " + t;
    out += report.redis_keys_deleted ? "; Redis: " + std::to_string(*report.redis_keys_deleted) + " novafeed keys\n"
                                     : "; Redis did not answer (its old keys lapse within their TTLs)\n";
  }
  out += "PostgreSQL " + report.postgres + ":\n";
  uint64_t rows = 0;
  double seconds = 0;
  for (const auto& t : report.tables) {
    out += line(t.table, t.rows, t.seconds);
    rows += t.rows;
    seconds += t.seconds;
  }
  out += line("total", rows, seconds);
  if (report.events) {
    const auto& e = *report.events;
    out += "Kafka topic " + e.topic + ":\n";
    out += line("events", e.delivered, e.seconds, e.failed ? std::to_string(e.failed) + " NOT delivered" : "acks=all");
  }
  char total[64];
  std::snprintf(total, sizeof total, "done in %.2f s\n", report.seconds);
  return out + total;
}

nlohmann::json report_json(const Report& report) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : report.tables)
    tables.push_back({{"table", t.table}, {"rows", t.rows}, {"seconds", t.seconds},
                      {"rows_per_s", per_second(t.rows, t.seconds)}});
  nlohmann::json out = {
      {"seed", report.seed},
      {"scale", report.scale},
      {"now", iso_timestamp(report.now_ms)},
      {"hours", report.sizes.hours},
      {"sizes", {{"users", report.sizes.users}, {"follows", report.sizes.follows()}, {"posts", report.sizes.posts},
                 {"likes", report.sizes.likes}, {"comments", report.sizes.comments}, {"events", report.sizes.events}}},
      {"truncated", report.truncated},
      {"clickhouse_truncated", report.clickhouse_truncated},
      {"redis_keys_deleted",
       report.redis_keys_deleted ? nlohmann::json(*report.redis_keys_deleted) : nlohmann::json(nullptr)},
      {"postgres", {{"database", report.postgres}, {"tables", tables}}},
      {"events", nullptr},
      {"seconds", report.seconds},
  };
  if (report.events) {
    const auto& e = *report.events;
    out["events"] = {{"topic", e.topic},         {"produced", e.produced}, {"delivered", e.delivered},
                     {"failed", e.failed},       {"seconds", e.seconds},   {"rows_per_s", per_second(e.delivered, e.seconds)},
                     {"first_error", e.first_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.first_error)}};
  }
  return out;
}

std::string events_failure_summary(const Report& report) {
  if (!report.events_failed()) return "";
  const auto& e = *report.events;
  return std::to_string(e.failed) + " of " + std::to_string(report.sizes.events) +
         " events were not delivered to Kafka topic " + e.topic + ": " +
         (e.first_error.empty() ? "no delivery report" : e.first_error) +
         " (PostgreSQL is loaded; rerun the same seed with --truncate: event ids repeat, so ingest counts each once)";
}

}  // namespace nf::seed
