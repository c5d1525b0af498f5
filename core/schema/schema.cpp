#include "core/schema/schema.hpp"

#include <algorithm>

#include "core/schema/embedded.hpp"
#include "core/schema/target_sides.hpp"

namespace nf::schema {

size_t TargetStatus::count(MigrationState state) const {
  return static_cast<size_t>(
      std::count_if(migrations.begin(), migrations.end(), [&](const MigrationStatus& m) { return m.state == state; }));
}

bool TargetStatus::up_to_date() const {
  return count(MigrationState::pending) == 0 && count(MigrationState::changed) == 0;
}

bool StatusReport::up_to_date() const {
  return std::all_of(targets.begin(), targets.end(), [](const TargetStatus& t) { return t.up_to_date(); });
}

size_t ApplyReport::applied_count() const {
  size_t n = 0;
  for (const auto& t : targets) n += t.migrations.size();
  return n;
}

namespace {

// --cluster NAME: clickhouse.cluster for this run
config::Config with_cluster(const config::Config& config, const Request& request) {
  config::Config out = config;
  if (!request.cluster.empty()) out.values["clickhouse.cluster"] = config::Value{request.cluster, "flag --cluster"};
  return out;
}

}  // namespace

StatusReport status(const config::Config& given, const Request& request) {
  const config::Config config = with_cluster(given, request);
  StatusReport report;
  for (const Target target : parse_targets(request.target)) {
    const auto migrations = load_migrations(target, embedded_files());
    report.targets.push_back(target == Target::postgres ? postgres_status(config, migrations)
                                                        : clickhouse_status(config, migrations));
  }
  return report;
}

ApplyReport apply(const config::Config& given, const Request& request) {
  const config::Config config = with_cluster(given, request);
  ApplyReport report;
  report.dry_run = request.dry_run;
  for (const Target target : parse_targets(request.target)) {
    const auto migrations = load_migrations(target, embedded_files());
    report.targets.push_back(target == Target::postgres ? postgres_apply(config, migrations, request.dry_run)
                                                        : clickhouse_apply(config, migrations, request.dry_run));
  }
  return report;
}

}  // namespace nf::schema
