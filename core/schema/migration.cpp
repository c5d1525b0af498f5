#include "core/schema/migration.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/schema/checksum.hpp"

namespace nf::schema {

std::string_view target_name(Target target) {
  switch (target) {
    case Target::postgres: return "postgres";
    case Target::clickhouse: return "clickhouse";
  }
  return "unknown";
}

std::vector<Target> parse_targets(std::string_view text) {
  if (text == "postgres") return {Target::postgres};
  if (text == "clickhouse") return {Target::clickhouse};
  if (text == "all") return {Target::postgres, Target::clickhouse};
  fail_usage("unknown schema target '" + std::string(text) + "' (expected postgres, clickhouse or all)");
}

tl::expected<MigrationFileName, std::string> parse_file_name(std::string_view file_name) {
  const std::string quoted = "'" + std::string(file_name) + "'";
  const std::string expected = " (expected NNNN_name.sql, e.g. 0003_post_tags.sql)";
  if (!file_name.ends_with(".sql")) return tl::unexpected(quoted + " does not end in .sql" + expected);
  const std::string_view stem = file_name.substr(0, file_name.size() - 4);
  const auto underscore = stem.find('_');
  if (underscore == std::string_view::npos) return tl::unexpected(quoted + " has no '_' after its version" + expected);
  const std::string_view digits = stem.substr(0, underscore);
  const std::string_view name = stem.substr(underscore + 1);
  if (digits.size() < 4 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return tl::unexpected(quoted + " does not start with a version of at least four digits" + expected);
  MigrationFileName out;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.version);
  if (ec != std::errc() || end != digits.data() + digits.size())
    return tl::unexpected(quoted + " has a version too large to be one" + expected);
  if (out.version == 0) return tl::unexpected(quoted + " has version 0; versions start at 0001" + expected);
  const bool snake = !name.empty() && name.front() != '_' && name.back() != '_' &&
                     std::all_of(name.begin(), name.end(),
                                 [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
  if (!snake) return tl::unexpected(quoted + " has a name that is not lower-case snake_case" + expected);
  out.name = std::string(name);
  return out;
}

std::vector<Migration> load_migrations(Target target, const std::vector<EmbeddedFile>& files) {
  std::vector<Migration> out;
  for (const auto& file : files) {
    const auto slash = file.path.find('/');
    const std::string folder = file.path.substr(0, slash);
    if (slash == std::string::npos || (folder != "postgres" && folder != "clickhouse") ||
        file.path.find('/', slash + 1) != std::string::npos)
      fail_check("schema file '" + file.path + "' is not in schema/postgres/ or schema/clickhouse/");
    const auto parsed = parse_file_name(std::string_view(file.path).substr(slash + 1));
    if (!parsed) fail_check("schema file " + file.path + ": " + parsed.error());
    if (folder != target_name(target)) continue;
    out.push_back(Migration{target, parsed->version, parsed->name, file.path, file.content, sha256_hex(file.content)});
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].version == out[i - 1].version)
      fail_check("schema files " + out[i - 1].file + " and " + out[i].file + " have the same version " +
                 std::to_string(out[i].version) + "; give the newer one the next free number");
  return out;
}

std::string_view state_name(MigrationState state) {
  switch (state) {
    case MigrationState::applied: return "applied";
    case MigrationState::pending: return "pending";
    case MigrationState::changed: return "changed";
    case MigrationState::unknown: return "unknown";
  }
  return "unknown";
}

std::vector<MigrationStatus> compare_with_applied(const std::vector<Migration>& migrations,
                                                  const std::vector<AppliedMigration>& applied) {
  std::map<int, std::vector<const AppliedMigration*>> rows;
  for (const auto& row : applied) rows[row.version].push_back(&row);

  std::vector<MigrationStatus> out;
  for (const auto& migration : migrations) {
    MigrationStatus status{migration.version, migration.name, migration.file, MigrationState::pending,
                           migration.checksum, "", "", std::nullopt};
    if (const auto found = rows.find(migration.version); found != rows.end()) {
      const auto& recorded = found->second;
      const auto differing = std::find_if(recorded.begin(), recorded.end(),
                                          [&](const AppliedMigration* r) { return r->checksum != migration.checksum; });
      const AppliedMigration* shown = differing != recorded.end() ? *differing : recorded.front();
      status.state = differing != recorded.end() ? MigrationState::changed : MigrationState::applied;
      status.applied_checksum = shown->checksum;
      status.applied_at = shown->applied_at;
      status.engine_features = shown->engine_features;
      rows.erase(found);
    }
    out.push_back(std::move(status));
  }
  for (const auto& [version, recorded] : rows)
    out.push_back(MigrationStatus{version, recorded.front()->name, "", MigrationState::unknown, "",
                                  recorded.front()->checksum, recorded.front()->applied_at,
                                  recorded.front()->engine_features});
  std::sort(out.begin(), out.end(), [](const MigrationStatus& a, const MigrationStatus& b) { return a.version < b.version; });
  return out;
}

void fail_if_changed(std::string_view target, const std::vector<MigrationStatus>& statuses) {
  for (const auto& s : statuses) {
    if (s.state != MigrationState::changed) continue;
    fail_check("schema/" + s.file + " was changed after it was applied to " + std::string(target) +
               ": recorded checksum " + s.applied_checksum + ", file checksum " + s.checksum +
               ". An applied migration must never change: restore the file as it was applied and put the "
               "change in a new migration (the next free NNNN_name.sql in schema/" + std::string(target) +
               "/). Nothing was applied to " + std::string(target) + ".");
  }
}

void warn_unknown(std::string_view target, const std::vector<MigrationStatus>& statuses) {
  for (const auto& s : statuses)
    if (s.state == MigrationState::unknown)
      spdlog::warn("{}: version {} ({}) is recorded as applied but this novafeed has no such migration file; "
                   "was it applied by a newer novafeed?",
                   target, s.version, s.name);
}

bool is_applied(const std::vector<MigrationStatus>& statuses, int version) {
  for (const auto& status : statuses)
    if (status.version == version) return status.state == MigrationState::applied;
  return false;
}

}  // namespace nf::schema
