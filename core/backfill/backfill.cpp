#include "core/backfill/backfill.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/backfill/checkpoints.hpp"
#include "core/backfill/copy_range.hpp"
#include "core/backfill/pg_session.hpp"
#include "core/backfill/progress.hpp"
#include "core/backfill/repair.hpp"
#include "core/backfill/tables.hpp"
#include "core/clickhouse/client.hpp"
#include "core/error/error.hpp"
#include "core/process/thread_name.hpp"

namespace nf::backfill {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The key span of the rows to copy and about how many rows it holds.
struct TableBounds {
  KeyRange whole{1, 0};  // empty
  uint64_t estimated_rows = 0;
};

// min/max come from the snapshot. The row count is the planner's own estimate
// (reltuples per page × the current pages), so ranges stay right for a table that grew
// since its last ANALYZE; never analyzed, or filtered by --since: an exact count.
TableBounds read_bounds(PgSession& session, const TableSpec& table, const RowFilter& filter) {
  TableBounds bounds;
  const std::string& key = table.range_column();
  const auto span = session.query("SELECT min(" + key + "), max(" + key + ") FROM " + table.name +
                                  where_clause(table, filter));
  if (span.empty() || span[0][0].empty()) return bounds;
  bounds.whole = {std::stoull(span[0][0]), std::stoull(span[0][1])};
  if (!filter.since_epoch_s) {
    const auto estimate = session.query(
        "SELECT CASE WHEN relpages > 0 AND reltuples > 0 THEN (reltuples / relpages * (pg_relation_size(oid) / "
        "current_setting('block_size')::int))::bigint ELSE -1 END FROM pg_class WHERE oid = '" + table.name +
        "'::regclass");
    const long long rows = estimate.empty() ? -1 : std::stoll(estimate[0][0]);
    if (rows >= 0) {
      bounds.estimated_rows = static_cast<uint64_t>(rows);
      return bounds;
    }
  }
  bounds.estimated_rows = std::stoull(session.query("SELECT count(*) FROM " + table.name + where_clause(table, filter))[0][0]);
  return bounds;
}

// Runs `ranges` on the worker sessions, one thread each; a checkpoint follows each range.
// The first failure stops the others after their current range and is rethrown.
uint64_t copy_ranges(std::vector<std::unique_ptr<PgSession>>& workers, const ch::Client& client,
                     const TableSpec& table, uint64_t version, const RowFilter& base,
                     const std::vector<KeyRange>& ranges, ProgressBar& progress) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> copied{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const std::function<void(uint64_t)> on_rows = [&progress](uint64_t rows) { progress.add(rows); };

  auto work = [&](PgSession& session) {
    try {
      for (size_t i = next++; i < ranges.size() && !failed; i = next++) {
        RowFilter filter = base;
        filter.range = ranges[i];
        const uint64_t rows = copy_rows(session, client, table, version, filter, on_rows);
        write_checkpoint(client, table.name, {ranges[i], version, rows});
        copied += rows;
        spdlog::debug("backfill {}: range {}..{} done, {} rows", table.name, ranges[i].start, ranges[i].end, rows);
      }
    } catch (...) {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> threads;
  const size_t n_threads = std::min(workers.size(), ranges.size());
  for (size_t i = 0; i < n_threads; ++i)
    threads.emplace_back([&work, &worker = *workers[i]] {
      process::name_this_thread("nf-backfill");
      work(worker);
    });
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
  return copied;
}

TableResult backfill_table(const BackfillRequest& request, ExportedSnapshot& snapshot,
                           std::vector<std::unique_ptr<PgSession>>& workers, const ch::Client& client,
                           const TableSpec& table, ProgressBar& progress) {
  const auto started = Clock::now();
  TableResult result;
  result.table = table.name;
  RowFilter base;
  if (request.since_s) base.since_epoch_s = snapshot.now_epoch_s - *request.since_s;

  // A fresh run (or a --resume with nothing to resume) starts a new run of the table.
  std::vector<KeyRange> done;
  std::optional<std::vector<Checkpoint>> finished;
  if (request.resume) finished = finished_ranges(client, table.name);
  if (finished) {
    for (const auto& checkpoint : *finished) {
      done.push_back(checkpoint.range);
      result.resumed_rows += checkpoint.rows;
    }
    result.resumed_ranges = finished->size();
  } else {
    if (request.resume) spdlog::warn("backfill {}: nothing to resume, starting a fresh run", table.name);
    write_run_marker(client, table.name, snapshot.lsn);
  }

  const TableBounds bounds = read_bounds(*snapshot.session, table, base);
  const auto ranges = plan_ranges(bounds.whole, bounds.estimated_rows, request.chunk_rows, done);
  const uint64_t left = bounds.estimated_rows > result.resumed_rows ? bounds.estimated_rows - result.resumed_rows : 0;
  spdlog::info("backfill {}: {} ranges to copy (~{} rows), {} finished earlier", table.name, ranges.size(), left,
               result.resumed_ranges);
  progress.start(table.name, left);
  result.rows = copy_ranges(workers, client, table, snapshot.lsn, base, ranges, progress);
  progress.finish();
  result.ranges = ranges.size();
  result.seconds = seconds_since(started);
  return result;
}

void check_request(const BackfillRequest& request) {
  if (request.jobs < 1 || request.jobs > 64) fail_usage("--jobs must be between 1 and 64");
  if (request.chunk_rows < 1) fail_usage("backfill.chunk_rows must be at least 1");
  if (!request.ids.empty() && request.table == "all") fail_usage("--ids needs one --table (ids are that table's keys)");
  if (!request.ids.empty() && request.resume) fail_usage("--ids and --resume do not go together");
  if (request.since_s && *request.since_s < 0) fail_usage("--since must not be negative");
}

}  // namespace

BackfillReport run_backfill(const config::Config& config, const BackfillRequest& request) {
  check_request(request);
  const auto tables = catalog::select_tables(request.table);
  const auto started = Clock::now();
  const pg::Settings pg_settings = pg::settings_from(config);
  ch::Settings ch_settings = ch::settings_from(config);
  ch_settings.timeout_ms = std::max<long>(ch_settings.timeout_ms, 30000);  // FINAL reads of checkpoints
  const ch::Client client(ch_settings);

  BackfillReport report;
  report.resumed = request.resume;
  report.targeted = !request.ids.empty();
  ExportedSnapshot snapshot = export_snapshot(pg_settings);
  report.snapshot_lsn = snapshot.lsn;
  spdlog::info("backfill: snapshot {} at LSN {}", snapshot.id, format_lsn(snapshot.lsn));

  if (report.targeted) {
    report.tables.push_back(repair_keys(*snapshot.session, client, *tables.front(), snapshot.lsn, request.ids));
  } else {
    std::vector<std::unique_ptr<PgSession>> workers;
    for (int i = 0; i < request.jobs; ++i) workers.push_back(open_in_snapshot(pg_settings, snapshot.id));
    ProgressBar progress(request.progress);
    for (const TableSpec* table : tables)
      report.tables.push_back(backfill_table(request, snapshot, workers, client, *table, progress));
  }
  report.seconds = seconds_since(started);
  return report;
}

std::string format_lsn(uint64_t lsn) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffu));
  return buffer;
}

}  // namespace nf::backfill
