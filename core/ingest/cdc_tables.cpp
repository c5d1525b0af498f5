#include "core/ingest/cdc_tables.hpp"

namespace nf::ingest {

const std::vector<CdcTable>& cdc_tables() {
  using T = ColumnType;
  static const std::vector<CdcTable> tables = {
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
  return tables;
}

const CdcTable* find_cdc_table(std::string_view name) {
  for (const auto& table : cdc_tables())
    if (table.name == name) return &table;
  return nullptr;
}

}  // namespace nf::ingest
