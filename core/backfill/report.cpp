// The backfill summary: text for people (stdout), JSON for scripts.

#include <cstdio>

#include "core/backfill/backfill.hpp"
#include "core/backfill/progress.hpp"

namespace nf::backfill {
namespace {

uint64_t rate(uint64_t rows, double seconds) { return seconds > 0 ? static_cast<uint64_t>(rows / seconds) : 0; }

std::string pad(std::string text, size_t width) {
  if (text.size() < width) text += std::string(width - text.size(), ' ');
  return text;
}

}  // namespace

std::string render_text(const BackfillReport& report) {
  std::string out = "backfill from snapshot LSN " + format_lsn(report.snapshot_lsn) +
                    (report.targeted ? " (targeted repair)" : report.resumed ? " (resumed)" : "") + "\n";
  out += pad("table", 10) + pad("rows", 14) + pad("ranges", 8) + pad("resumed", 9) + pad("time", 10) + "rows/s\n";
  uint64_t rows = 0;
  for (const auto& t : report.tables) {
    char time[32];
    std::snprintf(time, sizeof time, "%.1f s", t.seconds);
    out += pad(t.table, 10) + pad(group_thousands(t.rows), 14) + pad(std::to_string(t.ranges), 8) +
           pad(std::to_string(t.resumed_ranges), 9) + pad(time, 10) + group_thousands(rate(t.rows, t.seconds)) + "\n";
    if (t.tombstones) out += "  " + group_thousands(t.tombstones) + " keys gone from PostgreSQL marked deleted\n";
    rows += t.rows;
  }
  char total[96];
  std::snprintf(total, sizeof total, "total: %s rows in %.1f s (%s rows/s)\n", group_thousands(rows).c_str(),
                report.seconds, group_thousands(rate(rows, report.seconds)).c_str());
  return out + total;
}

nlohmann::json render_json(const BackfillReport& report) {
  nlohmann::json tables = nlohmann::json::array();
  uint64_t rows = 0;
  for (const auto& t : report.tables) {
    tables.push_back({{"table", t.table},
                      {"rows", t.rows},
                      {"ranges", t.ranges},
                      {"resumed_ranges", t.resumed_ranges},
                      {"resumed_rows", t.resumed_rows},
                      {"tombstones", t.tombstones},
                      {"seconds", t.seconds},
                      {"rows_per_second", rate(t.rows, t.seconds)}});
    rows += t.rows;
  }
  return {{"snapshot_lsn", format_lsn(report.snapshot_lsn)},
          {"snapshot_lsn_number", report.snapshot_lsn},
          {"resumed", report.resumed},
          {"targeted", report.targeted},
          {"tables", tables},
          {"rows", rows},
          {"seconds", report.seconds},
          {"rows_per_second", rate(rows, report.seconds)}};
}

}  // namespace nf::backfill
