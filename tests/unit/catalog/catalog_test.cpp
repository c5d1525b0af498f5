// The table catalog (core/catalog/tables.hpp) is the one declaration of the captured
// tables; the migrations that create them are SQL history. These tests hold the two
// together: the CREATE TABLE statements of the migrations compiled into the binary,
// rendered as `schema apply` would, must create exactly the catalog's columns, types,
// keys and version column, and no later migration may change a captured table's columns
// behind the catalog's back.

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <regex>

#include "core/catalog/tables.hpp"
#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/schema/embedded.hpp"
#include "core/schema/migration.hpp"
#include "core/schema/render.hpp"
#include "tests/support/run.hpp"

namespace {

using nf::catalog::ColumnType;

// One CREATE TABLE of a captured table, as a migration spells it.
struct CreatedTable {
  std::string file;
  std::string name;
  std::vector<std::string> columns;      // "name type[ NULL| NOT NULL]" (PostgreSQL) / "name type"
  std::vector<std::string> primary_key;  // PostgreSQL: PRIMARY KEY; ClickHouse: ORDER BY
  std::string version_column;            // ClickHouse: the ReplacingMergeTree version column
};

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\n");
  const auto last = text.find_last_not_of(" \t\n");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// Splits at the commas outside parentheses.
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> parts{""};
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  for (auto& part : parts) part = trim(part);
  return parts;
}

std::vector<std::string> names_in(const std::string& list) {
  std::string inner = trim(list);
  if (!inner.empty() && inner.front() == '(') inner = inner.substr(1, inner.size() - 2);
  return split_top_level(inner);
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

nf::config::Config default_config() { return nf::config::load(nf::config::Sources{}); }

// Every migration of `target`, rendered for a single server (ClickHouse 18.16, the oldest
// supported), without comments.
std::vector<std::pair<std::string, std::string>> rendered_migrations(nf::schema::Target target) {
  const auto config = default_config();
  const auto options = target == nf::schema::Target::clickhouse
                           ? nf::schema::clickhouse_render_options(config, nf::ch::parse_version("18.16.1"))
                           : nf::schema::postgres_render_options(config);
  const std::regex line_comment("--[^\n]*");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : nf::schema::load_migrations(target, nf::schema::embedded_files())) {
    const auto rendered = nf::schema::render_sql(m.sql, options);
    if (!rendered) FAIL(m.file << " does not render: " << rendered.error());
    out.emplace_back(m.file, std::regex_replace(*rendered, line_comment, ""));
  }
  return out;
}

