#include "core/backfill/tables.hpp"

#include "core/error/error.hpp"

namespace nf::backfill {

const std::vector<TableSpec>& table_specs() {
  using K = ColumnKind;
  static const std::vector<TableSpec> specs = {
      {"users",
       {"id"},
       {{"id", K::integer},
        {"username", K::text},
        {"display_name", K::text},
        {"created_at", K::timestamp},
        {"updated_at", K::timestamp}},
       false},
      {"posts",
       {"id"},
       {{"id", K::integer},
        {"author_id", K::integer},
        {"caption", K::text},
        {"created_at", K::timestamp},
        {"updated_at", K::timestamp},
        {"deleted_at", K::nullable_timestamp}},
       true},
      {"follows",
       {"follower_id", "followee_id"},
       {{"follower_id", K::integer},
        {"followee_id", K::integer},
        {"created_at", K::timestamp},
        {"updated_at", K::timestamp}},
       false},
      {"likes",
       {"user_id", "post_id"},
       {{"user_id", K::integer}, {"post_id", K::integer}, {"created_at", K::timestamp}, {"updated_at", K::timestamp}},
       false},
      {"comments",
       {"id"},
       {{"id", K::integer},
        {"post_id", K::integer},
        {"user_id", K::integer},
        {"body", K::text},
        {"created_at", K::timestamp},
        {"updated_at", K::timestamp},
        {"deleted_at", K::nullable_timestamp}},
       true},
  };
  return specs;
}

const TableSpec& table_spec(std::string_view name) {
  for (const auto& spec : table_specs())
    if (spec.name == name) return spec;
  fail_usage("unknown table '" + std::string(name) + "' (use users, posts, follows, likes, comments or all)");
}

std::vector<const TableSpec*> select_tables(std::string_view table_or_all) {
  std::vector<const TableSpec*> out;
  if (table_or_all == "all") {
    for (const auto& spec : table_specs()) out.push_back(&spec);
  } else {
    out.push_back(&table_spec(table_or_all));
  }
  return out;
}

std::string pg_epoch_seconds(std::string_view column) {
  return "floor(date_part('epoch', " + std::string(column) + "))::bigint";
}

}  // namespace nf::backfill

namespace nf::backfill {

std::string ch_present_condition(const TableSpec& table) {
  return table.soft_delete ? "NOT (_deleted = 1 AND deleted_at IS NULL)" : "_deleted = 0";
}

}  // namespace nf::backfill
