#pragma once
// What `schema status|apply` print: text for people, JSON (--json) for scripts, the same
// facts in both.

#include <string>

#include <nlohmann/json.hpp>

#include "core/schema/schema.hpp"

namespace nf::schema {

std::string status_text(const StatusReport& report);
nlohmann::json status_json(const StatusReport& report);

// A dry run prints the SQL that would run, as a script a person could read or pipe to psql.
std::string apply_text(const ApplyReport& report);
nlohmann::json apply_json(const ApplyReport& report);

// One line for stderr when status is not up to date, e.g.
// "schema not up to date: postgres 1 changed (schema/postgres/0001_core_tables.sql)".
std::string not_up_to_date_summary(const StatusReport& report);

}  // namespace nf::schema
