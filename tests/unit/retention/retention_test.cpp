// The retention job's decisions without a server: the cutoff per table kind, which
// partitions go (the straddling one and the exact cutoff included), TTL detection from both
// engines' engine_full, the SQL it sends and its report.
#include <catch2/catch.hpp>

#include "core/error/error.hpp"
#include "core/retention/policy.hpp"
#include "core/retention/queries.hpp"
#include "core/retention/retention.hpp"
#include "core/retention/ttl_clause.hpp"
#include "core/time/rfc3339.hpp"

using namespace nf::retention;

namespace {

int64_t day_number(int64_t y, int64_t m, int64_t d) { return nf::time::days_from_civil(y, m, d); }

int64_t utc(int64_t y, int64_t m, int64_t d, int64_t hh = 0, int64_t mm = 0, int64_t ss = 0) {
  return day_number(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

std::vector<std::string> ids(const std::vector<Partition>& partitions) {
  std::vector<std::string> out;
  for (const auto& p : partitions) out.push_back(p.id);
  return out;
}

// now = 2026-12-03 11:12:47 UTC, as the job would see it.
const int64_t kNow = utc(2026, 12, 3, 11, 12, 47);

}  // namespace

TEST_CASE("retention: the default policies: events, post_metrics_1h/1d, event_keys, post_counts 30 days, "
          "user_author_90d, user_author_counts 90 days, user_seen 2 days",
          "[retention]") {
  const auto& policies = default_policies();
  REQUIRE(policies.size() == 8);
  CHECK(policies[0].table == "events");
  CHECK(policies[0].time_column == "ts");
  CHECK(policies[0].days == 30);
  CHECK(policies[0].bucket == TimeBucket::second);
  CHECK(policies[1].table == "post_metrics_1h");
  CHECK(policies[1].time_column == "hour");
  CHECK(policies[1].days == 30);
  CHECK(policies[1].bucket == TimeBucket::hour);
  CHECK(policies[2].table == "user_author_90d");
  CHECK(policies[2].time_column == "day");
  CHECK(policies[2].days == 90);
  CHECK(policies[2].bucket == TimeBucket::day);
  CHECK(policies[3].table == "post_metrics_1d");
  CHECK(policies[3].time_column == "day");
  CHECK(policies[3].days == 30);
  CHECK(policies[3].bucket == TimeBucket::day);
  CHECK(policies[4].table == "user_seen");
  CHECK(policies[4].time_column == "day");
  CHECK(policies[4].days == 2);
  CHECK(policies[4].bucket == TimeBucket::day);
  CHECK(policies[5].table == "event_keys");
  CHECK(policies[5].time_column == "ts");
  CHECK(policies[5].days == 30);
  CHECK(policies[5].bucket == TimeBucket::second);
  CHECK(policies[6].table == "post_counts");
  CHECK(policies[6].time_column == "day");
  CHECK(policies[6].days == 30);
  CHECK(policies[6].bucket == TimeBucket::day);
  CHECK(policies[7].table == "user_author_counts");
  CHECK(policies[7].time_column == "day");
  CHECK(policies[7].days == 90);
  CHECK(policies[7].bucket == TimeBucket::day);
}

TEST_CASE("retention: the cutoff is now minus the window, to the second", "[retention]") {
  CHECK(cutoff_instant(kNow, 30) == utc(2026, 11, 3, 11, 12, 47));
  CHECK(cutoff_instant(kNow, 90) == utc(2026, 9, 4, 11, 12, 47));
}

TEST_CASE("retention: events: a partition goes only when its newest ts is before the cutoff", "[retention]") {
  const Cutoff cutoff{utc(2026, 11, 3, 11, 12, 47), 0};
  CHECK(partition_expired(TimeBucket::second, cutoff.at_s - 1, cutoff));
  CHECK_FALSE(partition_expired(TimeBucket::second, cutoff.at_s, cutoff));  // exactly the cutoff: inside
  CHECK_FALSE(partition_expired(TimeBucket::second, cutoff.at_s + 1, cutoff));
  CHECK(bucket_end(TimeBucket::second, 100) == 101);
}

TEST_CASE("retention: post_metrics_1h: an hour bucket goes only when it ends at or before the cutoff", "[retention]") {
  SECTION("cutoff inside an hour: that hour's bucket may hold events inside the window") {
    const Cutoff cutoff{utc(2026, 11, 3, 11, 12, 47), 0};
    CHECK(partition_expired(TimeBucket::hour, utc(2026, 11, 3, 10), cutoff));       // ends 11:00
    CHECK_FALSE(partition_expired(TimeBucket::hour, utc(2026, 11, 3, 11), cutoff));  // holds 11:12:47 .. 11:59:59
  }
  SECTION("cutoff on the hour: the bucket ending there goes, the one starting there stays") {
    const Cutoff cutoff{utc(2026, 11, 3, 11), 0};
    CHECK(partition_expired(TimeBucket::hour, utc(2026, 11, 3, 10), cutoff));       // ends at the cutoff
    CHECK_FALSE(partition_expired(TimeBucket::hour, utc(2026, 11, 3, 11), cutoff));  // starts at it: inside
  }
  CHECK(bucket_end(TimeBucket::hour, utc(2026, 11, 3, 10)) == utc(2026, 11, 3, 11));
}

TEST_CASE("retention: user_author_90d: a day bucket goes only when it is before the cutoff's day", "[retention]") {
  const Cutoff cutoff{utc(2026, 9, 4, 11, 12, 47), day_number(2026, 9, 4)};
  CHECK(partition_expired(TimeBucket::day, day_number(2026, 9, 3), cutoff));       // ends at 09-04 00:00
  CHECK_FALSE(partition_expired(TimeBucket::day, day_number(2026, 9, 4), cutoff));  // holds 11:12:47 .. 23:59:59
  CHECK_FALSE(partition_expired(TimeBucket::day, day_number(2026, 9, 5), cutoff));
  // Compared with the server's date of the cutoff, never with seconds: a server east of
  // UTC may already be on 09-05 at this instant, and its buckets are its dates.
  const Cutoff east{cutoff.at_s, day_number(2026, 9, 5)};
  CHECK(partition_expired(TimeBucket::day, day_number(2026, 9, 4), east));
}

TEST_CASE("retention: events partitions: old days go, the straddling day and the recent ones stay", "[retention]") {
  const Cutoff cutoff{cutoff_instant(kNow, 30), 0};  // 2026-11-03 11:12:47
  std::vector<Partition> partitions = {
      {"20261203", utc(2026, 12, 3, 11, 0, 0), 40},          // recent
      {"20261024", utc(2026, 10, 24, 23, 59, 59), 5},        // 40 days back
      {"20261103", utc(2026, 11, 3, 23, 10, 0), 7},          // straddles: 10:12 (out) and 23:10 (in)
      {"20261029", utc(2026, 10, 29, 8, 0, 0), 3},           // 35 days back
      {"20261102", utc(2026, 11, 2, 23, 59, 59), 2},         // the day before the cutoff's, to its end
      {"20261104", utc(2026, 11, 4, 0, 0, 0), 1},            // 29 days back
  };
  const auto split = split_partitions(partitions, TimeBucket::second, cutoff);
  CHECK(ids(split.expired) == std::vector<std::string>{"20261024", "20261029", "20261102"});
  CHECK(ids(split.kept) == std::vector<std::string>{"20261103", "20261104", "20261203"});
  CHECK(split.expired[0].rows == 5);

  SECTION("a partition whose newest row is exactly at the cutoff stays, one second earlier it goes") {
    CHECK(split_partitions({{"20261103", cutoff.at_s, 1}}, TimeBucket::second, cutoff).kept.size() == 1);
    CHECK(split_partitions({{"20261103", cutoff.at_s - 1, 1}}, TimeBucket::second, cutoff).expired.size() == 1);
  }
}

TEST_CASE("retention: aggregate partitions by month: a month goes only when its newest bucket has ended",
          "[retention]") {
  SECTION("post_metrics_1h, 30 days") {
    const Cutoff cutoff{cutoff_instant(kNow, 30), 0};  // 2026-11-03 11:12:47
    const auto split = split_partitions({{"202612", utc(2026, 12, 3, 11), 9},
                                         {"202610", utc(2026, 10, 31, 23), 4},   // ends 11-01 00:00
                                         {"202611", utc(2026, 11, 3, 11), 6},    // straddles (11:00 bucket)
                                         {"202609", utc(2026, 9, 30, 23), 2}},
                                        TimeBucket::hour, cutoff);
    CHECK(ids(split.expired) == std::vector<std::string>{"202609", "202610"});
    CHECK(ids(split.kept) == std::vector<std::string>{"202611", "202612"});
    // The same month whose newest bucket ended before the cutoff is wholly expired.
    CHECK(split_partitions({{"202611", utc(2026, 11, 3, 10), 6}}, TimeBucket::hour, cutoff).expired.size() == 1);
  }
  SECTION("user_author_90d, 90 days") {
    const Cutoff cutoff{cutoff_instant(kNow, 90), day_number(2026, 9, 4)};
    const auto split = split_partitions({{"202608", day_number(2026, 8, 31), 3},
                                         {"202609", day_number(2026, 9, 4), 5},  // the cutoff's day: stays
                                         {"202612", day_number(2026, 12, 3), 8}},
                                        TimeBucket::day, cutoff);
    CHECK(ids(split.expired) == std::vector<std::string>{"202608"});
    CHECK(ids(split.kept) == std::vector<std::string>{"202609", "202612"});
    CHECK(split_partitions({{"202609", day_number(2026, 9, 3), 5}}, TimeBucket::day, cutoff).expired.size() == 1);
  }
}

TEST_CASE("retention: TTL is read from engine_full as both engines print it", "[retention]") {
  // ClickHouse 18.16 (no TTL before 19.6).
  CHECK_FALSE(ttl_expression("ReplacingMergeTree PARTITION BY toDate(ts) ORDER BY (post_id, action, event_id) "
                             "SETTINGS index_granularity = 8192"));
  CHECK_FALSE(ttl_expression("AggregatingMergeTree PARTITION BY toYYYYMM(hour) ORDER BY (post_id, hour, action) "
                             "SETTINGS index_granularity = 8192"));
  // ClickHouse 26.7.
  CHECK(ttl_expression("ReplacingMergeTree PARTITION BY toDate(ts) ORDER BY (post_id, action, event_id) "
                       "TTL ts + toIntervalDay(30) SETTINGS index_granularity = 8192") == "ts + toIntervalDay(30)");
  CHECK(ttl_expression("AggregatingMergeTree PARTITION BY toYYYYMM(hour) ORDER BY (post_id, hour, action) "
                       "TTL hour + toIntervalDay(30) SETTINGS index_granularity = 8192") ==
        "hour + toIntervalDay(30)");
  CHECK(ttl_expression("AggregatingMergeTree PARTITION BY toYYYYMM(day) ORDER BY (user_id, author_id, day, action) "
                       "TTL day + toIntervalDay(90) SETTINGS index_granularity = 8192") == "day + toIntervalDay(90)");

  SECTION("without SETTINGS, and with several TTL elements") {
    CHECK(ttl_expression("MergeTree ORDER BY id TTL d + toIntervalDay(1)") == "d + toIntervalDay(1)");
    CHECK(ttl_expression("MergeTree ORDER BY id TTL d + toIntervalDay(30), d + toIntervalDay(7) TO VOLUME 'cold' "
                         "SETTINGS storage_policy = 'tiered'") ==
          "d + toIntervalDay(30), d + toIntervalDay(7) TO VOLUME 'cold'");
  }
  SECTION("TTL inside a name, quotes or parentheses is not the clause") {
    CHECK_FALSE(ttl_expression("MergeTree ORDER BY ttl_day SETTINGS index_granularity = 8192"));
    CHECK_FALSE(ttl_expression("MergeTree PARTITION BY tuple() ORDER BY (TTL, id) SETTINGS index_granularity = 8192"));
    CHECK_FALSE(ttl_expression("MergeTree ORDER BY id SETTINGS storage_policy = 'TTL x'"));
    CHECK_FALSE(ttl_expression("MergeTree ORDER BY `TTL`"));
    CHECK_FALSE(ttl_expression(""));
  }
}

TEST_CASE("retention: the SQL retention sends", "[retention]") {
  CHECK(drop_partition_sql("events", "20261103") == "ALTER TABLE events DROP PARTITION ID '20261103'");
  CHECK(drop_partition_sql("events", "it's") == "ALTER TABLE events DROP PARTITION ID 'it\\'s'");
  CHECK(partitions_sql(default_policies()[0]) ==
        "SELECT _partition_id AS id, toUInt32(max(ts)) AS newest, count() AS rows FROM events GROUP BY _partition_id");
  CHECK(partitions_sql(default_policies()[2]) ==
        "SELECT _partition_id AS id, toUInt16(max(day)) AS newest, count() AS rows FROM user_author_90d "
        "GROUP BY _partition_id");
  CHECK(table_engine_sql("events") ==
        "SELECT engine, engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'events'");
  CHECK(column_type_sql("events", "ts") ==
        "SELECT type FROM system.columns WHERE database = currentDatabase() AND table = 'events' AND name = 'ts'");
  CHECK(server_date_sql(86400) == "SELECT toUInt16(toDate(toDateTime(86400))) AS day");
}

TEST_CASE("retention: a policy naming something other than a plain identifier, or no window, is a usage error",
          "[retention]") {
  // Refused before anything is sent: this client's server does not exist.
  const nf::ch::Client nowhere(nf::ch::Settings{"http://127.0.0.1:1", "novafeed", "default", "", 200});
  const auto code_of = [&](const RetentionPolicy& policy) {
    try {
      apply_retention(nowhere, {policy}, kNow, true);
    } catch (const nf::Error& e) {
      return e.code();
    }
    return nf::ExitCode::ok;
  };
  CHECK(code_of({"events; DROP TABLE posts", "ts", 30, TimeBucket::second}) == nf::ExitCode::usage);
  CHECK(code_of({"events", "ts)", 30, TimeBucket::second}) == nf::ExitCode::usage);
  CHECK(code_of({"events", "ts", 0, TimeBucket::second}) == nf::ExitCode::usage);
  CHECK(code_of({"events", "ts", 30, TimeBucket::second}) == nf::ExitCode::unreachable);  // a fine policy gets that far
}

TEST_CASE("retention: the report says what was dropped and why, or that a TTL is in place", "[retention]") {
  RetentionReport report;
  report.database = "novafeed";
  report.now_s = kNow;
  TableRetention events;
  events.policy = default_policies()[0];
  events.cutoff = {cutoff_instant(kNow, 30), 0};
  events.dropped = {{"20261024", utc(2026, 10, 24, 23, 59, 59), 1234}};
  events.kept = {{"20261103", utc(2026, 11, 3, 23), 7}, {"20261203", kNow, 40}};
  TableRetention metrics;
  metrics.policy = default_policies()[1];
  metrics.cutoff = {cutoff_instant(kNow, 30), 0};
  metrics.dropped = {{"202610", utc(2026, 10, 31, 23), 4}};
  TableRetention affinity;
  affinity.policy = default_policies()[2];
  affinity.method = RetentionMethod::ttl_in_place;
  affinity.ttl = "day + toIntervalDay(90)";
  affinity.cutoff = {cutoff_instant(kNow, 90), 0};
  report.tables = {events, metrics, affinity};

  const auto text = render_retention_text(report);
  CHECK_THAT(text, Catch::StartsWith("retention of database novafeed at 2026-12-03T11:12:47Z\n"));
  CHECK_THAT(text, Catch::Contains("events: no TTL, 30 days, window from 2026-11-03T11:12:47Z: dropped 1 partition "
                                   "(1,234 rows), kept 2\n"));
  CHECK_THAT(text, Catch::Contains("  dropped 20261024 (1,234 rows): newest ts 2026-10-24T23:59:59Z is before the "
                                   "cutoff\n"));
  CHECK_THAT(text, Catch::Contains("  kept 20261103 to 20261203: "));
  CHECK_THAT(text, Catch::Contains("  dropped 202610 (4 rows): newest hour 2026-10-31T23:00:00Z ends at "
                                   "2026-11-01T00:00:00Z, not after the cutoff\n"));
  CHECK_THAT(text, Catch::Contains("user_author_90d: TTL in place (day + toIntervalDay(90)): the server expires its "
                                   "rows itself, nothing dropped\n"));
  CHECK_THAT(text, Catch::EndsWith("result: dropped 2 partitions (1,238 rows)\n"));

  const auto json = render_retention_json(report);
  CHECK(json["ok"] == true);
  CHECK(json["dry_run"] == false);
  CHECK(json["dropped_partitions"] == 2);
  CHECK(json["dropped_rows"] == 1238);
  CHECK(json["tables"][0]["method"] == "drop_partitions");
  CHECK(json["tables"][0]["cutoff"] == "2026-11-03T11:12:47Z");
  CHECK(json["tables"][0]["dropped"][0] ==
        nlohmann::json{{"partition", "20261024"}, {"newest", "2026-10-24T23:59:59Z"}, {"rows", 1234}});
  CHECK(json["tables"][0]["kept"].size() == 2);
  CHECK(json["tables"][0]["ttl"].is_null());
  CHECK(json["tables"][2]["method"] == "ttl_in_place");
  CHECK(json["tables"][2]["ttl"] == "day + toIntervalDay(90)");
  CHECK(json["tables"][2]["dropped"].empty());

  SECTION("a dry run says what would go; a day bucket shows dates; a missing table fails the report") {
    report.dry_run = true;
    TableRetention days;
    days.policy = default_policies()[2];
    days.cutoff = {cutoff_instant(kNow, 90), day_number(2026, 9, 4)};
    days.dropped = {{"202608", day_number(2026, 8, 31), 3}};
    TableRetention missing;
    missing.policy = {"nf_absent", "ts", 30, TimeBucket::second};
    missing.method = RetentionMethod::table_missing;
    missing.error = "no table nf_absent in database novafeed: run `novafeed schema apply` first";
    report.tables = {days, missing};

    const auto dry = render_retention_text(report);
    CHECK_THAT(dry, Catch::Contains("(dry run: nothing is dropped)"));
    CHECK_THAT(dry, Catch::Contains("user_author_90d: no TTL, 90 days, window from 2026-09-04T11:12:47Z (day "
                                    "2026-09-04): would drop 1 partition (3 rows), kept 0\n"));
    CHECK_THAT(dry, Catch::Contains("  would drop 202608 (3 rows): newest day 2026-08-31 is before the cutoff's day "
                                    "2026-09-04\n"));
    CHECK_THAT(dry, Catch::Contains("nf_absent: MISSING: no table nf_absent in database novafeed: run `novafeed "
                                    "schema apply` first\n"));
    CHECK_THAT(dry, Catch::EndsWith("result: would drop 1 partition (3 rows); 1 table MISSING\n"));

    const auto json = render_retention_json(report);
    CHECK(json["ok"] == false);
    CHECK(json["tables"][0]["cutoff_day"] == "2026-09-04");
    CHECK(json["tables"][0]["dropped"][0]["newest"] == "2026-08-31");
    CHECK(json["tables"][1]["method"] == "table_missing");
    CHECK(json["tables"][1]["error"] == missing.error);
  }
}
