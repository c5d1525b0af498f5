#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "core/error/error.hpp"
#include "core/schema/embedded.hpp"
#include "core/schema/migration.hpp"
#include "core/schema/render.hpp"
#include "core/schema/statements.hpp"
#include "tests/support/run.hpp"

namespace {

nf::config::Config config_with(const nf::config::EnvList& env) {
  nf::config::Sources sources;
  sources.env = env;
  return nf::config::load(sources);
}

const nf::config::Config& fixture_config() {
  static const auto config = config_with({{"NOVAFEED_CLICKHOUSE_DATABASE", "test_db"},
                                          {"NOVAFEED_CDC_PUBLICATION", "test_pub"},
                                          {"NOVAFEED_CDC_HEARTBEAT_TABLE", "test_heartbeat"}});
  return config;
}

std::string render_or_fail(std::string_view sql, const nf::schema::RenderOptions& options) {
  auto rendered = nf::schema::render_sql(sql, options);
  if (!rendered) FAIL("render failed: " << rendered.error());
  return *rendered;
}

// Rendered and split as `schema apply --dry-run` prints it: each statement with its ';',
// one blank line between.
std::string render_clickhouse(std::string_view sql, const std::string& version) {
  const auto options = nf::schema::clickhouse_render_options(fixture_config(), nf::ch::parse_version(version));
  const auto statements = nf::schema::split_statements(render_or_fail(sql, options));
  if (!statements) FAIL("split failed: " << statements.error());
  std::string out;
  for (const auto& s : *statements) out += (out.empty() ? "" : "\n") + s + ";\n";
  return out;
}

}  // namespace

TEST_CASE("schema: DDL renderings match their hand-worked expectations in tests/data/schema/render") {
  const std::filesystem::path dir = nf::test::source_dir() + "/tests/data/schema/render";
  const std::regex expected_name(R"((.+)\.(postgres|clickhouse-([0-9.]+))\.expected\.sql)");
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::smatch match;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, match, expected_name)) continue;
    ++cases;
    DYNAMIC_SECTION(file) {
      const std::string input = nf::test::read_data_file("schema/render/" + match[1].str() + ".sql");
      const std::string expected = nf::test::read_data_file("schema/render/" + file);
      if (match[2] == "postgres") {
        CHECK(render_or_fail(input, nf::schema::postgres_render_options(fixture_config())) == expected);
      } else {
        CHECK(render_clickhouse(input, match[3]) == expected);
      }
    }
  }
  CHECK(cases >= 3);
}

TEST_CASE("schema: {{ttl}} follows the server: TTL from 19.6 on, nothing before") {
  const std::string sql = "ORDER BY id\n{{ttl ts + INTERVAL 1 DAY}};";
  auto render_for = [&](const char* version) {
    return render_or_fail(sql, nf::schema::clickhouse_render_options(fixture_config(), nf::ch::parse_version(version)));
  };
  CHECK(render_for("18.16.1") == "ORDER BY id;");
  CHECK(render_for("19.5.4") == "ORDER BY id;");
  CHECK(render_for("19.6.1") == "ORDER BY id\nTTL ts + INTERVAL 1 DAY;");
  CHECK(render_for("24.8.4.13") == "ORDER BY id\nTTL ts + INTERVAL 1 DAY;");
  // Blanks after an empty rendering stay, so the next word is not glued on.
  CHECK(render_or_fail("ORDER BY id {{ttl ts}} SETTINGS x = 1",
                       nf::schema::clickhouse_render_options(fixture_config(), nf::ch::parse_version("18.16.1"))) ==
        "ORDER BY id SETTINGS x = 1");
}

TEST_CASE("schema: a rendering records the engine features it relied on or went without") {
  const std::string sql = "ORDER BY id\n{{ttl ts + INTERVAL 1 DAY}};\nSELECT {{database}};";
  auto use_for = [&](const char* version) {
    nf::schema::EngineUse use;
    const auto rendered = nf::schema::render_sql(
        sql, nf::schema::clickhouse_render_options(fixture_config(), nf::ch::parse_version(version)), &use);
    REQUIRE(rendered);
    return use;
  };
  const auto old_server = use_for("18.16.1");
  CHECK(old_server.relied_on.empty());
  CHECK(old_server.went_without == std::set<std::string>{"ttl"});
  CHECK(old_server.recorded() == "-ttl");
  const auto current = use_for("26.7.2.1");
  CHECK(current.relied_on == std::set<std::string>{"ttl"});
  CHECK(current.went_without.empty());
  CHECK(current.recorded() == "ttl");
  // No feature placeholder: nothing to record.
  nf::schema::EngineUse none;
  REQUIRE(nf::schema::render_sql("SELECT {{database}}", nf::schema::clickhouse_render_options(
                                                              fixture_config(), nf::ch::parse_version("26.7.2.1")),
                                 &none));
  CHECK(none.recorded().empty());
}

