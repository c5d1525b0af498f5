#include "core/seed/postgres_load.hpp"

#include <pqxx/tablewriter>
#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/seed/copy_format.hpp"
#include "core/seed/progress.hpp"

namespace nf::seed {

namespace {

// Rows sent per PQputCopyData call, as one text chunk.
constexpr size_t kChunkBytes = 1 << 20;
// Rows per COPY statement: foreign-key checks are queued per statement and run when it
// ends, so a 5M-row COPY would hold 10M queued trigger events in the server's memory and
// show no progress while they run. Statements of 50k rows in the same transaction keep
// that bounded, make progress honest (rows count once their statement has ended) and
// change nothing else.
constexpr uint64_t kRowsPerStatement = 50'000;

std::vector<std::string> split_columns(std::string_view columns) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < columns.size()) {
    size_t end = columns.find(',', start);
    if (end == std::string_view::npos) end = columns.size();
    std::string name(columns.substr(start, end - start));
    name.erase(0, name.find_first_not_of(' '));
    names.push_back(name);
    start = end + 1;
  }
  return names;
}

// tablewriter is libpqxx 6's COPY FROM STDIN writer (stream_to keeps its raw-line
// writer private); write_raw_line with many rows per call is one PQputCopyData each.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class CopyWriter {
 public:
  CopyWriter(pqxx::work& tx, const std::string& table, std::string_view columns, TableProgress& progress)
      : tx_(tx), table_(table), columns_(split_columns(columns)), progress_(progress) {
    buffer_.reserve(kChunkBytes + 4096);
  }

  template <typename Row>
  bool add(const Row& row) {
    if (!writer_) writer_.emplace(tx_, table_, columns_.begin(), columns_.end());
    append_copy_line(buffer_, row);
    if (++statement_rows_ >= kRowsPerStatement) {
      end_statement();
    } else if (buffer_.size() >= kChunkBytes) {
      send();
    }
    return true;
  }

  void finish() { end_statement(); }

 private:
  void send() {
    if (buffer_.empty()) return;
    writer_->write_raw_line(buffer_);
    buffer_.clear();
  }

  void end_statement() {
    if (!writer_) return;
    send();
    writer_->complete();
    writer_.reset();
    progress_.add(statement_rows_);
    statement_rows_ = 0;
  }

  pqxx::work& tx_;
  std::string table_;
  std::vector<std::string> columns_;
  TableProgress& progress_;
  std::optional<pqxx::tablewriter> writer_;
  std::string buffer_;
  uint64_t statement_rows_ = 0;
};
#pragma GCC diagnostic pop

uint64_t expected_rows(const Dataset& d, const std::string& table) {
  if (table == "users") return d.sizes.users;
  if (table == "follows") return d.sizes.follows();
  if (table == "posts") return d.sizes.posts;
  if (table == "likes") return d.sizes.likes;
  return d.sizes.comments;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

const std::vector<std::string>& seeded_tables() {
  static const std::vector<std::string> tables = {"users", "follows", "posts", "likes", "comments"};
  return tables;
}

void require_tables(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection, "seed check tables");
  for (const auto& table : seeded_tables())
    if (tx.exec1("SELECT to_regclass(" + tx.quote(table) + ") IS NULL")[0].as<bool>())
      fail_usage("the OLTP table '" + table + "' is missing from PostgreSQL; run `novafeed schema apply` first");
}

void prepare_tables(pqxx::connection& connection, bool truncate) {
  std::vector<std::string> non_empty;
  try {
    pqxx::read_transaction tx(connection, "seed check");
    for (const auto& table : seeded_tables())
      if (tx.exec1("SELECT EXISTS (SELECT 1 FROM " + tx.quote_name(table) + ")")[0].as<bool>())
        non_empty.push_back(table);
  } catch (const pqxx::undefined_table& e) {
    fail_usage(std::string("the OLTP tables are missing (") + e.what() + "); run `novafeed schema apply` first");
  }
  if (non_empty.empty() && !truncate) return;
  if (!truncate)
    fail_usage("PostgreSQL already holds rows in " + join(non_empty) +
               "; seeding would collide with their ids. Rerun with --truncate to empty users, follows, posts, "
               "likes and comments first (TRUNCATE ... CASCADE: this deletes every row in them)");
  spdlog::warn("seed --truncate: emptying {} (TRUNCATE ... RESTART IDENTITY CASCADE)", join(seeded_tables()));
  pqxx::work tx(connection, "seed truncate");
  std::string names;
  for (const auto& table : seeded_tables()) names += (names.empty() ? "" : ", ") + tx.quote_name(table);
  tx.exec0("TRUNCATE " + names + " RESTART IDENTITY CASCADE");
  tx.commit();
}

TableLoad load_table(pqxx::connection& connection, const Dataset& dataset, const std::string& table,
                     bool progress_on) {
  TableProgress progress(table, expected_rows(dataset, table), progress_on);
  pqxx::work tx(connection, "seed " + table);
  auto copy = [&](std::string_view columns, auto generate) {
    CopyWriter writer(tx, table, columns, progress);
    generate(dataset, [&](const auto& row) { return writer.add(row); });
    writer.finish();
  };
  if (table == "users") copy(kUserColumns, [](auto& d, auto emit) { generate_users(d, emit); });
  else if (table == "follows") copy(kFollowColumns, [](auto& d, auto emit) { generate_follows(d, emit); });
  else if (table == "posts") copy(kPostColumns, [](auto& d, auto emit) { generate_posts(d, emit); });
  else if (table == "likes") copy(kLikeColumns, [](auto& d, auto emit) { generate_likes(d, emit); });
  else if (table == "comments") copy(kCommentColumns, [](auto& d, auto emit) { generate_comments(d, emit); });
  else throw std::logic_error("seed: no generator for table " + table);
  tx.commit();
  const double seconds = progress.finish();
  return {table, progress.rows(), seconds};
}

void advance_sequences(pqxx::connection& connection) {
  pqxx::work tx(connection, "seed sequences");
  for (const std::string table : {"users", "posts", "comments"}) {
    const std::string name = tx.quote_name(table);
    // is_called = false: the next nextval() returns max(id) + 1 (1 for an empty table).
    tx.exec1("SELECT setval(pg_get_serial_sequence(" + tx.quote(table) + ", 'id'), COALESCE((SELECT max(id) FROM " +
             name + "), 0) + 1, false)");
  }
  tx.commit();
}

}  // namespace nf::seed
