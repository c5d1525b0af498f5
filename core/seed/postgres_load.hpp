#pragma once
// Loading the generated OLTP rows into PostgreSQL with COPY: one table after another in
// foreign-key order, each table in one transaction, rows streamed in ~1 MiB chunks
// straight from the generators (nothing is held).

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/seed/dataset.hpp"
#include "core/seed/load_result.hpp"

namespace nf::seed {

// The tables seed fills, in load order.
const std::vector<std::string>& seeded_tables();

// Throws nf::Error(usage) when the five tables do not exist (schema not applied).
void require_tables(pqxx::connection& connection);

// Makes sure seeding cannot fail half-way on a duplicate key: with `truncate`, empties
// the five tables (TRUNCATE ... RESTART IDENTITY CASCADE, announced on stderr); without
// it, throws nf::Error(usage) when any of them holds rows, pointing at --truncate.
// Throws nf::Error(usage) when the tables do not exist (schema not applied).
void prepare_tables(pqxx::connection& connection, bool truncate);

// Loads one table (name from seeded_tables()); `progress` draws per-table progress on stderr.
TableLoad load_table(pqxx::connection& connection, const Dataset& dataset, const std::string& table, bool progress);

// Moves each identity sequence (users, posts, comments) past the largest id, so the app
// can insert after seed chose the ids.
void advance_sequences(pqxx::connection& connection);

}  // namespace nf::seed
