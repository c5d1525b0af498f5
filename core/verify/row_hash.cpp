#include "core/verify/row_hash.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "core/backfill/tables.hpp"

namespace nf::verify {

using catalog::ColumnType;

std::vector<std::string> field_names(const Table& table) {
  std::vector<std::string> names;
  for (const auto& column : table.columns) names.push_back(column.name);
  names.push_back("deleted");
  return names;
}

std::vector<std::string> pg_field_expressions(const Table& table) {
  std::vector<std::string> out;
  for (const auto& c : table.columns) {
    switch (c.type) {
      case ColumnType::uint64: out.push_back(c.name + "::text"); break;
      case ColumnType::string: out.push_back("octet_length(" + c.name + ")::text || ':' || " + c.name); break;
      case ColumnType::date_time: out.push_back(backfill::pg_epoch_seconds(c.name) + "::text"); break;
      case ColumnType::nullable_date_time:
        out.push_back("coalesce(" + backfill::pg_epoch_seconds(c.name) + "::text, '')");
        break;
    }
  }
  out.push_back(table.soft_delete() ? "(" + table.soft_delete_column + " IS NOT NULL)::int::text" : "'0'");
  return out;
}

std::vector<std::string> ch_field_expressions(const Table& table) {
  std::vector<std::string> out;
  for (const auto& c : table.columns) {
    switch (c.type) {
      case ColumnType::uint64: out.push_back("toString(" + c.name + ")"); break;
      case ColumnType::string: out.push_back("concat(toString(length(" + c.name + ")), ':', " + c.name + ")"); break;
      case ColumnType::date_time: out.push_back("toString(toUInt32(" + c.name + "))"); break;
      case ColumnType::nullable_date_time: out.push_back("ifNull(toString(toUInt32(" + c.name + ")), '')"); break;
    }
  }
  out.push_back("toString(_deleted)");
  return out;
}

namespace {

const std::string P = std::to_string(kHashModulus);
const std::string B = std::to_string(kHashMultiplier);

// Folds the field terms: h = ((h XOR f) * B) mod P; `xor_sql` renders "h XOR f".
template <typename XorSql>
std::string fold(const std::vector<std::string>& terms, XorSql xor_sql) {
  std::string h = "0";
  for (const auto& term : terms) h = "((" + xor_sql(h, term) + " * " + B + ") % " + P + ")";
  return h;
}

}  // namespace

std::string pg_row_hash(const Table& table) {
  std::vector<std::string> terms;
  for (const auto& c : table.columns) {
    const std::string epoch = backfill::pg_epoch_seconds(c.name);
    switch (c.type) {
      case ColumnType::uint64: terms.push_back("(" + c.name + " % " + P + ")"); break;
      case ColumnType::string:
        terms.push_back("(('x' || substr(md5(" + c.name + "), 17, 8))::bit(32)::bigint % " + P + ")");
        break;
      case ColumnType::date_time: terms.push_back("(" + epoch + " % " + P + ")"); break;
      case ColumnType::nullable_date_time: terms.push_back("(coalesce(" + epoch + " + 1, 0) % " + P + ")"); break;
    }
  }
  terms.push_back(table.soft_delete() ? "(" + table.soft_delete_column + " IS NOT NULL)::int::bigint" : "0");
  return fold(terms, [](const std::string& h, const std::string& f) { return "(" + h + " # " + f + ")"; });
}

std::string ch_row_hash(const Table& table) {
  std::vector<std::string> terms;
  for (const auto& c : table.columns) {
    switch (c.type) {
      case ColumnType::uint64: terms.push_back("(" + c.name + " % " + P + ")"); break;
      case ColumnType::string:
        terms.push_back("(bitShiftRight(reinterpretAsUInt64(reverse(MD5(" + c.name + "))), 32) % " + P + ")");
        break;
      case ColumnType::date_time: terms.push_back("(toUInt32(" + c.name + ") % " + P + ")"); break;
      case ColumnType::nullable_date_time:
        terms.push_back("(ifNull(toUInt32(" + c.name + ") + 1, 0) % " + P + ")");
        break;
    }
  }
  terms.push_back("_deleted");
  return fold(terms, [](const std::string& h, const std::string& f) { return "bitXor(" + h + ", " + f + ")"; });
}

std::vector<std::string> canonical_fields(const Table& table, const std::vector<std::optional<std::string>>& values,
                                          bool deleted) {
  if (values.size() != table.columns.size()) throw std::invalid_argument("canonical_fields: wrong number of values");
  std::vector<std::string> out;
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& value = values[i];
    if (table.columns[i].type == ColumnType::string)
      out.push_back(std::to_string(value ? value->size() : 0) + ":" + value.value_or(""));
    else
      out.push_back(value.value_or(""));
  }
  out.push_back(deleted ? "1" : "0");
  return out;
}

std::string canonical_text(const std::vector<std::string>& fields) {
  std::string text;
  for (size_t i = 0; i < fields.size(); ++i) text += (i ? "," : "") + fields[i];
  return text;
}

uint64_t text_hash32(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  uint64_t hash = 0;
  for (int i = 8; i < 12; ++i) hash = (hash << 8) | digest[i];
  return hash;
}

uint64_t row_hash(const Table& table, const std::vector<std::optional<std::string>>& values, bool deleted) {
  if (values.size() != table.columns.size()) throw std::invalid_argument("row_hash: wrong number of values");
  uint64_t h = 0;
  const auto fold_in = [&h](uint64_t term) { h = ((h ^ term) * kHashMultiplier) % kHashModulus; };
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& value = values[i];
    switch (table.columns[i].type) {
      case ColumnType::uint64:
      case ColumnType::date_time: fold_in(std::stoull(value.value()) % kHashModulus); break;
      case ColumnType::string: fold_in(text_hash32(value.value()) % kHashModulus); break;
      case ColumnType::nullable_date_time: fold_in(value ? (std::stoull(*value) + 1) % kHashModulus : 0); break;
    }
  }
  fold_in(deleted ? 1 : 0);
  return h;
}

}  // namespace nf::verify
