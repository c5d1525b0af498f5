// A TRUNCATE in PostgreSQL reaches ClickHouse (issue 13, item 4; core/ingest/truncate.hpp).
//
// 1. The tombstone statement on a scratch ClickHouse database: what it deletes, what it
//    keeps (a later version, a key already deleted), what posts_by_author receives, and
//    that running it again adds no row.
// 2. The ordering a truncate without a key allows, through the real binary on scratch
//    topics: a change older than the truncate consumed after it, in the same batch, in a
//    later run, and after another process wrote a newer mark.
// 3. End to end on the real stack: the real connector (skipped.operations=none) carries a
//    TRUNCATE of the stack's own `likes` (and, in the second case, `posts … CASCADE`) to
//    Kafka, `novafeed ingest cdc` applies it, and `novafeed verify --table …` exits 0; a row
//    written after the truncate is kept, and re-consuming the truncate from an earlier
//    offset changes nothing.
//
// The stack is shared, and a TRUNCATE always empties the whole table, so the end-to-end
// cases destroy nothing: one transaction saves the table's other rows, truncates, and
// writes them back, so no other session ever sees the table empty (TRUNCATE is
// transactional in PostgreSQL), and CDC carries the truncate and then those rows again
// with later LSNs. What goes are the rows this test planted, and in ClickHouse whatever
// it held that PostgreSQL no longer has (drift), which is the point. ClickHouse rows that
// another test wrote there directly with a made-up _version (feed_test, feed_compare_test:
// no PostgreSQL row behind them) are deleted by a truncate of their table too: ctest runs
// the integration tests one at a time (RUN_SERIAL), so no such test is running then.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <map>
#include <thread>

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/clickhouse/client.hpp"
#include "core/ingest/truncate.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"
#include "core/pg/connection.hpp"
#include "core/redis/client.hpp"
#include "core/redis/keys.hpp"
#include "tests/support/consumer_group.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/kafka_topics.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/scratch_clickhouse.hpp"
#include "tests/support/stack.hpp"

namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using nf::test::eventually;

uint64_t u64(const nf::ch::Client& ch, const std::string& sql, const std::string& column = "n") {
  return nf::ch::as_u64(ch.query(sql).at(0).at(column));
}

// --------------------------------------------------------------- scratch ClickHouse

// Rows of `posts` as JSONEachRow: {id, author, version, deleted, deleted_at (null or s)}.
void insert_post(const nf::ch::Client& ch, uint64_t id, uint64_t author, uint64_t version, int deleted,
                 const std::string& deleted_at = "NULL") {
  ch.execute("INSERT INTO posts (id, author_id, caption, created_at, updated_at, deleted_at, _version, _deleted) "
             "VALUES (" + std::to_string(id) + ", " + std::to_string(author) + ", 'truncate test', toDateTime(1795426188), "
             "toDateTime(1795426188), " + (deleted_at == "NULL" ? "NULL" : "toDateTime(" + deleted_at + ")") + ", " +
             std::to_string(version) + ", " + std::to_string(deleted) + ")");
}

// The latest row of a post: {version, deleted, deleted_at is null}; version 0 when absent.
struct Latest {
  uint64_t version = 0;
  int deleted = 0;
  bool deleted_at_null = true;
};
Latest latest_post(const nf::ch::Client& ch, const std::string& table, uint64_t id) {
  const auto rows = ch.query("SELECT _version, _deleted, " +
                             std::string(table == "posts" ? "isNull(deleted_at)" : "1") + " AS no_deleted_at FROM " +
                             table + " FINAL WHERE id = " + std::to_string(id));
  if (rows.empty()) return {};
  return {nf::ch::as_u64(rows[0]["_version"]), static_cast<int>(nf::ch::as_u64(rows[0]["_deleted"])),
          nf::ch::as_u64(rows[0]["no_deleted_at"]) == 1};
}

}  // namespace

