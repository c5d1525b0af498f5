#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/schema/cluster.hpp"
#include "core/schema/embedded.hpp"
#include "core/schema/migration.hpp"
#include "core/schema/render.hpp"
#include "core/schema/statements.hpp"
#include "tests/support/run.hpp"

namespace {

const nf::schema::ClusterLayout kOneShard{"novafeed", "nf", "shard"};

std::vector<std::string> rewrite(const std::string& sql, const nf::schema::ClusterLayout& layout = kOneShard) {
  auto out = nf::schema::on_cluster(sql, layout);
  if (!out) FAIL("on_cluster failed: " << out.error());
  return *out;
}

// Every shipped ClickHouse migration as `schema apply --cluster` runs it on 18.16, in order.
std::vector<std::string> shipped_on_cluster(const nf::schema::ClusterLayout& layout) {
  nf::schema::RenderOptions options;
  options.variables["database"] = layout.database;
  options.clickhouse = nf::ch::parse_version("18.16.1");
  std::vector<std::string> out;
  for (const auto& m : nf::schema::load_migrations(nf::schema::Target::clickhouse, nf::schema::embedded_files())) {
    const auto rendered = nf::schema::render_sql(m.sql, options);
    REQUIRE(rendered);
    const auto statements = nf::schema::split_statements(*rendered);
    REQUIRE(statements);
    for (const auto& s : *statements)
      for (auto& r : rewrite(s, layout)) out.push_back(std::move(r));
  }
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.front() == '\n' || s.front() == ' ')) s.erase(0, 1);
  return s;
}

}  // namespace

TEST_CASE("schema cluster: a MergeTree table becomes Replicated ON CLUSTER, with a Distributed T_all by its key") {
  const auto out = rewrite(
      "-- a comment that says ENGINE = MergeTree\n"
      "CREATE TABLE IF NOT EXISTS posts (\n  id UInt64,\n  _version UInt64\n) ENGINE = ReplacingMergeTree(_version)\n"
      "ORDER BY id");
  REQUIRE(out.size() == 2);
  CHECK(trimmed(out[0]) ==
        "CREATE TABLE IF NOT EXISTS posts ON CLUSTER novafeed (\n  id UInt64,\n  _version UInt64\n)"
        " ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/nf/posts', '{replica}', _version)\n"
        "ORDER BY id");
  CHECK(out[1] ==
        "CREATE TABLE IF NOT EXISTS posts_all ON CLUSTER novafeed AS nf.posts\n"
        "ENGINE = Distributed(novafeed, nf, posts, id)");
}

TEST_CASE("schema cluster: engines without arguments, Summing deduplication, bookkeeping everywhere, Null as is") {
  const auto aggregating = rewrite("CREATE TABLE IF NOT EXISTS post_metrics_1d (post_id UInt64) ENGINE = AggregatingMergeTree\n"
                                   "PARTITION BY toYYYYMM(day)\nORDER BY (post_id, day, action)\nSETTINGS index_granularity = 32");
  CHECK_THAT(aggregating[0], Catch::Contains("ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/nf/post_metrics_1d', '{replica}')\n"));
  CHECK_THAT(aggregating[0], Catch::EndsWith("SETTINGS index_granularity = 32"));

  // equal blocks of counts are different facts: never deduplicated
  const auto summing = rewrite("CREATE TABLE IF NOT EXISTS post_counts (post_id UInt64) ENGINE = SummingMergeTree\n"
                               "ORDER BY (post_id, day)\nSETTINGS index_granularity = 64");
  CHECK_THAT(summing[0], Catch::EndsWith("SETTINGS index_granularity = 64, replicated_deduplication_window = 0"));
  const auto summing_bare = rewrite("CREATE TABLE IF NOT EXISTS user_author_counts (user_id UInt64) ENGINE = SummingMergeTree\nORDER BY user_id");
  CHECK_THAT(summing_bare[0], Catch::EndsWith("ORDER BY user_id\nSETTINGS replicated_deduplication_window = 0"));
  REQUIRE(summing_bare.size() == 2);
  CHECK_THAT(summing_bare[1], Catch::EndsWith("ENGINE = Distributed(novafeed, nf, user_author_counts)"));  // no key

  const auto offsets = rewrite("CREATE TABLE IF NOT EXISTS ingest_offsets (topic String) ENGINE = ReplacingMergeTree(next_offset)\nORDER BY topic");
  REQUIRE(offsets.size() == 1);  // the same rows on every server: a T_all would count them once per shard
  CHECK_THAT(offsets[0], Catch::Contains("'/clickhouse/tables/all/nf/ingest_offsets', '{replica}', next_offset)"));

  const auto null_table = rewrite("CREATE TABLE IF NOT EXISTS event_keys_in (post_id UInt64) ENGINE = Null");
  REQUIRE(null_table.size() == 1);
  CHECK(trimmed(null_table[0]) == "CREATE TABLE IF NOT EXISTS event_keys_in ON CLUSTER novafeed (post_id UInt64) ENGINE = Null");
}

