// core/retention against the real ClickHouse of each engine, in a scratch database with the
// schema applied by schema::apply. Tables without TTL (all of them on 18.16; on the current
// engine, tables made in the 18.16 form before `schema apply`, as after an upgrade) get
// their expired partitions dropped, the straddling and recent ones kept, and the counts
// the ranking reads are the same before and after; tables with TTL are left to it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/clickhouse/client.hpp"
#include "core/clickhouse/engine.hpp"
#include "core/config/config.hpp"
#include "core/ingest/event_counts.hpp"
#include "core/retention/retention.hpp"
#include "core/schema/migration.hpp"
#include "core/schema/render.hpp"
#include "core/schema/schema.hpp"
#include "core/schema/statements.hpp"
#include "tests/support/scratch_clickhouse.hpp"
#include "tests/support/stack.hpp"

using nf::retention::RetentionMethod;

namespace {

constexpr const char* kDatabase = "nf_retention_test";
constexpr uint64_t kBase = 9'200'000'000;  // a private id range
constexpr uint64_t kUser = kBase + 1, kAuthor = kBase + 2, kOldPost = kBase + 10, kRecentPost = kBase + 11;
constexpr int64_t kDay = 86400;

// How the scratch database's retained tables come to be.
enum class Made {
  by_schema_apply,      // all by schema apply (TTL where the server has it)
  events_without_ttl,   // `events` first in the 18.16 form, the rest by schema apply
  all_without_ttl,      // the retained tables and views first in the 18.16 form, as a database
                        // made on 18.16 and kept through an upgrade
};

// The statements of the ClickHouse migrations that make retained tables (0002 events,
// 0004 user_seen, 0005's post_metrics_1d, 0006's counters) rendered for Debian's 18.16:
// no TTL clauses.
std::vector<std::string> retained_schema_without_ttl() {
  std::vector<std::string> out;
  for (const auto& migration :
       nf::schema::load_migrations(nf::schema::Target::clickhouse, nf::schema::embedded_files())) {
    if (migration.name != "events" && migration.name != "user_seen" && migration.name != "ranking_reads" &&
        migration.name != "event_counts")
      continue;
    nf::schema::RenderOptions options;
    options.variables["database"] = kDatabase;
    options.clickhouse = nf::ch::parse_version("18.16.1");
    const auto sql = nf::schema::render_sql(migration.sql, options);
    REQUIRE(sql.has_value());
    const auto statements = nf::schema::split_statements(*sql);
    REQUIRE(statements.has_value());
    for (const auto& statement : *statements)  // 0005's posts_by_author is not retained (and needs posts)
      if (migration.name != "ranking_reads" || statement.find("post_metrics_1d") != std::string::npos)
        out.push_back(statement);
  }
  REQUIRE(out.size() >= 10);
  return out;
}

// The retained tables the way 18.16 made them: all of them, or `events` alone.
void make_without_ttl(const nf::ch::Client& ch, Made made) {
  for (const auto& statement : retained_schema_without_ttl()) {
    const bool events_table = statement.find("CREATE TABLE IF NOT EXISTS events ") != std::string::npos;
    if (made == Made::all_without_ttl || events_table) ch.execute(statement);
  }
}

// The scratch database; dropped before and after.
struct ScratchDatabase : nf::test::ScratchClickHouse {
  explicit ScratchDatabase(Made made)
      : ScratchClickHouse(kDatabase, made == Made::by_schema_apply ? std::function<void(const nf::ch::Client&)>()
                                                                    : [made](const nf::ch::Client& ch) {
                                                                        make_without_ttl(ch, made);
                                                                      }) {}
};

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string at(int64_t seconds) { return "toDateTime(" + std::to_string(seconds) + ")"; }

struct Event {
  int64_t ts;
  uint64_t post;
  std::string action;
};

void insert_events(const nf::ch::Client& ch, const std::vector<Event>& events) {
  std::string values;
  int n = 0;
  for (const auto& e : events) {
    values += std::string(values.empty() ? "" : ", ") + "(" + nf::ch::quote("rt-" + std::to_string(++n)) + ", " +
              std::to_string(kUser) + ", " + std::to_string(e.post) + ", " + std::to_string(kAuthor) + ", " +
              nf::ch::quote(e.action) + ", " + at(e.ts) + ", 0)";
  }
  ch.execute("INSERT INTO events (event_id, user_id, post_id, author_id, action, ts, dwell_ms) VALUES " + values);
  ch.execute(nf::ingest::count_stored_events_sql("1"));  // counted as the ingest counts them (schema 0006)
}

// One value the server computes (its time zone decides dates and partition ids).
std::string server_text(const nf::ch::Client& ch, const std::string& expression) {
  const auto rows = ch.query("SELECT toString(" + expression + ") AS v");
  REQUIRE(rows.size() == 1);
  return rows[0]["v"].get<std::string>();
}
int64_t server_int(const nf::ch::Client& ch, const std::string& expression) {
  return std::stoll(server_text(ch, expression));
}

std::vector<std::string> partition_ids(const nf::ch::Client& ch, const std::string& table) {
  std::vector<std::string> ids;
  for (const auto& row : ch.query("SELECT DISTINCT _partition_id AS id FROM " + table + " ORDER BY id"))
    ids.push_back(row["id"].get<std::string>());
  return ids;
}

std::vector<std::string> ids_of(const std::vector<nf::retention::Partition>& partitions) {
  std::vector<std::string> ids;
  for (const auto& p : partitions) ids.push_back(p.id);
  return ids;
}

const nf::retention::TableRetention& table_in(const nf::retention::RetentionReport& report, const std::string& name) {
  for (const auto& table : report.tables)
    if (table.policy.table == name) return table;
  FAIL("no table " << name << " in the report");
  return report.tables.front();
}

// What the ranking reads (docs/schema.md), as of `now_s`: L, C, S, I per post from the
// hourly and the daily aggregates, N per author from the 90-day one, and the events of the 30-day window.
std::string ranking_figures(const nf::ch::Client& ch, int64_t now_s) {
  const int64_t cutoff = now_s - 30 * kDay;
  std::string out;
  // The hourly and the daily aggregate, each with the bucket bound the ranking used on it.
  for (const auto& [table, bound] : {std::pair<std::string, std::string>{"post_metrics_1h", "hour >= toStartOfHour("},
                                     {"post_metrics_1d", "day >= toDate("}})
    for (const auto& row : ch.query(
             "SELECT post_id, uniqExactMergeIf(events, action = 'like') AS L, uniqExactMergeIf(events, action = "
             "'comment') AS C, uniqExactMergeIf(events, action = 'share') AS S, uniqExactMergeIf(events, action = "
             "'impression') AS I FROM " + table + " WHERE " + bound + at(cutoff) + ") GROUP BY post_id ORDER BY post_id"))
      out += table + " " + row.dump() + "\n";
  for (const auto& row :
       ch.query("SELECT author_id, uniqExactMerge(events) AS N FROM user_author_90d WHERE user_id = " +
                std::to_string(kUser) + " AND day > toDate(" + at(now_s) +
                ") - 90 GROUP BY author_id ORDER BY author_id"))
    out += "user_author " + row.dump() + "\n";
  // The counters (schema 0006) with the bounds the ranking uses on them.
  for (const auto& row : ch.query("SELECT post_id, sum(likes) AS L, sum(comments) AS C, sum(shares) AS S, "
                                  "sum(impressions) AS I FROM post_counts WHERE day >= toDate(" + at(cutoff) +
                                  ") GROUP BY post_id ORDER BY post_id"))
    out += "post_counts " + row.dump() + "\n";
  for (const auto& row :
       ch.query("SELECT author_id, sum(interactions) AS N FROM user_author_counts WHERE user_id = " +
                std::to_string(kUser) + " AND day > toDate(" + at(now_s) + ") - 90 GROUP BY author_id ORDER BY author_id"))
    out += "user_author_counts " + row.dump() + "\n";
  for (const auto& row : ch.query("SELECT post_id, uniqExact(event_id) AS n FROM events WHERE ts >= " + at(cutoff) +
                                  " GROUP BY post_id ORDER BY post_id"))
    out += "events " + row.dump() + "\n";
  return out;
}

// The ids, by the server, of the partitions `times` fall into for a table partitioned by
// `key` (e.g. "toYYYYMMDD(toDateTime(?))"), split by whether they come before the
// partition of `cutoff_time`. The test plants a row at the cutoff itself, so the cutoff's
// partition always holds a row inside the window: every partition before it has only
// expired rows (dropped), it and the later ones stay.
struct Expected {
  std::vector<std::string> dropped, kept;
};
Expected expected_split(const nf::ch::Client& ch, const std::string& key, const std::vector<int64_t>& times,
                        int64_t cutoff_time) {
  const auto id = [&](int64_t t) {
    std::string expression = key;
    expression.replace(expression.find('?'), 1, std::to_string(t));
    return server_text(ch, expression);
  };
  const std::string edge = id(cutoff_time);
  std::set<std::string> dropped, kept;
  for (const auto t : times) {
    const auto partition = id(t);
    (partition < edge ? dropped : kept).insert(partition);
  }
  return {{dropped.begin(), dropped.end()}, {kept.begin(), kept.end()}};
}

}  // namespace

