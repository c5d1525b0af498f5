#pragma once
// The PostgreSQL and the ClickHouse side of `schema status|apply` (schema.cpp picks).

#include <vector>

#include "core/config/config.hpp"
#include "core/schema/migration.hpp"
#include "core/schema/schema.hpp"

namespace nf::schema {

TargetStatus postgres_status(const config::Config& config, const std::vector<Migration>& migrations);
TargetApply postgres_apply(const config::Config& config, const std::vector<Migration>& migrations, bool dry_run);

TargetStatus clickhouse_status(const config::Config& config, const std::vector<Migration>& migrations);
TargetApply clickhouse_apply(const config::Config& config, const std::vector<Migration>& migrations, bool dry_run);

}  // namespace nf::schema