// The CREATE TABLE statements of the catalog's tables in the migrations of `target`, by
// table name.
std::map<std::string, std::vector<CreatedTable>> created_tables(nf::schema::Target target) {
  const bool clickhouse = target == nf::schema::Target::clickhouse;
  const std::regex create(R"(CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:\w+\.)?(\w+)(?:\s+ON\s+CLUSTER\s+\S+)?\s*\()",
                          std::regex::icase);
  const std::regex engine_version(R"(ReplacingMergeTree\s*\(([^)]*)\))", std::regex::icase);
  const std::regex order_by(R"(ORDER\s+BY\s+(\([^)]*\)|\w+))", std::regex::icase);
  std::map<std::string, std::vector<CreatedTable>> out;
  for (const auto& [file, sql] : rendered_migrations(target)) {
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), create); it != std::sregex_iterator(); ++it) {
      const std::string name = (*it)[1];
      if (!nf::catalog::find_table(name)) continue;
      // The column list: up to the parenthesis that closes the one the match ends with.
      const size_t open = static_cast<size_t>(it->position() + it->length());
      size_t close = open;
      for (int depth = 1; close < sql.size() && depth > 0; ++close) {
        if (sql[close] == '(') ++depth;
        if (sql[close] == ')') --depth;
      }
      const std::string body = sql.substr(open, close - 1 - open);
      const std::string tail = sql.substr(close, sql.find(';', close) - close);

      CreatedTable table{file, name, {}, {}, ""};
      for (const auto& item : split_top_level(body)) {
        const std::string item_upper = upper(item);
        if (item_upper.rfind("PRIMARY KEY", 0) == 0) {
          table.primary_key = names_in(item.substr(item.find('(')));
          continue;
        }
        if (item_upper.rfind("CHECK", 0) == 0 || item_upper.rfind("UNIQUE", 0) == 0 ||
            item_upper.rfind("CONSTRAINT", 0) == 0 || item_upper.rfind("FOREIGN KEY", 0) == 0)
          continue;
        // "name type rest…"; a type may hold parentheses (Nullable(DateTime)) but no blanks.
        const size_t name_end = item.find_first_of(" \t\n");
        const std::string column = item.substr(0, name_end);
        const std::string after = trim(item.substr(name_end));
        const std::string type = after.substr(0, after.find_first_of(" \t\n"));
        if (clickhouse) {
          table.columns.push_back(column + " " + type);
        } else {
          const bool inline_key = item_upper.find("PRIMARY KEY") != std::string::npos;
          const bool not_null = inline_key || item_upper.find("NOT NULL") != std::string::npos;
          table.columns.push_back(column + " " + type + (not_null ? " NOT NULL" : " NULL"));
          if (inline_key) table.primary_key = {column};
        }
      }
      std::smatch m;
      if (clickhouse && std::regex_search(tail, m, order_by)) table.primary_key = names_in(m[1]);
      if (clickhouse && std::regex_search(tail, m, engine_version)) table.version_column = split_top_level(m[1]).back();
      out[name].push_back(std::move(table));
    }
  }
  return out;
}

// The columns created_tables() should find, from the catalog: in ClickHouse, followed
// by the bookkeeping columns of every mirror.
std::vector<std::string> expected_columns(const nf::catalog::Table& table, nf::schema::Target target) {
  std::vector<std::string> out;
  for (const auto& c : table.columns) {
    if (target == nf::schema::Target::postgres)
      out.push_back(c.name + " " + std::string(nf::catalog::postgres_type(c.type)) +
                    (nf::catalog::nullable(c.type) ? " NULL" : " NOT NULL"));
    else
      out.push_back(c.name + " " + std::string(nf::catalog::clickhouse_type(c.type)));
  }
  if (target == nf::schema::Target::clickhouse) {
    out.push_back(std::string(nf::catalog::kVersionColumn) + " UInt64");
    out.push_back(std::string(nf::catalog::kDeletedColumn) + " UInt8");
    out.push_back(std::string(nf::catalog::kIngestedAtColumn) + " DateTime");
  }
  return out;
}

}  // namespace

TEST_CASE("catalog: the five captured tables in order, keys among the columns, updated_at everywhere") {
  const auto& tables = nf::catalog::tables();
  std::vector<std::string> names;
  for (const auto& t : tables) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"users", "posts", "follows", "likes", "comments"});
  for (const auto& t : tables) {
    INFO(t.name);
    const auto has = [&t](std::string_view column, ColumnType type) {
      return std::any_of(t.columns.begin(), t.columns.end(),
                         [&](const auto& c) { return c.name == column && c.type == type; });
    };
    REQUIRE_FALSE(t.key.empty());
    CHECK(t.range_column() == t.key.front());
    for (const auto& key : t.key) CHECK(has(key, ColumnType::uint64));  // backfill ranges and verify buckets
    CHECK(has(nf::catalog::kUpdatedAtColumn, ColumnType::date_time));
    if (t.soft_delete()) CHECK(has(t.soft_delete_column, ColumnType::nullable_date_time));
  }
  CHECK(nf::catalog::table("posts").soft_delete_column == "deleted_at");
  CHECK_FALSE(nf::catalog::table("follows").soft_delete());
  CHECK(nf::catalog::table("likes").key == std::vector<std::string>{"user_id", "post_id"});
}

