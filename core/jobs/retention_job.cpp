// retention: where a retained ClickHouse table has no TTL (Debian's 18.16, or a table made
// there before an upgrade), drop its partitions past the window; where it has one, check
// it and do nothing else (core/retention). Also prunes job_runs older than its own 30
// days, so the run log does not grow forever.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/jobs/job_functions.hpp"
#include "core/jobs/run_log.hpp"
#include "core/retention/retention.hpp"

namespace nf::jobs {

namespace {
constexpr int64_t kRunLogDays = 30;
}

JobOutcome run_retention(JobContext& context, const RunOptions& options) {
  const auto report =
      retention::apply_retention(context.clickhouse, retention::default_policies(), options.now_ms / 1000, false);
  std::string summary;
  for (const auto& table : report.tables) {
    summary += summary.empty() ? "" : "; ";
    switch (table.method) {
      case retention::RetentionMethod::ttl_in_place: summary += table.policy.table + " TTL in place"; break;
      case retention::RetentionMethod::drop_partitions:
        summary += fmt::format("{} dropped {} partition(s), kept {}", table.policy.table, table.dropped.size(),
                               table.kept.size());
        break;
      case retention::RetentionMethod::table_missing: summary += table.policy.table + " MISSING"; break;
    }
  }
  if (!report.ok()) fail_check("retention: " + summary + " (run `novafeed schema apply`)");
  const auto connection = pg::connect(context.postgres);
  const int64_t pruned = prune_runs(*connection, kRunLogDays);
  JobOutcome outcome;
  outcome.rows = report.dropped_partitions();
  outcome.detail = summary + (pruned ? fmt::format("; pruned {} job_runs older than {} days", pruned, kRunLogDays) : "");
  outcome.facts = retention::render_retention_json(report);
  outcome.facts["job_runs_pruned"] = pruned;
  return outcome;
}

}  // namespace nf::jobs