TEST_CASE("retention drops the expired partitions of tables without TTL, keeps the straddling and recent ones",
          "[retention][clickhouse]") {
  if (!nf::test::require_stack()) return;
  // On 18.16 this is what schema apply makes anyway; on the current engine it is a
  // database made on 18.16 and kept through the upgrade (schema apply adds no TTL to it).
  ScratchDatabase scratch(Made::all_without_ttl);
  const auto ch = scratch.client();
  const int64_t now_s = now_seconds();
  const int64_t cutoff30 = now_s - 30 * kDay, cutoff90 = now_s - 90 * kDay;
  // The day holding the 30-day cutoff, by the server's clock (its partition is toDate(ts)).
  const int64_t edge_day_start = server_int(ch, "toUInt32(toStartOfDay(" + at(cutoff30) + "))");

  const std::vector<Event> events = {
      {now_s - 130 * kDay, kOldPost, "like"},       // user_author_90d's old month
      {cutoff90 - kDay, kOldPost, "like"},          // the day before the 90-day cutoff's
      {cutoff90, kOldPost, "comment"},              // exactly the 90-day cutoff: inside
      {now_s - 70 * kDay, kOldPost, "like"},        // post_metrics_1h's old month
      {now_s - 40 * kDay, kOldPost, "impression"},  // old events partitions
      {now_s - 35 * kDay, kOldPost, "like"},
      {edge_day_start - 1, kOldPost, "share"},      // the last second of the day before the cutoff's
      // The cutoff's day straddles the edge: a row 1 h before the cutoff (or at the day's
      // start), one exactly at the cutoff (inside the window, so the day is kept).
      {std::max(edge_day_start, cutoff30 - 3600), kOldPost, "like"},
      {cutoff30, kRecentPost, "like"},
      {now_s - 29 * kDay, kRecentPost, "comment"},
      {now_s - 2 * kDay, kRecentPost, "share"},
      {now_s - 3600, kRecentPost, "like"},
      {now_s - 3600, kRecentPost, "impression"},
      {now_s - 60, kRecentPost, "impression"},
  };
  insert_events(ch, events);

  std::vector<int64_t> all_times, interaction_times;
  for (const auto& e : events) {
    all_times.push_back(e.ts);
    if (e.action == "like" || e.action == "comment" || e.action == "share") interaction_times.push_back(e.ts);
  }
  const auto expect_events = expected_split(ch, "toString(toYYYYMMDD(toDateTime(?)))", all_times, cutoff30);
  const auto expect_metrics = expected_split(ch, "toString(toYYYYMM(toDateTime(?)))", all_times, cutoff30);
  const auto expect_affinity =
      expected_split(ch, "toString(toYYYYMM(toDate(toDateTime(?))))", interaction_times, cutoff90);
  // The day-bucketed tables of later migrations: post_metrics_1d by month, 30 days (no
  // views are planted, so every event is in it); user_seen by day, 2 days.
  const auto expect_metrics_1d = expected_split(ch, "toString(toYYYYMM(toDate(toDateTime(?))))", all_times, cutoff30);
  // 0006's counters: event_keys by the month of ts, post_counts by the month of the day
  // (30 days), user_author_counts likewise (90 days, interactions only).
  const auto expect_keys = expected_split(ch, "toString(toYYYYMM(toDateTime(?)))", all_times, cutoff30);
  const auto& expect_post_counts = expect_metrics_1d;
  const auto& expect_user_author_counts = expect_affinity;
  const auto expect_seen = expected_split(ch, "toString(toYYYYMMDD(toDate(toDateTime(?))))", all_times, now_s - 2 * kDay);
  // The plan is as intended: something to drop and something to keep in every table.
  REQUIRE(expect_events.dropped.size() >= 6);
  REQUIRE(expect_events.kept.size() >= 4);
  REQUIRE_FALSE(expect_metrics.dropped.empty());
  REQUIRE_FALSE(expect_affinity.dropped.empty());
  REQUIRE_FALSE(expect_keys.dropped.empty());
  REQUIRE(partition_ids(ch, "events").size() == expect_events.dropped.size() + expect_events.kept.size());

  const auto figures_before = ranking_figures(ch, now_s);
  CHECK_THAT(figures_before, Catch::Contains("\"L\":\"2\"") || Catch::Contains("\"L\":2"));  // recent post: 2 likes
  const auto& policies = nf::retention::default_policies();

  SECTION("a dry run reports what would go and drops nothing; a missing table is reported, not fatal") {
    auto with_missing = policies;
    with_missing.push_back({"nf_no_such_table", "ts", 30, nf::retention::TimeBucket::second});
    const auto before = partition_ids(ch, "events");
    const auto report = nf::retention::apply_retention(ch, with_missing, now_s, true);
    INFO(nf::retention::render_retention_text(report));
    CHECK(report.dry_run);
    CHECK_FALSE(report.ok());
    CHECK(ids_of(table_in(report, "events").dropped) == expect_events.dropped);
    CHECK(ids_of(table_in(report, "events").kept) == expect_events.kept);
    CHECK(ids_of(table_in(report, "post_metrics_1h").dropped) == expect_metrics.dropped);
    CHECK(table_in(report, "nf_no_such_table").method == RetentionMethod::table_missing);
    CHECK_THAT(table_in(report, "nf_no_such_table").error, Catch::Contains("schema apply"));
    CHECK_THAT(nf::retention::render_retention_text(report), Catch::Contains("would drop"));
    CHECK(partition_ids(ch, "events") == before);
    CHECK(ranking_figures(ch, now_s) == figures_before);
  }

  SECTION("a run drops exactly the expired partitions; the ranking's counts stay; a second run drops nothing") {
    const auto report = nf::retention::apply_retention(ch, policies, now_s, false);
    const auto text = nf::retention::render_retention_text(report);
    INFO(text);
    CHECK(report.ok());
    for (const auto& table : report.tables) CHECK(table.method == RetentionMethod::drop_partitions);

    const auto& events_done = table_in(report, "events");
    CHECK(ids_of(events_done.dropped) == expect_events.dropped);
    CHECK(ids_of(events_done.kept) == expect_events.kept);
    CHECK(events_done.cutoff.at_s == cutoff30);
    CHECK(ids_of(table_in(report, "post_metrics_1h").dropped) == expect_metrics.dropped);
    CHECK(ids_of(table_in(report, "post_metrics_1h").kept) == expect_metrics.kept);
    CHECK(ids_of(table_in(report, "user_author_90d").dropped) == expect_affinity.dropped);
    CHECK(ids_of(table_in(report, "user_author_90d").kept) == expect_affinity.kept);
    CHECK(table_in(report, "user_author_90d").cutoff.day ==
          server_int(ch, "toUInt16(toDate(" + at(cutoff90) + "))"));
    CHECK(ids_of(table_in(report, "post_metrics_1d").dropped) == expect_metrics_1d.dropped);
    CHECK(ids_of(table_in(report, "post_metrics_1d").kept) == expect_metrics_1d.kept);
    CHECK(ids_of(table_in(report, "user_seen").dropped) == expect_seen.dropped);
    CHECK(ids_of(table_in(report, "user_seen").kept) == expect_seen.kept);
    CHECK(ids_of(table_in(report, "event_keys").dropped) == expect_keys.dropped);
    CHECK(ids_of(table_in(report, "event_keys").kept) == expect_keys.kept);
    CHECK(ids_of(table_in(report, "post_counts").dropped) == expect_post_counts.dropped);
    CHECK(ids_of(table_in(report, "post_counts").kept) == expect_post_counts.kept);
    CHECK(ids_of(table_in(report, "user_author_counts").dropped) == expect_user_author_counts.dropped);
    CHECK(ids_of(table_in(report, "user_author_counts").kept) == expect_user_author_counts.kept);

    // What is left in ClickHouse is what the report says was kept.
    CHECK(partition_ids(ch, "events") == expect_events.kept);
    CHECK(partition_ids(ch, "post_metrics_1h") == expect_metrics.kept);
    CHECK(partition_ids(ch, "user_author_90d") == expect_affinity.kept);
    CHECK(partition_ids(ch, "event_keys") == expect_keys.kept);
    CHECK(partition_ids(ch, "post_counts") == expect_post_counts.kept);
    CHECK(partition_ids(ch, "user_author_counts") == expect_user_author_counts.kept);
    // The straddling day keeps its row from before the cutoff; nothing older is left.
    CHECK(server_int(ch, "(SELECT count() FROM events WHERE ts < " + at(cutoff30) + ")") ==
          (edge_day_start < cutoff30 ? 1 : 0));
    CHECK(server_int(ch, "(SELECT count() FROM events WHERE ts < " + at(edge_day_start) + ")") == 0);
    // Everything the ranking reads is unchanged.
    CHECK(ranking_figures(ch, now_s) == figures_before);
    CHECK_THAT(text, Catch::Contains("events: no TTL, 30 days") && Catch::Contains("is before the cutoff"));
    const auto json = nf::retention::render_retention_json(report);
    CHECK(json["dropped_partitions"] == expect_events.dropped.size() + expect_metrics.dropped.size() +
                                            expect_affinity.dropped.size() + expect_metrics_1d.dropped.size() +
                                            expect_seen.dropped.size() + expect_keys.dropped.size() +
                                            expect_post_counts.dropped.size() + expect_user_author_counts.dropped.size());

    const auto again = nf::retention::apply_retention(ch, policies, now_s, false);
    INFO(nf::retention::render_retention_text(again));
    CHECK(again.dropped_partitions() == 0);
    CHECK(ids_of(table_in(again, "events").kept) == expect_events.kept);
    CHECK_THAT(nf::retention::render_retention_text(again), Catch::EndsWith("result: nothing expired\n"));
  }
}

