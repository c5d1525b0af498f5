// `novafeed seed` against the real stack: PostgreSQL rows land with exactly the counts the
// summary states, the events topic gets exactly the events asked for, and the same seed
// gives the same PostgreSQL content again.
//
// This test empties the OLTP tables (--truncate), as serve_test does to seed its own data,
// and with them ClickHouse's data tables and novafeed's Redis keys.

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"
#include "core/kafka/settings.hpp"
#include "core/pg/connection.hpp"
#include "core/redis/client.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

// A fixed window end, so both runs generate the same timestamps.
const std::string kNow = "2026-11-20T12:00:00Z";

// Sum of the high watermarks of every partition of `topic`.
int64_t high_watermarks(const std::string& topic) {
  const auto settings = nf::kafka::settings_from(nf::test::stack_config());
  const auto metadata = nf::kafka::fetch_metadata(settings);
  const auto* info = metadata.find_topic(topic);
  REQUIRE(info != nullptr);
  nf::kafka::Handle client(RD_KAFKA_PRODUCER, nf::kafka::make_conf(settings));
  int64_t sum = 0;
  for (const auto& partition : info->partitions) {
    int64_t low = 0, high = 0;
    const auto err = rd_kafka_query_watermark_offsets(client.get(), topic.c_str(), partition.id, &low, &high, 10000);
    INFO("partition " << partition.id << ": " << rd_kafka_err2str(err));
    REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
    sum += high;
  }
  return sum;
}

std::unique_ptr<pqxx::connection> connect() {
  return nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
}

int64_t count(pqxx::connection& c, const std::string& table) {
  pqxx::nontransaction tx(c);
  return tx.exec1("SELECT count(*) FROM " + table)[0].as<int64_t>();
}

// md5 over every generated column of every row, in key order (updated_at is the load
// time, not generated, so it is left out).
std::string content_md5(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  const char* sql = R"(SELECT md5(
      (SELECT string_agg(concat_ws(',', id, username, display_name, extract(epoch FROM created_at)), E'\n' ORDER BY id) FROM users) ||
      (SELECT string_agg(concat_ws(',', follower_id, followee_id, extract(epoch FROM created_at)), E'\n' ORDER BY follower_id, followee_id) FROM follows) ||
      (SELECT string_agg(concat_ws(',', id, author_id, caption, extract(epoch FROM created_at), deleted_at), E'\n' ORDER BY id) FROM posts) ||
      (SELECT string_agg(concat_ws(',', user_id, post_id, extract(epoch FROM created_at)), E'\n' ORDER BY user_id, post_id) FROM likes) ||
      (SELECT string_agg(concat_ws(',', id, post_id, user_id, body, extract(epoch FROM created_at), deleted_at), E'\n' ORDER BY id) FROM comments)))";
  return tx.exec1(sql)[0].as<std::string>();
}

nf::test::RunResult seed(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--json", "seed", "--scale", "small", "--now", kNow};
  args.insert(args.end(), extra.begin(), extra.end());
  return nf::test::run_novafeed(args, nf::test::stack_env());
}

}  // namespace

TEST_CASE("seed loads exact row counts and events, and the same seed gives the same content") {
  if (!nf::test::require_stack()) return;
  const auto apply = nf::test::run_novafeed({"schema", "apply", "--target", "postgres"}, nf::test::stack_env());
  INFO(apply.out << apply.err);
  REQUIRE(apply.exit_code == 0);

  // --scale small: 200 users x 10 follows, 300 posts, 10 likes and 2 comments per post.
  const std::map<std::string, int64_t> expected = {
      {"users", 200}, {"follows", 2000}, {"posts", 300}, {"likes", 3000}, {"comments", 600}};
  constexpr int64_t kEvents = 2000;

  // Fill the tables first, whatever earlier tests left, so that the seed below really empties
  // them (an empty table set is seeded without a TRUNCATE and without the announcement).
  const auto filler = seed({"--seed", "6", "--truncate", "--events", "0"});
  INFO(filler.out << filler.err);
  REQUIRE(filler.exit_code == 0);

  const int64_t before = high_watermarks("events");
  const auto first = seed({"--seed", "5", "--truncate"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.err, Catch::Contains("TRUNCATE"));  // announced on stderr
  const auto summary = nlohmann::json::parse(first.out);
  CHECK(summary["seed"] == 5);
  CHECK(summary["truncated"] == true);
  REQUIRE(summary["postgres"]["tables"].size() == expected.size());

  auto connection = connect();
  for (const auto& table : summary["postgres"]["tables"]) {
    const std::string name = table["table"];
    INFO(name);
    CHECK(table["rows"].get<int64_t>() == expected.at(name));  // the summary says what was asked
    CHECK(count(*connection, name) == expected.at(name));      // and PostgreSQL holds exactly that
  }
  CHECK(summary["events"]["topic"] == "events");
  CHECK(summary["events"]["delivered"] == kEvents);
  CHECK(summary["events"]["failed"] == 0);
  CHECK(high_watermarks("events") - before == kEvents);

  // The identity sequences were moved past the seeded ids.
  {
    pqxx::nontransaction tx(*connection);
    CHECK(tx.exec1("SELECT nextval(pg_get_serial_sequence('users', 'id'))")[0].as<int64_t>() == 201);
    CHECK(tx.exec1("SELECT nextval(pg_get_serial_sequence('posts', 'id'))")[0].as<int64_t>() == 301);
    CHECK(tx.exec1("SELECT nextval(pg_get_serial_sequence('comments', 'id'))")[0].as<int64_t>() == 601);
  }
  const std::string first_md5 = content_md5(*connection);

  SECTION("without --truncate, seeding into filled tables is refused before anything is written") {
    const auto refused = seed({"--seed", "5", "--events", "0"});
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::Contains("--truncate"));
    CHECK(content_md5(*connection) == first_md5);
  }

  SECTION("the same seed gives identical PostgreSQL content; another seed different content") {
    const auto again = seed({"--seed", "5", "--truncate", "--events", "0"});
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(content_md5(*connection) == first_md5);

    const auto other = seed({"--seed", "6", "--truncate", "--events", "0"});
    REQUIRE(other.exit_code == 0);
    CHECK(content_md5(*connection) != first_md5);
    for (const auto& [table, rows] : expected) CHECK(count(*connection, table) == rows);
  }
}