TEST_CASE("truncate: the tombstones delete every present row older than the truncate, once, and reach posts_by_author",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  nf::test::ScratchClickHouse scratch("nf_truncate_test");
  const auto ch = scratch.client();
  const auto* posts = nf::ingest::find_cdc_table("posts");
  const auto* likes = nf::ingest::find_cdc_table("likes");
  REQUIRE(posts != nullptr);
  REQUIRE(likes != nullptr);
  const uint64_t lsn = 2000;

  insert_post(ch, 1, 10, 1000, 0);                 // live, older: deleted
  insert_post(ch, 2, 10, 1000, 0);                 // live, then changed after the truncate: kept
  insert_post(ch, 2, 10, 3000, 0);
  insert_post(ch, 3, 11, 1000, 1, "1795426188");   // soft-deleted: a hard delete now
  insert_post(ch, 4, 11, 500, 1);                  // hard-deleted already: untouched
  insert_post(ch, 5, 12, 1000, 0);                 // two versions, both older: deleted
  insert_post(ch, 5, 12, 1500, 0);
  ch.execute("INSERT INTO likes (user_id, post_id, created_at, updated_at, _version, _deleted) VALUES "
             "(1, 1, now(), now(), 1000, 0), (1, 2, now(), now(), 3000, 0), (2, 1, now(), now(), 1999, 0)");

  nf::ingest::apply_truncate(ch, *posts, lsn);
  nf::ingest::apply_truncate(ch, *likes, lsn);

  CHECK(latest_post(ch, "posts", 1).version == lsn);
  CHECK(latest_post(ch, "posts", 1).deleted == 1);
  CHECK(latest_post(ch, "posts", 2).version == 3000);
  CHECK(latest_post(ch, "posts", 2).deleted == 0);
  CHECK(latest_post(ch, "posts", 3).version == lsn);
  CHECK(latest_post(ch, "posts", 3).deleted == 1);
  CHECK(latest_post(ch, "posts", 3).deleted_at_null);  // absent for verify, not soft-deleted
  CHECK(latest_post(ch, "posts", 4).version == 500);
  CHECK(latest_post(ch, "posts", 5).version == lsn);
  CHECK(latest_post(ch, "posts", 5).deleted == 1);
  CHECK(u64(ch, "SELECT count() AS n FROM posts FINAL WHERE _deleted = 0") == 1);
  // The feed reads posts by author from posts_by_author: fed by the tombstones like by a DELETE.
  CHECK(u64(ch, "SELECT count() AS n FROM posts_by_author FINAL WHERE _deleted = 0") == 1);
  CHECK(u64(ch, "SELECT count() AS n FROM posts_by_author FINAL WHERE _deleted = 1 AND _version = " +
                    std::to_string(lsn)) == 3);
  CHECK(u64(ch, "SELECT count() AS n FROM likes FINAL WHERE _deleted = 0") == 1);
  CHECK(u64(ch, "SELECT count() AS n FROM likes FINAL WHERE _deleted = 0 AND user_id = 1 AND post_id = 2") == 1);
  CHECK(nf::ingest::read_truncate_marks(ch) == nf::ingest::TruncateMarks{{"likes", lsn}, {"posts", lsn}});

  SECTION("applied again (a replay), it writes no row") {
    const uint64_t rows = u64(ch, "SELECT count() AS n FROM posts");
    const uint64_t by_author = u64(ch, "SELECT count() AS n FROM posts_by_author");
    nf::ingest::apply_truncate(ch, *posts, lsn);
    CHECK(u64(ch, "SELECT count() AS n FROM posts") == rows);
    CHECK(u64(ch, "SELECT count() AS n FROM posts_by_author") == by_author);
  }
  SECTION("a change older than the truncate, written after it, is deleted by the tombstones run again") {
    insert_post(ch, 6, 13, 1900, 0);  // consumed late, from another partition
    ch.execute(nf::ingest::tombstone_rows_sql(*posts, lsn));
    CHECK(latest_post(ch, "posts", 6).version == lsn);
    CHECK(latest_post(ch, "posts", 6).deleted == 1);
    CHECK(latest_post(ch, "posts", 2).version == 3000);
  }
  SECTION("an older truncate applied after a newer one changes nothing") {
    const uint64_t rows = u64(ch, "SELECT count() AS n FROM posts");
    nf::ingest::apply_truncate(ch, *posts, 1200);
    CHECK(u64(ch, "SELECT count() AS n FROM posts") == rows);
    CHECK(nf::ingest::read_truncate_marks(ch).at("posts") == lsn);
  }
}

// ------------------------------------------------- a truncate and late changes

