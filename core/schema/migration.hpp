#pragma once
// Versioned migration files (schema/<target>/NNNN_name.sql, embedded in the binary) and
// how they compare with what a database has recorded in novafeed_schema_migrations.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "core/schema/embedded.hpp"

namespace nf::schema {

enum class Target { postgres, clickhouse };

// "postgres", "clickhouse": also the folder under schema/.
std::string_view target_name(Target target);

// "postgres", "clickhouse" or "all" (both, PostgreSQL first); throws nf::Error(usage).
std::vector<Target> parse_targets(std::string_view text);

struct MigrationFileName {
  int version = 0;
  std::string name;  // "core_tables"
};

// Parses "0001_core_tables.sql": at least four digits (not all zero), '_', a lower-case
// snake_case name, ".sql". The error says what is wrong and what a good name looks like.
tl::expected<MigrationFileName, std::string> parse_file_name(std::string_view file_name);

struct Migration {
  Target target = Target::postgres;
  int version = 0;
  std::string name;
  std::string file;      // "postgres/0001_core_tables.sql" (relative to schema/)
  std::string sql;       // the file as stored, placeholders unrendered
  std::string checksum;  // sha256_hex(sql)
};

// The migrations of `target` among `files`, ordered by version. Throws
// nf::Error(check_failed) for a badly named file, a duplicate version, or a file outside
// postgres/ and clickhouse/ (a broken build, so no target's migrations are trusted).
std::vector<Migration> load_migrations(Target target, const std::vector<EmbeddedFile>& files);

// A row of novafeed_schema_migrations.
struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;  // "YYYY-MM-DD HH:MM:SS" UTC
  // ClickHouse: the engine features its rendering relied on ("ttl") or went without
  // ("-ttl"), comma-separated, "" for none; nullopt where not recorded (PostgreSQL, and
  // rows written before novafeed recorded them).
  std::optional<std::string> engine_features;
};

enum class MigrationState {
  applied,  // recorded, with the file's checksum
  pending,  // not recorded yet
  changed,  // recorded with another checksum: the file was edited after it was applied
  unknown,  // recorded, but this binary has no such file (applied by a newer novafeed?)
};

std::string_view state_name(MigrationState state);

struct MigrationStatus {
  int version = 0;
  std::string name;
  std::string file;              // "" for unknown
  MigrationState state = MigrationState::pending;
  std::string checksum;          // of the file; "" for unknown
  std::string applied_checksum;  // as recorded; "" for pending
  std::string applied_at;        // "" for pending
  std::optional<std::string> engine_features;  // as recorded (AppliedMigration)
};

// Whether `version` is recorded as applied (with its checksum unchanged) among `statuses`.
bool is_applied(const std::vector<MigrationStatus>& statuses, int version);


// Joins the files with the recorded rows, ordered by version. A version recorded more
// than once (two concurrent ClickHouse applies) is applied only if every row agrees with
// the file.
std::vector<MigrationStatus> compare_with_applied(const std::vector<Migration>& migrations,
                                                  const std::vector<AppliedMigration>& applied);

// Throws nf::Error(check_failed) naming the first changed migration, both checksums and
// what to do instead.
void fail_if_changed(std::string_view target, const std::vector<MigrationStatus>& statuses);

// Logs a warning for each recorded version this binary has no file for (apply skips them).
void warn_unknown(std::string_view target, const std::vector<MigrationStatus>& statuses);

}  // namespace nf::schema
