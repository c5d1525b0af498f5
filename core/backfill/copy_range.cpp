#include "core/backfill/copy_range.hpp"

#include <cstring>

namespace nf::backfill {
namespace {

// The body of one insert: the COPY's rows, back to back.
class CopyPump {
 public:
  CopyPump(PgSession& session, const std::function<void(uint64_t)>& on_rows) : session_(session), on_rows_(on_rows) {}

  size_t fill(char* buffer, size_t capacity) {
    size_t written = 0;
    uint64_t new_rows = 0;
    while (written < capacity) {
      if (pending_.empty()) {
        if (done_ || !session_.next_row(pending_)) {
          done_ = true;
          break;
        }
        ++new_rows;
      }
      const size_t n = std::min(capacity - written, pending_.size());
      std::memcpy(buffer + written, pending_.data(), n);
      pending_.remove_prefix(n);
      written += n;
    }
    rows_ += new_rows;
    if (new_rows) on_rows_(new_rows);
    return written;
  }

  uint64_t rows() const { return rows_; }

 private:
  PgSession& session_;
  const std::function<void(uint64_t)>& on_rows_;
  std::string_view pending_;  // the unsent rest of the current row
  bool done_ = false;
  uint64_t rows_ = 0;
};

}  // namespace

uint64_t copy_rows(PgSession& session, const ch::Client& client, const TableSpec& table, uint64_t version,
                   const RowFilter& filter, const std::function<void(uint64_t)>& on_rows) {
  session.start_copy(copy_statement(table, version, filter));
  CopyPump pump(session, on_rows);
  client.insert_stream(insert_statement(table), [&](char* buffer, size_t capacity) { return pump.fill(buffer, capacity); });
  return pump.rows();
}

}  // namespace nf::backfill