namespace {

// A Debezium change of `likes` as the stack's connector writes it (likes_truncate.json is
// the captured truncate): op c with (user, post), or op t, at `lsn`.
std::string likes_change(char op, uint64_t lsn, uint64_t user = 0, uint64_t post = 0) {
  Json value = {{"before", nullptr},
                {"after", nullptr},
                {"source", {{"version", "3.3.1.Final"}, {"connector", "postgresql"}, {"name", "nova"},
                            {"ts_ms", 1796378955169}, {"snapshot", "false"}, {"db", "novafeed"},
                            {"schema", "public"}, {"table", "likes"}, {"txId", 1511}, {"lsn", lsn}}},
                {"op", std::string(1, op)},
                {"ts_ms", 1796378955237}};
  if (op != 't')
    value["after"] = {{"user_id", user}, {"post_id", post}, {"created_at", "2026-11-23T09:29:48Z"},
                      {"updated_at", "2026-11-23T09:29:48Z"}};
  return value.dump();
}

}  // namespace

TEST_CASE("truncate: changes older than a truncate that arrive after it are not kept, by this process or another",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string prefix = "truncate-test-" + std::to_string(ms);
  nf::test::ScratchTopics topics({prefix + ".likes", prefix + ".dlq"}, 1);
  nf::test::ScratchClickHouse scratch("nf_truncate_order_test");
  const auto ch = scratch.client();
  auto env = nf::test::stack_env();
  env["NOVAFEED_CLICKHOUSE_DATABASE"] = scratch.database();
  const std::vector<std::string> ingest = {"--log-level", "info", "--set", "ingest.group=" + prefix, "--set",
                                           "cdc.tables=likes", "--set", "cdc.topic_format=" + prefix + ".{table}",
                                           "--set", "ingest.cdc_dlq_topic=" + prefix + ".dlq", "--set",
                                           "ingest.batch_ms=200", "ingest", "cdc"};
  const auto like_live = [&](uint64_t post) {
    return u64(ch, "SELECT count() AS n FROM (SELECT * FROM likes FINAL WHERE user_id = 1 AND post_id = " +
                       std::to_string(post) + ") WHERE _deleted = 0");
  };
  const std::string topic = prefix + ".likes";

  // Two likes, the truncate, and in the same batch a change older than the truncate
  // (from another partition, say): all deleted; a change after it: kept.
  nf::test::produce_acknowledged(topic, "{}", likes_change('c', 100, 1, 1));
  nf::test::produce_acknowledged(topic, "{}", likes_change('c', 110, 1, 2));
  nf::test::produce_acknowledged(topic, "", likes_change('t', 200));
  nf::test::produce_acknowledged(topic, "{}", likes_change('c', 150, 1, 3));
  nf::test::produce_acknowledged(topic, "{}", likes_change('c', 250, 1, 4));
  auto first = ingest;
  first.insert(first.end(), {"--idle-exit", "3s"});
  const auto run1 = nf::test::run_novafeed(first, env);
  INFO(run1.err);
  REQUIRE(run1.exit_code == 0);
  CHECK(like_live(1) == 0);
  CHECK(like_live(2) == 0);
  CHECK(like_live(3) == 0);
  CHECK(like_live(4) == 1);
  CHECK(nf::ingest::read_truncate_marks(ch) == nf::ingest::TruncateMarks{{"likes", 200}});

  // In a later run: an older change is dropped on arrival (the mark is read at startup).
  nf::test::produce_acknowledged(topic, "{}", likes_change('c', 160, 1, 5));
  const auto run2 = nf::test::run_novafeed(first, env);
  INFO(run2.err);
  REQUIRE(run2.exit_code == 0);
  CHECK(u64(ch, "SELECT count() AS n FROM likes WHERE user_id = 1 AND post_id = 5") == 0);

  // Another process applies a truncate at 300 while this one runs (its mark is newer than
  // what this one read at startup): a change at 280 that this one inserts is deleted
  // right after, when it reads the marks again.
  nf::test::BackgroundNovafeed running(ingest, env);
  REQUIRE(running.wait_for_stderr("ingest: assigned " + topic, 60s));
  nf::ingest::apply_truncate(ch, *nf::ingest::find_cdc_table("likes"), 300);
  nf::test::produce_acknowledged(topic, "{}", likes_change('c', 280, 1, 6));
  nf::test::produce_acknowledged(topic, "{}", likes_change('c', 310, 1, 7));
  CHECK(eventually(30s, [&] { return like_live(7) == 1; }));
  CHECK(like_live(6) == 0);
  CHECK(like_live(4) == 0);  // 250 < 300: deleted by the other process's truncate
  REQUIRE(running.stop(SIGTERM, 30s) == 0);
  CHECK_THAT(running.stderr_text(), Catch::Contains("rows of likes older than its TRUNCATE (LSN 300) arrived after it"));
}

// ---------------------------------------------------------------- end to end

