#include "core/backfill/pg_session.hpp"

#include <libpq-fe.h>

#include <charconv>

#include "core/error/error.hpp"

namespace nf::backfill {
namespace {

PGconn* raw(void* conn) { return static_cast<PGconn*>(conn); }

std::string trimmed_error(PGconn* conn) {
  std::string text = PQerrorMessage(conn);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

// postgres.url is passed as an expanded dbname, so every URL or conninfo parameter keeps
// working; the password (from a secret) and the timeout are added as keywords.
PgSession::PgSession(const pg::Settings& settings) {
  const std::string timeout = std::to_string(settings.connect_timeout_s);
  std::vector<const char*> keywords = {"dbname", "connect_timeout", "fallback_application_name"};
  std::vector<const char*> values = {settings.url.c_str(), timeout.c_str(), "novafeed"};
  if (!settings.password.empty()) {
    keywords.push_back("password");
    values.push_back(settings.password.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), 1);
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    const std::string reason = conn ? trimmed_error(conn) : "out of memory";
    if (conn) PQfinish(conn);
    fail_unreachable("PostgreSQL at " + pg::describe(settings) + " is unreachable: " + reason +
                     " (is it running? `scripts/stack status`)");
  }
  conn_ = conn;
}

PgSession::~PgSession() {
  release_row();
  PQfinish(raw(conn_));
}

void PgSession::release_row() {
  if (row_) PQfreemem(row_);
  row_ = nullptr;
}

std::vector<std::vector<std::string>> PgSession::query(const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(raw(conn_), sql.c_str()), PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    fail_check("PostgreSQL: " + trimmed_error(raw(conn_)) + " (in: " + sql.substr(0, 200) + ")");
  std::vector<std::vector<std::string>> rows;
  const int n_rows = PQntuples(result.get()), n_cols = PQnfields(result.get());
  rows.reserve(n_rows);
  for (int r = 0; r < n_rows; ++r) {
    auto& row = rows.emplace_back();
    for (int c = 0; c < n_cols; ++c) row.emplace_back(PQgetvalue(result.get(), r, c), PQgetlength(result.get(), r, c));
  }
  return rows;
}

void PgSession::start_copy(const std::string& copy_sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(raw(conn_), copy_sql.c_str()), PQclear);
  if (PQresultStatus(result.get()) != PGRES_COPY_OUT)
    fail_check("PostgreSQL: " + trimmed_error(raw(conn_)) + " (in: " + copy_sql.substr(0, 200) + ")");
}

bool PgSession::next_row(std::string_view& row) {
  release_row();
  const int length = PQgetCopyData(raw(conn_), &row_, 0);
  if (length > 0) {
    row = std::string_view(row_, static_cast<size_t>(length));
    return true;
  }
  if (length == -2) fail_check("PostgreSQL: COPY failed: " + trimmed_error(raw(conn_)));
  // -1: the COPY is over; its final status says whether it completed.
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQgetResult(raw(conn_)), PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
    fail_check("PostgreSQL: COPY failed: " + trimmed_error(raw(conn_)));
  while (PGresult* extra = PQgetResult(raw(conn_))) PQclear(extra);
  return false;
}

uint64_t parse_lsn(std::string_view text) {
  const auto slash = text.find('/');
  uint64_t high = 0, low = 0;
  if (slash == std::string_view::npos ||
      std::from_chars(text.data(), text.data() + slash, high, 16).ec != std::errc() ||
      std::from_chars(text.data() + slash + 1, text.data() + text.size(), low, 16).ec != std::errc())
    fail_check("cannot parse the PostgreSQL LSN '" + std::string(text) + "'");
  return (high << 32) | low;
}

ExportedSnapshot export_snapshot(const pg::Settings& settings) {
  ExportedSnapshot snapshot;
  snapshot.session = std::make_unique<PgSession>(settings);
  snapshot.session->query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  // The insert position, not pg_current_wal_lsn() (the write position): with
  // synchronous_commit=off the write position can lag behind changes already committed
  // and visible in this snapshot, and the snapshot's version must be above all of them.
  const auto rows = snapshot.session->query(
      "SELECT pg_export_snapshot(), pg_current_wal_insert_lsn()::text, floor(date_part('epoch', now()))::bigint");
  snapshot.id = rows.at(0).at(0);
  snapshot.lsn = parse_lsn(rows.at(0).at(1));
  snapshot.now_epoch_s = std::stoll(rows.at(0).at(2));
  return snapshot;
}

std::unique_ptr<PgSession> open_in_snapshot(const pg::Settings& settings, const std::string& snapshot_id) {
  auto session = std::make_unique<PgSession>(settings);
  session->query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  std::string quoted = "'";
  for (char c : snapshot_id) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  session->query("SET TRANSACTION SNAPSHOT " + quoted + "'");
  return session;
}

}  // namespace nf::backfill
