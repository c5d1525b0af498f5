#include "core/catalog/tables.hpp"

#include "core/error/error.hpp"

namespace nf::catalog {

const std::vector<Table>& tables() {
  using T = ColumnType;
  static const std::vector<Table> all = {
      {"users",
       {{"id", T::uint64}, {"username", T::string}, {"display_name", T::string}, {"created_at", T::date_time},
        {"updated_at", T::date_time}},
       {"id"},
       ""},
      {"posts",
       {{"id", T::uint64}, {"author_id", T::uint64}, {"caption", T::string}, {"created_at", T::date_time},
        {"updated_at", T::date_time}, {"deleted_at", T::nullable_date_time}},
       {"id"},
       "deleted_at"},
      {"follows",
       {{"follower_id", T::uint64}, {"followee_id", T::uint64}, {"created_at", T::date_time},
        {"updated_at", T::date_time}},
       {"follower_id", "followee_id"},
       ""},
      {"likes",
       {{"user_id", T::uint64}, {"post_id", T::uint64}, {"created_at", T::date_time}, {"updated_at", T::date_time}},
       {"user_id", "post_id"},
       ""},
      {"comments",
       {{"id", T::uint64}, {"post_id", T::uint64}, {"user_id", T::uint64}, {"body", T::string},
        {"created_at", T::date_time}, {"updated_at", T::date_time}, {"deleted_at", T::nullable_date_time}},
       {"id"},
       "deleted_at"},
  };
  return all;
}

const Table* find_table(std::string_view name) {
  for (const auto& table : tables())
    if (table.name == name) return &table;
  return nullptr;
}

const Table& table(std::string_view name) {
  if (const Table* found = find_table(name)) return *found;
  std::string names;
  for (const auto& t : tables()) names += t.name + ", ";
  fail_usage("unknown table '" + std::string(name) + "' (use " + names.substr(0, names.size() - 2) + " or all)");
}

std::vector<const Table*> select_tables(std::string_view table_or_all) {
  std::vector<const Table*> out;
  if (table_or_all == "all") {
    for (const auto& t : tables()) out.push_back(&t);
  } else {
    out.push_back(&table(table_or_all));
  }
  return out;
}

std::vector<std::string> table_choices() {
  std::vector<std::string> choices;
  for (const auto& t : tables()) choices.push_back(t.name);
  choices.push_back("all");
  return choices;
}

const std::string& table_list() {
  static const std::string list = [] {
    std::string out;
    for (const auto& t : tables()) out += (out.empty() ? "" : ",") + t.name;
    return out;
  }();
  return list;
}

namespace {

struct TypeNames {
  std::string_view postgres, clickhouse;
};

TypeNames names_of(ColumnType type) {
  switch (type) {
    case ColumnType::uint64: return {"bigint", "UInt64"};
    case ColumnType::string: return {"text", "String"};
    case ColumnType::date_time: return {"timestamptz", "DateTime"};
    case ColumnType::nullable_date_time: return {"timestamptz", "Nullable(DateTime)"};
  }
  return {};
}

}  // namespace

std::string_view postgres_type(ColumnType type) { return names_of(type).postgres; }
std::string_view clickhouse_type(ColumnType type) { return names_of(type).clickhouse; }
bool nullable(ColumnType type) { return type == ColumnType::nullable_date_time; }

}  // namespace nf::catalog