TEST_CASE("seed --truncate replaces the world: no ClickHouse row and no cached key of earlier data is left") {
  if (!nf::test::require_stack()) return;
  const auto config = nf::test::stack_config();
  for (const auto* target : {"postgres", "clickhouse"}) {
    const auto apply = nf::test::run_novafeed({"schema", "apply", "--target", target}, nf::test::stack_env());
    INFO(apply.out << apply.err);
    REQUIRE(apply.exit_code == 0);
  }
  const nf::ch::Client clickhouse(nf::ch::settings_from(config));
  // A ghost of an earlier world: a post and an event PostgreSQL does not have (what earlier
  // tests and seeds leave behind), a cached feed and a hot list.
  clickhouse.execute("INSERT INTO posts (id, author_id, caption, created_at, updated_at, _version, _deleted) "
                     "VALUES (987654321, 1, 'ghost', now(), now(), 1, 0)");
  clickhouse.execute("INSERT INTO events (event_id, user_id, post_id, author_id, action, ts, dwell_ms) "
                     "VALUES ('ghost-1', 1, 987654321, 1, 'like', now(), 0)");
  nf::redis::Connection redis(nf::redis::settings_from(config));
  redis.command({"SET", "feed:v1:987654321", "{}"});
  redis.command({"SET", "hot:posts:24h", "{}"});
  redis.command({"SET", "unrelated:key:of:someone:else", "kept"});
  const auto offsets_before = clickhouse.query("SELECT count() AS n FROM ingest_offsets").at(0)["n"].dump();

  const auto seeded = seed({"--seed", "5", "--truncate", "--events", "0"});
  INFO(seeded.out << seeded.err);
  REQUIRE(seeded.exit_code == 0);
  CHECK_THAT(seeded.err, Catch::Contains("TRUNCATE"));
  const auto summary = nlohmann::json::parse(seeded.out);
  CHECK(summary["redis_keys_deleted"].get<int64_t>() >= 2);

  // Every table of the database that holds rows, found by the server rather than by the
  // list seed uses, so a table added later cannot be forgotten.
  const auto tables = clickhouse.query(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' "
      "AND name NOT IN ('ingest_offsets', 'novafeed_schema_migrations')");
  REQUIRE(tables.size() >= 8);
  for (const auto& row : tables) {
    const std::string name = row["name"];
    INFO("ClickHouse table " << name);
    CHECK(std::find(summary["clickhouse_truncated"].begin(), summary["clickhouse_truncated"].end(), name) !=
          summary["clickhouse_truncated"].end());
    CHECK(clickhouse.query("SELECT count() AS n FROM " + name).at(0)["n"].dump() == "\"0\"");
  }
  CHECK(clickhouse.query("SELECT count() AS n FROM ingest_offsets").at(0)["n"].dump() == offsets_before);
  CHECK(redis.command({"EXISTS", "feed:v1:987654321"})->integer == 0);
  CHECK(redis.command({"EXISTS", "hot:posts:24h"})->integer == 0);
  CHECK(redis.command({"EXISTS", "unrelated:key:of:someone:else"})->integer == 1);
  redis.command({"DEL", "unrelated:key:of:someone:else"});
}