TEST_CASE("schema cluster: views, databases and ALTERs get ON CLUSTER, INSERTs run once, other DDL is refused") {
  CHECK(trimmed(rewrite("CREATE MATERIALIZED VIEW IF NOT EXISTS v TO nf.t AS\nSELECT 1 FROM nf.events")[0]) ==
        "CREATE MATERIALIZED VIEW IF NOT EXISTS v ON CLUSTER novafeed TO nf.t AS\nSELECT 1 FROM nf.events");
  CHECK(rewrite("CREATE DATABASE IF NOT EXISTS nf")[0] == "CREATE DATABASE IF NOT EXISTS nf ON CLUSTER novafeed");
  CHECK(rewrite("ALTER TABLE novafeed_schema_migrations ADD COLUMN x String")[0] ==
        "ALTER TABLE novafeed_schema_migrations ON CLUSTER novafeed ADD COLUMN x String");
  const std::string insert = "INSERT INTO user_seen\nSELECT user_id FROM events";
  CHECK(rewrite(insert) == std::vector<std::string>{insert});
  CHECK_FALSE(nf::schema::on_cluster("DROP TABLE events", kOneShard));
  CHECK_FALSE(nf::schema::on_cluster("CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x", kOneShard));  // no IF NOT EXISTS
}

TEST_CASE("schema cluster: every shipped migration runs on a cluster: no table left unreplicated, paths unique") {
  const auto statements = shipped_on_cluster(kOneShard);
  const std::regex create(R"(CREATE (TABLE|MATERIALIZED VIEW|DATABASE) IF NOT EXISTS (\w+)( ON CLUSTER novafeed)?)");
  const std::regex engine(R"(ENGINE = (\w+))");
  const std::regex path(R"('(/clickhouse/tables/[^']+)')");
  std::set<std::string> paths;
  std::set<std::string> distributed;
  int tables = 0;
  for (const auto& s : statements) {
    INFO(s);
    std::smatch m;
    if (!std::regex_search(s, m, create)) {
      CHECK_THAT(s, Catch::StartsWith("INSERT INTO") || Catch::Contains("\nINSERT INTO"));
      continue;
    }
    CHECK(m[3].matched);
    if (m[1] != "TABLE") continue;
    std::smatch e;
    REQUIRE(std::regex_search(s, e, engine));
    const std::string name = e[1];
    CHECK((name.rfind("Replicated", 0) == 0 || name == "Null" || name == "Distributed"));
    if (name == "Distributed") distributed.insert(m[2]);
    std::smatch p;
    if (std::regex_search(s, p, path)) {
      ++tables;
      CHECK(paths.insert(p[1]).second);
    }
  }
  CHECK(tables >= 17);
  CHECK(distributed.count("events_all") == 1);
  CHECK(distributed.count("posts_all") == 1);
  CHECK(distributed.count("ingest_offsets_all") == 0);
}

// docs/cluster.md shows the two-shard layout as this renderer writes it: the statements
// below appear there verbatim, so the documentation cannot drift from the code.
TEST_CASE("schema cluster: docs/cluster.md holds the two-shard DDL the renderer writes") {
  std::ifstream file(nf::test::source_dir() + "/docs/cluster.md");
  REQUIRE(file);
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const nf::schema::ClusterLayout two_shards{"novafeed_2shards", "novafeed", "shard2"};
  // NOVAFEED_WRITE_CLUSTER_DDL=FILE writes the statements there, to paste after a change.
  std::ofstream dump;
  if (const char* path = std::getenv("NOVAFEED_WRITE_CLUSTER_DDL")) dump.open(path);
  int shown = 0;
  for (const auto& s : shipped_on_cluster(two_shards)) {
    if (dump) dump << trimmed(s) << ";\n\n";
    const std::string statement = trimmed(s);
    if (statement.rfind("CREATE TABLE", 0) != 0) continue;
    INFO(statement);
    CHECK(doc.find(statement + ";") != std::string::npos);
    ++shown;
  }
  CHECK(shown >= 25);
}
