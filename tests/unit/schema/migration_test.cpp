#include <catch2/catch.hpp>

#include "core/error/error.hpp"
#include "core/schema/embedded.hpp"
#include "core/schema/migration.hpp"

using nf::schema::AppliedMigration;
using nf::schema::EmbeddedFile;
using nf::schema::MigrationState;
using nf::schema::Target;

TEST_CASE("schema: migration file names: NNNN_snake_name.sql") {
  const auto good = nf::schema::parse_file_name("0001_core_tables.sql");
  REQUIRE(good);
  CHECK(good->version == 1);
  CHECK(good->name == "core_tables");

  const auto long_version = nf::schema::parse_file_name("00042_v2.sql");
  REQUIRE(long_version);
  CHECK(long_version->version == 42);
  CHECK(long_version->name == "v2");

  for (const char* bad : {"001_short.sql", "0001_core_tables.SQL", "0001_core_tables.txt", "0001-core.sql",
                          "0001.sql", "0001_.sql", "0001_Core.sql", "0001_core-tables.sql", "0001__x.sql",
                          "0000_zero.sql", "abcd_x.sql", "99999999999_huge.sql", "_0001_x.sql", "0001_x_.sql"}) {
    INFO(bad);
    const auto parsed = nf::schema::parse_file_name(bad);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error(), Catch::Contains(bad) && Catch::Contains("NNNN_name.sql"));
  }
}

TEST_CASE("schema: load_migrations picks one target, orders by version and checks every file") {
  const std::vector<EmbeddedFile> files = {{"postgres/0010_later.sql", "b"},
                                           {"clickhouse/0001_events.sql", "c"},
                                           {"postgres/0002_earlier.sql", "a"}};
  const auto pg = nf::schema::load_migrations(Target::postgres, files);
  REQUIRE(pg.size() == 2);
  CHECK(pg[0].version == 2);
  CHECK(pg[0].name == "earlier");
  CHECK(pg[0].file == "postgres/0002_earlier.sql");
  CHECK(pg[0].sql == "a");
  CHECK(pg[1].version == 10);
  const auto ch = nf::schema::load_migrations(Target::clickhouse, files);
  REQUIRE(ch.size() == 1);
  CHECK(ch[0].target == Target::clickhouse);

  SECTION("a duplicate version is rejected, naming both files") {
    const std::vector<EmbeddedFile> dup = {{"postgres/0002_a.sql", ""}, {"postgres/0002_b.sql", ""}};
    try {
      nf::schema::load_migrations(Target::postgres, dup);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::check_failed);
      CHECK_THAT(e.what(), Catch::Contains("postgres/0002_a.sql") && Catch::Contains("postgres/0002_b.sql"));
    }
  }
  SECTION("the same version on the two targets is fine") {
    const std::vector<EmbeddedFile> both = {{"postgres/0001_a.sql", ""}, {"clickhouse/0001_a.sql", ""}};
    CHECK(nf::schema::load_migrations(Target::postgres, both).size() == 1);
  }
  SECTION("a badly named file is rejected even when another target is loaded") {
    const std::vector<EmbeddedFile> bad = {{"postgres/0001_a.sql", ""}, {"clickhouse/1_events.sql", ""}};
    CHECK_THROWS_WITH(nf::schema::load_migrations(Target::postgres, bad), Catch::Contains("clickhouse/1_events.sql"));
  }
  SECTION("a file outside postgres/ and clickhouse/ is rejected") {
    const std::vector<EmbeddedFile> stray = {{"mysql/0001_a.sql", ""}};
    CHECK_THROWS_WITH(nf::schema::load_migrations(Target::postgres, stray), Catch::Contains("mysql/0001_a.sql"));
    const std::vector<EmbeddedFile> nested = {{"postgres/old/0001_a.sql", ""}};
    CHECK_THROWS_AS(nf::schema::load_migrations(Target::postgres, nested), nf::Error);
  }
}

TEST_CASE("schema: the shipped migrations load, with versions 1..N on each side") {
  for (const Target target : {Target::postgres, Target::clickhouse}) {
    const auto migrations = nf::schema::load_migrations(target, nf::schema::embedded_files());
    REQUIRE_FALSE(migrations.empty());
    for (size_t i = 0; i < migrations.size(); ++i) CHECK(migrations[i].version == static_cast<int>(i + 1));
  }
}

TEST_CASE("schema: compare_with_applied: applied, pending, changed, unknown") {
  const std::vector<EmbeddedFile> files = {
      {"postgres/0001_a.sql", "one"}, {"postgres/0002_b.sql", "two"}, {"postgres/0003_c.sql", "three"}};
  const auto migrations = nf::schema::load_migrations(Target::postgres, files);
  const std::vector<AppliedMigration> applied = {{1, "a", migrations[0].checksum, "2024-01-01 00:00:00", "ttl"},
                                                 {2, "b", "0000", "2024-01-02 00:00:00", std::nullopt},
                                                 {7, "from_the_future", "77", "2024-01-03 00:00:00", "-ttl"}};
  const auto statuses = nf::schema::compare_with_applied(migrations, applied);
  REQUIRE(statuses.size() == 4);
  CHECK(statuses[0].state == MigrationState::applied);
  CHECK(statuses[0].applied_at == "2024-01-01 00:00:00");
  CHECK(statuses[0].engine_features == std::optional<std::string>("ttl"));  // carried over as recorded
  CHECK_FALSE(statuses[2].engine_features.has_value());
  CHECK(statuses[3].engine_features == std::optional<std::string>("-ttl"));
  CHECK(statuses[1].state == MigrationState::changed);
  CHECK(statuses[1].applied_checksum == "0000");
  CHECK(statuses[1].checksum == migrations[1].checksum);
  CHECK(statuses[2].state == MigrationState::pending);
  CHECK(statuses[2].applied_checksum.empty());
  CHECK(statuses[3].state == MigrationState::unknown);
  CHECK(statuses[3].version == 7);
  CHECK(statuses[3].file.empty());

  SECTION("a version recorded twice is applied only if every row agrees") {
    const auto agree = nf::schema::compare_with_applied(
        migrations, {{1, "a", migrations[0].checksum, "x", ""}, {1, "a", migrations[0].checksum, "y", ""}});
    CHECK(agree[0].state == MigrationState::applied);
    const auto disagree = nf::schema::compare_with_applied(
        migrations, {{1, "a", migrations[0].checksum, "x", ""}, {1, "a", "bad", "y", ""}});
    CHECK(disagree[0].state == MigrationState::changed);
    CHECK(disagree[0].applied_checksum == "bad");
  }

  SECTION("a changed migration is an error naming the file, both checksums and the way out") {
    try {
      nf::schema::fail_if_changed("postgres", statuses);
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::check_failed);
      CHECK_THAT(e.what(), Catch::Contains("schema/postgres/0002_b.sql") && Catch::Contains("0000") &&
                               Catch::Contains(migrations[1].checksum) && Catch::Contains("new migration"));
    }
  }
  SECTION("nothing changed, no error") {
    CHECK_NOTHROW(nf::schema::fail_if_changed("postgres", {statuses[0], statuses[2], statuses[3]}));
  }
}

TEST_CASE("schema: targets") {
  CHECK(nf::schema::parse_targets("all") == std::vector<Target>{Target::postgres, Target::clickhouse});
  CHECK(nf::schema::parse_targets("clickhouse") == std::vector<Target>{Target::clickhouse});
  CHECK_THROWS_AS(nf::schema::parse_targets("mysql"), nf::Error);
}
