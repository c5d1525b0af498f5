#pragma once
// One PostgreSQL connection driven through libpq directly: backfill needs COPY … TO
// STDOUT of a query, which libpqxx 6.4 does not offer (its stream_from copies whole tables
// only) and whose PGconn it does not hand out. Same settings and error kinds as
// nf::pg::connect.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/pg/connection.hpp"

namespace nf::backfill {

class PgSession {
 public:
  explicit PgSession(const pg::Settings& settings);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Runs a statement; returns its rows as text (NULL as ""). Throws nf::Error(check_failed)
  // with PostgreSQL's message.
  std::vector<std::vector<std::string>> query(const std::string& sql);

  // Starts `COPY (…) TO STDOUT`; then next_row() until it returns false.
  void start_copy(const std::string& copy_sql);
  // The next row of the COPY, newline included; valid until the next call.
  bool next_row(std::string_view& row);

 private:
  void release_row();
  void* conn_ = nullptr;  // PGconn*
  char* row_ = nullptr;   // the last row PQgetCopyData handed out
};

// The coordinator's side of one consistent snapshot: a REPEATABLE READ transaction that
// exported its snapshot and stays open (so workers can import it) until destroyed.
struct ExportedSnapshot {
  std::unique_ptr<PgSession> session;
  std::string id;        // for SET TRANSACTION SNAPSHOT
  uint64_t lsn = 0;      // pg_current_wal_insert_lsn() as a number, read inside the snapshot
  int64_t now_epoch_s = 0;
};

ExportedSnapshot export_snapshot(const pg::Settings& settings);

// A worker's session, in a transaction that sees exactly `snapshot_id`.
std::unique_ptr<PgSession> open_in_snapshot(const pg::Settings& settings, const std::string& snapshot_id);

// "0/16B3748" → 0x16B3748.
uint64_t parse_lsn(std::string_view text);

}  // namespace nf::backfill
