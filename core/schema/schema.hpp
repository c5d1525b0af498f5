#pragma once
// `novafeed schema apply|status`: the versioned migrations of both databases.
//
// Each side records what it ran in its own novafeed_schema_migrations table (version,
// name, checksum = SHA-256 of the file as stored, applied_at). apply runs the pending
// files in version order and is idempotent; a file changed after it was applied stops
// apply and fails status (exit 1). PostgreSQL runs each migration and its bookkeeping row
// in one transaction under an advisory lock; ClickHouse runs one statement per request,
// every statement IF NOT EXISTS, so an interrupted migration is just run again.

#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/schema/migration.hpp"

namespace nf::schema {

struct Request {
  std::string target = "all";  // postgres | clickhouse | all
  bool dry_run = false;        // apply: print the SQL that would run, change nothing
  std::string cluster;         // apply/status --cluster: clickhouse.cluster for this run
};

// PostgreSQL only: the publication Debezium reads, as the server has it.
struct PublicationState {
  std::string name;
  bool exists = false;
  std::vector<std::string> tables;  // "public.posts", …
};

struct TargetStatus {
  Target target = Target::postgres;
  std::string server;    // "PostgreSQL 15.4", "ClickHouse 18.16.1"
  std::string location;  // "127.0.0.1:15432/novafeed", "http://127.0.0.1:18123, database novafeed"
  std::vector<MigrationStatus> migrations;
  std::optional<PublicationState> publication;
  std::vector<std::string> engine_features;  // ClickHouse: what the server offers (ch::EngineFeatures::names)
  std::vector<std::string> notes;  // facts worth a line, e.g. how retention works here

  size_t count(MigrationState state) const;
  bool up_to_date() const;  // nothing pending or changed
};

struct StatusReport {
  std::vector<TargetStatus> targets;
  bool up_to_date() const;
};

struct PlannedMigration {
  int version = 0;
  std::string name;
  std::string file;
  std::string checksum;
  std::vector<std::string> statements;  // rendered; PostgreSQL: the whole file as one
  double seconds = 0;                   // time taken (0 in a dry run)
  std::string engine_features;          // ClickHouse: EngineUse::recorded() of the rendering
};

struct TargetApply {
  Target target = Target::postgres;
  std::string server;
  std::string location;
  std::vector<std::string> setup_statements;  // database / migrations table, when missing
  std::vector<PlannedMigration> migrations;   // applied now, or (dry run) that would be
  size_t already_applied = 0;
};

struct ApplyReport {
  bool dry_run = false;
  std::vector<TargetApply> targets;
  size_t applied_count() const;
};

// Reads both sides (never writes). Throws nf::Error(unreachable) when a database does
// not answer.
StatusReport status(const config::Config& config, const Request& request);

// Applies what is pending, target by target (PostgreSQL first). Throws
// nf::Error(check_failed) for a changed migration or a failing statement,
// nf::Error(unreachable) when a database does not answer.
ApplyReport apply(const config::Config& config, const Request& request);

}  // namespace nf::schema
