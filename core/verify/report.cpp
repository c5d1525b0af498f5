// The verify report: what an on-call engineer needs to act (table, counts, sample ids, the
// repair command) as text, and the same facts as JSON.

#include <cstdio>
#include <ctime>

#include "core/backfill/progress.hpp"
#include "core/verify/verify.hpp"

namespace nf::verify {
namespace {

std::string utc_time(int64_t epoch_s) {
  const std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

// A person reads a sample; --json carries up to verify.max_ids.
constexpr size_t kTextSample = 20;

std::string more(uint64_t total, size_t shown) {
  return total > shown ? " … (" + std::to_string(total - shown) + " more; --json lists up to verify.max_ids)" : "";
}

std::string id_list(const std::vector<std::string>& ids, uint64_t total) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < kTextSample; ++i) out += (i ? ", " : "") + ids[i];
  return out + more(total, std::min(ids.size(), kTextSample));
}

}  // namespace

std::string render_text(const VerifyReport& report) {
  using backfill::group_thousands;
  std::string out = "verify: rows changed " +
                    (report.since_epoch_s ? "since " + utc_time(*report.since_epoch_s) : std::string("at any time")) +
                    ", up to " + utc_time(report.cutoff_epoch_s) + " (younger rows are in flight)\n";
  int drifted = 0;
  for (const auto& t : report.tables) {
    char head[160];
    std::snprintf(head, sizeof head, "%-9s %-6s %s rows in PostgreSQL, %s in ClickHouse (%.1f s)\n", t.table.c_str(),
                  t.consistent() ? "OK" : "DRIFT", group_thousands(t.pg_rows).c_str(),
                  group_thousands(t.ch_rows).c_str(), t.seconds);
    out += head;
    if (t.consistent()) continue;
    ++drifted;
    if (!t.narrowed) {
      out += "  " + std::to_string(t.mismatched_buckets) +
             " buckets differ; too many rows differ to list them (narrowing stopped)\n";
    }
    if (t.missing) out += "  missing in ClickHouse (" + group_thousands(t.missing) + "): " + id_list(t.missing_ids, t.missing) + "\n";
    if (t.extra) out += "  extra in ClickHouse (" + group_thousands(t.extra) + "): " + id_list(t.extra_ids, t.extra) + "\n";
    if (t.different) {
      out += "  different (" + group_thousands(t.different) + "):";
      for (size_t i = 0; i < t.different_ids.size() && i < kTextSample; ++i) {
        const auto& d = t.different_ids[i];
        std::string columns;
        for (const auto& c : d.columns) columns += (columns.empty() ? "" : ", ") + c;
        out += " " + d.id + " (" + columns + ")";
      }
      out += more(t.different, std::min(t.different_ids.size(), kTextSample));
      out += "\n";
    }
    out += "  repair: " + t.repair + "\n";
  }
  out += drifted ? "result: DRIFT in " + std::to_string(drifted) + " of " + std::to_string(report.tables.size()) + " tables\n"
                 : "result: consistent\n";
  return out;
}

nlohmann::json render_json(const VerifyReport& report) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : report.tables) {
    nlohmann::json different = nlohmann::json::array();
    for (const auto& d : t.different_ids) different.push_back({{"id", d.id}, {"columns", d.columns}});
    tables.push_back({{"table", t.table},
                      {"consistent", t.consistent()},
                      {"postgres_rows", t.pg_rows},
                      {"clickhouse_rows", t.ch_rows},
                      {"mismatched_buckets", t.mismatched_buckets},
                      {"narrowed", t.narrowed},
                      {"missing_in_clickhouse", {{"count", t.missing}, {"ids", t.missing_ids}}},
                      {"extra_in_clickhouse", {{"count", t.extra}, {"ids", t.extra_ids}}},
                      {"different", {{"count", t.different}, {"rows", different}}},
                      {"skipped_in_flight", t.skipped_in_flight},
                      {"repair", t.repair.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.repair)},
                      {"seconds", t.seconds}});
  }
  return {{"consistent", report.consistent()},
          {"since", report.since_epoch_s ? nlohmann::json(utc_time(*report.since_epoch_s)) : nlohmann::json(nullptr)},
          {"cutoff", utc_time(report.cutoff_epoch_s)},
          {"tables", tables},
          {"seconds", report.seconds}};
}

}  // namespace nf::verify