TEST_CASE("catalog: unknown tables are usage errors naming the choices, all selects the five in order") {
  CHECK(nf::catalog::find_table("events") == nullptr);
  try {
    nf::catalog::table("events");
    FAIL("no error for an unknown table");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK(std::string(e.what()) == "unknown table 'events' (use users, posts, follows, likes, comments or all)");
  }
  CHECK_THROWS_AS(nf::catalog::select_tables("events"), nf::Error);
  const auto all = nf::catalog::select_tables("all");
  REQUIRE(all.size() == 5);
  CHECK(all[0]->name == "users");
  CHECK(all[4]->name == "comments");
  CHECK(nf::catalog::select_tables("likes").front() == nf::catalog::find_table("likes"));
  CHECK(nf::catalog::table_choices() ==
        std::vector<std::string>{"users", "posts", "follows", "likes", "comments", "all"});
}

TEST_CASE("catalog: cdc.tables defaults to every table, and backfill and verify offer each as --table") {
  CHECK(default_config().get("cdc.tables") == "users,posts,follows,likes,comments");
  CHECK(nf::catalog::table_list() == "users,posts,follows,likes,comments");
  for (const char* command : {"backfill", "verify"}) {
    INFO(command);
    const auto help = nf::test::run_novafeed({command, "--help"});
    REQUIRE(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("{users,posts,follows,likes,comments,all}"));
    const auto unknown = nf::test::run_novafeed({command, "--table", "events"});
    CHECK(unknown.exit_code == 2);
  }
}

TEST_CASE("catalog: the migrations create the catalog's columns, types and keys, and ClickHouse's version column") {
  using nf::schema::Target;
  for (const auto target : {Target::postgres, Target::clickhouse}) {
    auto created = created_tables(target);
    for (const auto& t : nf::catalog::tables()) {
      INFO(nf::schema::target_name(target) << " table " << t.name);
      REQUIRE_FALSE(created[t.name].empty());
      for (const auto& c : created[t.name]) {
        INFO(c.file);
        CHECK(c.columns == expected_columns(t, target));
        CHECK(c.primary_key == t.key);  // ClickHouse: ORDER BY, the rows ReplacingMergeTree collapses
        if (target == Target::clickhouse) CHECK(c.version_column == nf::catalog::kVersionColumn);
      }
    }
  }
}

TEST_CASE("catalog: no migration alters a captured table's columns, and the publication names every table") {
  // A column added by ALTER would be invisible to the tests above: declare it in the
  // catalog and teach them ALTER ... ADD COLUMN first.
  const std::regex alter_column(
      R"(ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:\w+\.)?(\w+)[^;]*\b(ADD|DROP|MODIFY|RENAME|ALTER)\s+COLUMN\b)",
      std::regex::icase);
  for (const auto target : {nf::schema::Target::postgres, nf::schema::Target::clickhouse}) {
    for (const auto& [file, sql] : rendered_migrations(target)) {
      for (auto it = std::sregex_iterator(sql.begin(), sql.end(), alter_column); it != std::sregex_iterator(); ++it) {
        INFO(file << ": " << it->str());
        CHECK(nf::catalog::find_table((*it)[1].str()) == nullptr);
      }
    }
  }

  const std::regex publication(R"(PUBLICATION\s+\w+\s+(?:SET\s+|FOR\s+)TABLE\s+([^;]*))", std::regex::icase);
  const std::string heartbeat = default_config().get("cdc.heartbeat_table");
  int publications = 0;
  for (const auto& [file, sql] : rendered_migrations(nf::schema::Target::postgres)) {
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), publication); it != std::sregex_iterator(); ++it) {
      INFO(file << ": " << it->str());
      auto tables = split_top_level((*it)[1]);
      tables.erase(std::remove(tables.begin(), tables.end(), heartbeat), tables.end());
      std::string list;
      for (const auto& t : tables) list += (list.empty() ? "" : ",") + t;
      CHECK(list == nf::catalog::table_list());
      ++publications;
    }
  }
  CHECK(publications >= 1);
}