namespace {

const std::vector<std::string> kCdcTopics = {"cdc.users", "cdc.posts", "cdc.follows", "cdc.likes", "cdc.comments"};
std::unique_ptr<pqxx::connection> postgres() { return nf::pg::connect(nf::pg::settings_from(nf::test::stack_config())); }

void exec_pg(const std::string& sql) {
  auto conn = postgres();
  pqxx::work tx(*conn);
  tx.exec(sql);
  tx.commit();
}

// The current WAL position as Debezium writes source.lsn (a number).
uint64_t current_lsn() {
  auto conn = postgres();
  pqxx::nontransaction tx(*conn);
  return tx.exec1("SELECT (pg_current_wal_lsn() - '0/0')::bigint")[0].as<uint64_t>();
}

std::string ids(std::initializer_list<uint64_t> values) {
  std::string out;
  for (const auto v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return out;
}

// What a test plants: two users, three posts by the first (the third written after the
// truncate), likes and a comment on them. Ids far above any identity sequence and unique
// to the run.
struct Planted {
  uint64_t base = 0;
  uint64_t author() const { return base + 1; }
  uint64_t reader() const { return base + 2; }
  uint64_t post(int n) const { return base + static_cast<uint64_t>(n); }
  uint64_t comment() const { return base + 1; }
};

Planted plant() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  Planted p{8'300'000'000'000ULL + static_cast<uint64_t>(ms % 1'000'000'000) * 10};
  const std::string b = std::to_string(p.base);
  exec_pg("INSERT INTO users (id, username) VALUES (" + std::to_string(p.author()) + ", 'truncate-a-" + b + "'), (" +
          std::to_string(p.reader()) + ", 'truncate-r-" + b + "')");
  exec_pg("INSERT INTO posts (id, author_id, caption) VALUES (" + std::to_string(p.post(1)) + ", " +
          std::to_string(p.author()) + ", 'truncated'), (" + std::to_string(p.post(2)) + ", " +
          std::to_string(p.author()) + ", 'truncated')");
  exec_pg("INSERT INTO likes (user_id, post_id) VALUES (" + std::to_string(p.reader()) + ", " + std::to_string(p.post(1)) +
          "), (" + std::to_string(p.author()) + ", " + std::to_string(p.post(2)) + ")");
  exec_pg("INSERT INTO comments (id, post_id, user_id, body) VALUES (" + std::to_string(p.comment()) + ", " +
          std::to_string(p.post(1)) + ", " + std::to_string(p.reader()) + ", 'truncated')");
  return p;
}

// Removes what plant() and the test wrote (the users' rows cascade).
void unplant(const Planted& p) {
  exec_pg("DELETE FROM users WHERE id IN (" + ids({p.author(), p.reader()}) + ")");
}

// TRUNCATE `statement` in one transaction that writes back every row of `tables` except
// the planted ones, so only those are gone when it commits. `keep` gives each table's
// condition for a row to keep. Retried while another session holds a lock on a table.
void truncate_keeping_others(const std::string& statement, const std::vector<std::pair<std::string, std::string>>& keep) {
  for (int attempt = 1;; ++attempt) {
    try {
      auto conn = postgres();
      pqxx::work tx(*conn);
      tx.exec("SET LOCAL lock_timeout = '10s'");
      for (const auto& [table, condition] : keep)
        tx.exec("CREATE TEMP TABLE saved_" + table + " ON COMMIT DROP AS SELECT * FROM " + table + " WHERE " + condition);
      tx.exec(statement);
      for (const auto& [table, condition] : keep) tx.exec("INSERT INTO " + table + " SELECT * FROM saved_" + table);
      tx.commit();
      return;
    } catch (const pqxx::sql_error& e) {
      INFO(e.what());
      REQUIRE(attempt < 6);
    }
  }
}

int verify(const std::string& table) {
  const auto run = nf::test::run_novafeed({"verify", "--table", table}, nf::test::stack_env());
  UNSCOPED_INFO("verify --table " << table << ": " << run.out << run.err);
  return run.exit_code;
}

// The state of `table` as of `lsn`: each key's latest version up to it and whether that
// one is a delete, as a count and a hash. Rows up to `lsn` never change (a replay only
// repeats them), so rows other tests write later do not move it.
std::string state_up_to(const nf::ch::Client& ch, const std::string& table, const std::string& key, uint64_t lsn) {
  const auto rows = ch.query("SELECT count() AS n, groupBitXor(cityHash64(" + key + ", v, d)) AS h FROM (SELECT " + key +
                             ", max(_version) AS v, argMax(_deleted, _version) AS d FROM " + table +
                             " WHERE _version <= " + std::to_string(lsn) + " GROUP BY " + key + ")");
  return rows.at(0)["n"].dump() + "/" + rows.at(0)["h"].dump();
}

struct TruncateCase {
  std::string truncated;                 // the table the statement names
  std::string statement;                 // TRUNCATE …
  std::vector<std::string> tables;       // every table it empties
  std::vector<std::pair<std::string, std::string>> keep;  // per table: the rows written back
};

// The whole end-to-end flow for one TRUNCATE statement (see the top of the file).
void run_truncate_case(const TruncateCase& c) {
  const auto env = nf::test::stack_env();
  REQUIRE(nf::test::run_novafeed({"schema", "apply"}, env).exit_code == 0);
  const auto connector = nf::test::run_novafeed({"connectors", "apply", "--wait", "--timeout", "120s"}, env);
  INFO(connector.out << connector.err);
  REQUIRE(connector.exit_code == 0);
  const auto ch = nf::test::stack_clickhouse();

  // An ingest of our own, from the current end of the CDC topics.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string group = "truncate-test-" + std::to_string(ms);
  nf::test::start_group_at(group, nf::test::end_offsets(kCdcTopics));
  const std::vector<std::string> ingest_args = {"--json", "--log-level", "info", "--set", "ingest.group=" + group,
                                                "--set", "ingest.batch_ms=300", "ingest", "cdc"};
  auto ingest = std::make_unique<nf::test::BackgroundNovafeed>(ingest_args, env);
  REQUIRE(ingest->wait_for_stderr("ingest: assigned ", 60s));

  const Planted p = plant();
  struct Unplant {
    Planted p;
    ~Unplant() {
      try {
        unplant(p);
      } catch (const std::exception& e) {
        WARN("truncate test: planted rows not removed: " << e.what());
      }
    }
  } cleanup{p};
  const std::string planted_posts = ids({p.post(1), p.post(2)});
  const std::string planted_likes = "(user_id, post_id) IN ((" + ids({p.reader(), p.post(1)}) + "), (" +
                                    ids({p.author(), p.post(2)}) + "))";
  const auto live = [&](const std::string& table, const std::string& condition) {
    return u64(ch, "SELECT count() AS n FROM (SELECT * FROM " + table + " FINAL WHERE " + condition +
                       ") WHERE _deleted = 0");
  };
  const bool planted_in_clickhouse = eventually(120s, [&] {
    return live("posts", "id IN (" + planted_posts + ")") == 2 && live("likes", planted_likes) == 2 &&
           live("comments", "id = " + std::to_string(p.comment())) == 1;
  });
  INFO("ingest stderr tail: " << ingest->stderr_text().substr(ingest->stderr_text().size() > 3000 ? ingest->stderr_text().size() - 3000 : 0));
  REQUIRE(planted_in_clickhouse);
  // The planted like by the author invalidates the author's feed twice: when ingested and
  // again ingest.reinvalidate_ms (3 s) later. The feed cached below must come after both.
  std::this_thread::sleep_for(std::chrono::milliseconds(nf::test::stack_config().get_int("ingest.reinvalidate_ms")) + 2s);
  // A cached feed of the author (whom nothing after this invalidates: the reader's own
  // like below would): a truncate of posts makes it wrong.
  {
    nf::redis::Connection redis(nf::redis::settings_from(nf::test::stack_config()));
    redis.command({"SET", nf::redis::feed_key(p.author()), "{}", "EX", "600"});
  }
  REQUIRE(nf::test::redis_get(nf::redis::feed_key(p.author())).has_value());

  const auto before_truncate = nf::test::end_offsets(kCdcTopics);
  truncate_keeping_others(c.statement, c.keep);
  // Written after the truncate: kept.
  exec_pg("INSERT INTO posts (id, author_id, caption) VALUES (" + std::to_string(p.post(3)) + ", " +
          std::to_string(p.author()) + ", 'after the truncate')");
  exec_pg("INSERT INTO likes (user_id, post_id) VALUES (" + ids({p.reader(), p.post(3)}) + ")");
  const uint64_t after_lsn = current_lsn();
  const std::string kept_like = "(user_id, post_id) = (" + ids({p.reader(), p.post(3)}) + ")";

  const auto truncated_gone = [&] {
    bool gone = true;
    for (const auto& table : c.tables) {
      if (table == "posts") gone = gone && live("posts", "id IN (" + planted_posts + ")") == 0;
      if (table == "likes") gone = gone && live("likes", planted_likes) == 0;
      if (table == "comments") gone = gone && live("comments", "id = " + std::to_string(p.comment())) == 0;
    }
    return gone && live("posts", "id = " + std::to_string(p.post(3))) == 1 && live("likes", kept_like) == 1;
  };
  const bool applied = eventually(120s, truncated_gone);
  INFO("ingest stderr tail: " << ingest->stderr_text().substr(ingest->stderr_text().size() > 3000 ? ingest->stderr_text().size() - 3000 : 0));
  REQUIRE(applied);
  // Other tests may be writing these tables meanwhile: verify is clean once their rows are in too.
  for (const auto& table : c.tables) {
    INFO("table " << table);
    CHECK(eventually(90s, [&] { return verify(table) == 0; }, 2s));
  }
  if (c.truncated == "posts") {
    // The feed's candidates come from posts_by_author: the truncated posts are gone there too.
    CHECK(live("posts_by_author", "author_id = " + std::to_string(p.author()) + " AND id IN (" + planted_posts + ")") == 0);
    CHECK(live("posts_by_author", "author_id = " + std::to_string(p.author()) + " AND id = " + std::to_string(p.post(3))) == 1);
    CHECK_FALSE(nf::test::redis_get(nf::redis::feed_key(p.author())).has_value());
  } else {
    // Nothing cached is computed from likes (the ranking reads the events): the feed stays.
    CHECK(nf::test::redis_get(nf::redis::feed_key(p.author())).has_value());
  }
  REQUIRE(ingest->stop(SIGTERM, 60s) == 0);
  CHECK_THAT(ingest->stderr_text(), Catch::Contains("applied a TRUNCATE of " + c.truncated));

  // A replay: a second group re-reads the CDC topics from just before the truncate.
  const std::map<std::string, std::string> keys = {{"posts", "id"}, {"likes", "user_id, post_id"}, {"comments", "id"}};
  std::map<std::string, std::string> before_replay;
  for (const auto& table : c.tables) before_replay[table] = state_up_to(ch, table, keys.at(table), after_lsn);
  const uint64_t marks_before = nf::ingest::read_truncate_marks(ch).at(c.truncated);
  nf::test::start_group_at(group + "-replay", before_truncate);
  const auto replay = nf::test::run_novafeed({"--json", "--log-level", "info", "--set", "ingest.group=" + group + "-replay",
                                              "ingest", "cdc", "--idle-exit", "5s"},
                                             env);
  INFO("replay: " << replay.out << replay.err.substr(replay.err.size() > 3000 ? replay.err.size() - 3000 : 0));
  REQUIRE(replay.exit_code == 0);
  CHECK_THAT(replay.err, Catch::Contains("applied a TRUNCATE of " + c.truncated));
  for (const auto& table : c.tables) {
    INFO("table " << table);
    CHECK(state_up_to(ch, table, keys.at(table), after_lsn) == before_replay[table]);
  }
  CHECK(nf::ingest::read_truncate_marks(ch).at(c.truncated) == marks_before);
  CHECK(live("likes", kept_like) == 1);
  for (const auto& table : c.tables) {
    INFO("table " << table);
    CHECK(eventually(90s, [&] { return verify(table) == 0; }, 2s));
  }
}

}  // namespace

TEST_CASE("truncate: TRUNCATE likes in PostgreSQL reaches ClickHouse through the real connector, verify is clean, "
          "a replay changes nothing",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  run_truncate_case({"likes", "TRUNCATE likes", {"likes"}, {{"likes", "user_id NOT IN (SELECT id FROM users WHERE username LIKE 'truncate-_-%')"}}});
}

TEST_CASE("truncate: TRUNCATE posts CASCADE reaches posts, likes, comments and posts_by_author, drops cached feeds, "
          "verify is clean, a replay changes nothing",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const std::string planted_users = "(SELECT id FROM users WHERE username LIKE 'truncate-_-%')";
  run_truncate_case({"posts",
                     "TRUNCATE posts CASCADE",
                     {"posts", "likes", "comments"},
                     {{"posts", "author_id NOT IN " + planted_users},
                      {"likes", "user_id NOT IN " + planted_users + " AND post_id NOT IN (SELECT id FROM posts WHERE author_id IN " + planted_users + ")"},
                      {"comments", "user_id NOT IN " + planted_users + " AND post_id NOT IN (SELECT id FROM posts WHERE author_id IN " + planted_users + ")"}}});
}