TEST_CASE("retention follows each table: TTL in place where the table has one, partitions dropped where it has none",
          "[retention][clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto ttl = nf::ch::features_of(nf::test::stack_clickhouse().server_version()).ttl;
  const int64_t now_s = now_seconds();
  const auto& policies = nf::retention::default_policies();

  SECTION("schema apply's tables: the current engine expires them by TTL, 18.16 has partitions, none expired") {
    ScratchDatabase scratch(Made::by_schema_apply);
    const auto ch = scratch.client();
    // Only recent data: on the current engine a TTL may delete expired rows at insert.
    insert_events(ch, {{now_s - 2 * kDay, kRecentPost, "like"}, {now_s - 60, kRecentPost, "impression"}});
    const auto before = partition_ids(ch, "events");
    const auto report = nf::retention::apply_retention(ch, policies, now_s, false);
    const auto text = nf::retention::render_retention_text(report);
    INFO(text);
    CHECK(report.ok());
    CHECK(report.dropped_partitions() == 0);
    for (const auto& table : report.tables)
      CHECK(table.method == (ttl ? RetentionMethod::ttl_in_place : RetentionMethod::drop_partitions));
    if (ttl) {
      CHECK(table_in(report, "events").ttl == "ts + toIntervalDay(30)");
      CHECK(table_in(report, "post_metrics_1h").ttl == "hour + toIntervalDay(30)");
      CHECK(table_in(report, "user_author_90d").ttl == "day + toIntervalDay(90)");
      CHECK_THAT(text, Catch::Contains("events: TTL in place (ts + toIntervalDay(30))"));
      CHECK(nf::retention::render_retention_json(report)["tables"][0]["method"] == "ttl_in_place");
    } else {
      CHECK(ids_of(table_in(report, "events").kept) == before);
    }
    CHECK(partition_ids(ch, "events") == before);
  }

  SECTION("events made without TTL (an upgraded server): its expired partitions go, the aggregates keep their TTL") {
    ScratchDatabase scratch(Made::events_without_ttl);
    const auto ch = scratch.client();
    insert_events(ch, {{now_s - 40 * kDay, kOldPost, "like"},
                       {now_s - 35 * kDay, kOldPost, "like"},
                       {now_s - 2 * kDay, kRecentPost, "like"},
                       {now_s - 60, kRecentPost, "impression"}});
    const auto old_days = std::vector<std::string>{
        server_text(ch, "toString(toYYYYMMDD(" + at(now_s - 40 * kDay) + "))"),
        server_text(ch, "toString(toYYYYMMDD(" + at(now_s - 35 * kDay) + "))")};
    const auto recent_days = std::vector<std::string>{
        server_text(ch, "toString(toYYYYMMDD(" + at(now_s - 2 * kDay) + "))"),
        server_text(ch, "toString(toYYYYMMDD(" + at(now_s - 60) + "))")};
    const auto report = nf::retention::apply_retention(ch, policies, now_s, false);
    INFO(nf::retention::render_retention_text(report));
    const auto& events_done = table_in(report, "events");
    CHECK(events_done.method == RetentionMethod::drop_partitions);
    CHECK(ids_of(events_done.dropped) == old_days);
    CHECK(ids_of(events_done.kept) == recent_days);
    CHECK(partition_ids(ch, "events") == recent_days);
    for (const char* aggregate : {"post_metrics_1h", "user_author_90d"}) {
      CHECK(table_in(report, aggregate).method ==
            (ttl ? RetentionMethod::ttl_in_place : RetentionMethod::drop_partitions));
      if (ttl) CHECK(table_in(report, aggregate).dropped.empty());
    }
  }
}
