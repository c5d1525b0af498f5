#include "core/backfill/tables.hpp"

namespace nf::backfill {

std::string pg_epoch_seconds(std::string_view column) {
  return "floor(date_part('epoch', " + std::string(column) + "))::bigint";
}

std::string ch_present_condition(const TableSpec& table) {
  return table.soft_delete() ? "NOT (_deleted = 1 AND " + table.soft_delete_column + " IS NULL)" : "_deleted = 0";
}

}  // namespace nf::backfill
