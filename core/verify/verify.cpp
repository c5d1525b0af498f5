#include "core/verify/verify.hpp"

#include <chrono>
#include <set>

#include <spdlog/spdlog.h>

#include "core/backfill/copy_sql.hpp"
#include "core/backfill/pg_session.hpp"
#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"
#include "core/verify/sides.hpp"

namespace nf::verify {
namespace {

std::string key_text(const std::vector<uint64_t>& key) {
  std::string out;
  for (uint64_t part : key) out += (out.empty() ? "" : ":") + std::to_string(part);
  return out;
}

TableVerdict verify_table(backfill::PgSession& session, const ch::Client& client, const Table& table,
                          const Window& window, const VerifyRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  BisectOptions options;
  options.buckets = request.buckets;
  const BisectResult result = bisect(postgres_side(session, table, window), clickhouse_side(client, table, window),
                                     window, field_names(table), options);
  TableVerdict verdict;
  verdict.table = table.name;
  verdict.pg_rows = result.pg_rows;
  verdict.ch_rows = result.ch_rows;
  verdict.mismatched_buckets = result.mismatched_buckets;
  verdict.narrowed = result.narrowed;
  const RowDrift& drift = result.drift;
  verdict.missing = drift.missing.size();
  verdict.extra = drift.extra.size();
  verdict.different = drift.different.size();
  verdict.skipped_in_flight = drift.skipped_in_flight;

  std::set<uint64_t> first_keys;
  for (const auto& key : drift.missing) {
    first_keys.insert(key.front());
    if (verdict.missing_ids.size() < request.max_ids) verdict.missing_ids.push_back(key_text(key));
  }
  for (const auto& key : drift.extra) {
    first_keys.insert(key.front());
    if (verdict.extra_ids.size() < request.max_ids) verdict.extra_ids.push_back(key_text(key));
  }
  for (const auto& row : drift.different) {
    first_keys.insert(row.key.front());
    if (verdict.different_ids.size() < request.max_ids) verdict.different_ids.push_back({key_text(row.key), row.columns});
  }
  if (!verdict.consistent())
    verdict.repair = repair_command(table.name, {first_keys.begin(), first_keys.end()}, result.narrowed, request.max_ids);
  verdict.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return verdict;
}

}  // namespace

bool VerifyReport::consistent() const {
  for (const auto& table : tables)
    if (!table.consistent()) return false;
  return true;
}

std::string repair_command(const std::string& table, const std::vector<uint64_t>& first_keys, bool narrowed,
                           uint64_t max_ids) {
  if (!narrowed || first_keys.empty() || first_keys.size() > max_ids) return "novafeed backfill --table " + table;
  return "novafeed backfill --table " + table + " --ids " + backfill::join_numbers(first_keys);
}

VerifyReport run_verify(const config::Config& config, const VerifyRequest& request) {
  if (request.min_age_s < 0) fail_usage("--min-age must not be negative");
  if (request.buckets < 1) fail_usage("verify.buckets must be at least 1");
  const auto tables = catalog::select_tables(request.table);
  const auto started = std::chrono::steady_clock::now();
  ch::Settings ch_settings = ch::settings_from(config);
  ch_settings.timeout_ms = std::max<long>(ch_settings.timeout_ms, 120000);  // a FINAL pass over millions of rows
  const ch::Client client(ch_settings);
  backfill::PgSession session(pg::settings_from(config));

  VerifyReport report;
  // PostgreSQL's clock, since it wrote updated_at.
  report.now_epoch_s = std::stoll(session.query("SELECT floor(date_part('epoch', now()))::bigint")[0][0]);
  Window window;
  window.cutoff_epoch_s = report.now_epoch_s - request.min_age_s;
  if (request.since_s) window.since_epoch_s = report.now_epoch_s - *request.since_s;
  report.since_epoch_s = window.since_epoch_s;
  report.cutoff_epoch_s = window.cutoff_epoch_s;
  for (const auto* table : tables) {
    report.tables.push_back(verify_table(session, client, *table, window, request));
    spdlog::info("verify {}: {} rows in PostgreSQL, {} in ClickHouse, {} buckets differ", table->name,
                 report.tables.back().pg_rows, report.tables.back().ch_rows, report.tables.back().mismatched_buckets);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace nf::verify