TEST_CASE("schema: placeholder errors name the placeholder and the line") {
  const auto pg = nf::schema::postgres_render_options(fixture_config());
  const auto ch = nf::schema::clickhouse_render_options(fixture_config(), nf::ch::parse_version("24.8.1"));

  const auto unknown = nf::schema::render_sql("SELECT 1;\nSELECT {{nope}};", pg);
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error(), Catch::Contains("{{nope}}") && Catch::Contains("line 2") && Catch::Contains("publication"));

  const auto ttl_in_pg = nf::schema::render_sql("CREATE TABLE t () {{ttl ts}}", pg);
  REQUIRE_FALSE(ttl_in_pg);
  CHECK_THAT(ttl_in_pg.error(), Catch::Contains("ClickHouse"));

  CHECK_FALSE(nf::schema::render_sql("SELECT {{database", ch));
  CHECK_FALSE(nf::schema::render_sql("ORDER BY id {{ttl}}", ch));
  CHECK_FALSE(nf::schema::render_sql("SELECT {{database x}}", ch));
  CHECK_FALSE(nf::schema::render_sql("SELECT {{publication}}", ch));  // a PostgreSQL name in a ClickHouse file
  CHECK(render_or_fail("no placeholders; {single} braces", pg) == "no placeholders; {single} braces");
}

TEST_CASE("schema: configured names must be plain identifiers, the cluster name too") {
  CHECK(nf::schema::is_plain_identifier("novafeed_cdc"));
  CHECK(nf::schema::is_plain_identifier("_x9"));
  CHECK_FALSE(nf::schema::is_plain_identifier(""));
  CHECK_FALSE(nf::schema::is_plain_identifier("9lives"));
  CHECK_FALSE(nf::schema::is_plain_identifier("pub; DROP TABLE users"));
  CHECK_FALSE(nf::schema::is_plain_identifier("nova-feed"));

  try {
    nf::schema::postgres_render_options(config_with({{"NOVAFEED_CDC_PUBLICATION", "a b"}}));
    FAIL("expected an error");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("cdc.publication") && Catch::Contains("env:NOVAFEED_CDC_PUBLICATION"));
  }
  CHECK_THROWS_AS(nf::schema::clickhouse_render_options(config_with({{"NOVAFEED_CLICKHOUSE_DATABASE", "x.y"}}),
                                                        nf::ch::parse_version("24.8.1")),
                  nf::Error);
  CHECK(nf::schema::clickhouse_render_options(config_with({{"NOVAFEED_CLICKHOUSE_CLUSTER", "main"}}),
                                              nf::ch::parse_version("18.16.1"))
            .cluster == "main");
  CHECK(nf::schema::clickhouse_render_options(fixture_config(), nf::ch::parse_version("18.16.1")).cluster.empty());
  try {
    nf::schema::clickhouse_render_options(config_with({{"NOVAFEED_CLICKHOUSE_CLUSTER", "main cluster"}}),
                                          nf::ch::parse_version("24.8.1"));
    FAIL("expected an error");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("clickhouse.cluster"));
  }
}

TEST_CASE("schema: shipped ClickHouse migrations render for 18.16 and for current servers, in SQL both accept") {
  const auto migrations = nf::schema::load_migrations(nf::schema::Target::clickhouse, nf::schema::embedded_files());
  REQUIRE_FALSE(migrations.empty());
  const std::regex old_style_engine(R"(MergeTree\s*\([^)]*,)");  // MergeTree(date, key, 8192)
  const std::regex bare_ttl(R"(\bTTL\b)");
  const std::regex line_comment("--[^\n]*");
  int ttl_tables = 0;
  for (const auto& m : migrations) {
    INFO(m.file);
    CHECK(m.sql.find("log1p") == std::string::npos);
    CHECK_FALSE(std::regex_search(m.sql, old_style_engine));
    for (const char* version : {"18.16.1", "24.8.4"}) {
      INFO(version);
      const auto options = nf::schema::clickhouse_render_options(fixture_config(), nf::ch::parse_version(version));
      const std::string rendered = render_or_fail(m.sql, options);
      CHECK(rendered.find("{{") == std::string::npos);
      const auto statements = nf::schema::split_statements(rendered);
      REQUIRE(statements);
      for (const auto& s : *statements) {
        INFO(s);
        // Interrupted ClickHouse migrations are re-run, so every CREATE must be idempotent.
        if (s.find("CREATE ") != std::string::npos) CHECK(s.find(" IF NOT EXISTS ") != std::string::npos);
        const bool has_ttl = std::regex_search(std::regex_replace(s, line_comment, ""), bare_ttl);
        if (std::string(version) == "18.16.1") CHECK_FALSE(has_ttl);
        if (std::string(version) == "24.8.4" && has_ttl) ++ttl_tables;
      }
    }
  }
  // events, post_metrics_1h, user_author_90d, user_seen, post_metrics_1d, event_keys, post_counts,
  // user_author_counts
  CHECK(ttl_tables == 8);
}

TEST_CASE("schema: shipped PostgreSQL migrations render with the configured names") {
  const auto migrations = nf::schema::load_migrations(nf::schema::Target::postgres, nf::schema::embedded_files());
  std::string all;
  for (const auto& m : migrations) all += render_or_fail(m.sql, nf::schema::postgres_render_options(fixture_config()));
  CHECK(all.find("{{") == std::string::npos);
  CHECK_THAT(all, Catch::Contains("CREATE PUBLICATION test_pub FOR TABLE users, posts, follows, likes, comments, test_heartbeat"));
  CHECK_THAT(all, Catch::Contains("CREATE TABLE IF NOT EXISTS test_heartbeat"));
}
