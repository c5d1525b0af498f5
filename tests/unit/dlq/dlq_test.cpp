// novafeed dlq's pure parts, from hand-built dead letters (no Kafka): the novafeed.*
// headers read back, the selection by reason, offset, time and group, the summary counts
// by reason pattern, where a replay goes, and the reports as text and JSON.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/dlq/dlq.hpp"
#include "core/dlq/render.hpp"
#include "core/dlq/replay.hpp"
#include "core/error/error.hpp"
#include "core/time/rfc3339.hpp"

using namespace nf::dlq;
using Json = nlohmann::json;

namespace {

constexpr int64_t kNow = 1'796'400'000'000;  // 2026-12-04T16:00:00Z

// A dead letter as ingest writes it (core/ingest/dead_letter.cpp).
Message letter(int64_t offset, const std::string& reason, int64_t ts_ms, const std::string& source_topic = "events",
               const std::string& group = "novafeed-ingest") {
  Message m;
  m.topic = source_topic == "events" ? "events.dlq" : "cdc.dlq";
  m.partition = 0;
  m.offset = offset;
  m.timestamp_ms = ts_ms;
  m.key = "key-" + std::to_string(offset);
  m.value = "{\"n\":" + std::to_string(offset) + "}";
  m.headers = {{"novafeed.reason", reason},
               {"novafeed.source.topic", source_topic},
               {"novafeed.source.partition", std::string("3")},
               {"novafeed.source.offset", std::to_string(1000 + offset)},
               {"novafeed.consumer.group", group}};
  read_novafeed_headers(m);
  return m;
}

nf::config::Config default_config() { return nf::config::load(nf::config::Sources{}); }

}  // namespace

TEST_CASE("dlq reads the novafeed headers ingest writes, and tolerates their absence") {
  const Message m = letter(7, "value is not JSON", kNow);
  CHECK(m.reason == "value is not JSON");
  CHECK(m.source_topic == "events");
  CHECK(m.source_partition == 3);
  CHECK(m.source_offset == 1007);
  CHECK(m.consumer_group == "novafeed-ingest");
  CHECK(position(m) == "events.dlq[0]@7");
  CHECK(source_position(m) == "events[3]@1007");

  Message foreign;
  foreign.topic = "events.dlq";
  foreign.headers = {{"novafeed.source.partition", std::string("three")}, {"trace", std::nullopt}};
  read_novafeed_headers(foreign);
  CHECK(foreign.reason.empty());
  CHECK(!foreign.source_partition);
  CHECK(!foreign.source_offset);
  CHECK(source_position(foreign) == "unknown");
}

TEST_CASE("dlq reason patterns put one kind of fault on one line") {
  CHECK(reason_pattern("author_id: post 42 is not in PostgreSQL, so its author cannot be resolved") ==
        "author_id: post N is not in PostgreSQL, so its author cannot be resolved");
  CHECK(reason_pattern("action: 'poke' is not one of impression, view, like, comment, share") ==
        "action: '…' is not one of impression, view, like, comment, share");
  CHECK(reason_pattern("event_id is 70 bytes (at most 64)") == "event_id is N bytes (at most N)");
  CHECK(reason_pattern("user_id: -3 is not positive") == "user_id: -N is not positive");
  // Digits inside a word stay: they name something, not a particular.
  CHECK(reason_pattern("after.col2 is missing") == "after.col2 is missing");
  CHECK(reason_pattern("value is not JSON") == "value is not JSON");
  CHECK(reason_pattern("it's odd") == "it's odd");  // an unmatched quote stays
  CHECK(reason_pattern("") == "");
}

TEST_CASE("dlq --offset takes OFFSET, PARTITION:OFFSET or a printed position, and refuses the rest") {
  CHECK(parse_offset_pick("42").offset == 42);
  CHECK(!parse_offset_pick("42").partition);
  CHECK(!parse_offset_pick("42").topic);
  const auto pick = parse_offset_pick("2:17");
  CHECK(pick.partition == 2);
  CHECK(pick.offset == 17);
  const auto printed = parse_offset_pick("events.dlq[3]@1234");
  CHECK(printed.topic == "events.dlq");
  CHECK(printed.partition == 3);
  CHECK(printed.offset == 1234);
  for (const char* bad : {"", "x", "-1", "1:", ":5", "1:2:3", "4.5", "1:-2", "[0]@4", "events.dlq[0]", "events.dlq[x]@4",
                          "events.dlq[0]@"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_offset_pick(bad), nf::Error);
  }
  try {
    parse_offset_pick("x");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("PARTITION:OFFSET"));
  }
}

TEST_CASE("dlq --since takes a duration back from now or an RFC 3339 time") {
  CHECK(parse_since_ms("2h", kNow) == kNow - 7'200'000);
  CHECK(parse_since_ms("7d", kNow) == kNow - 7 * 86'400'000LL);
  CHECK(parse_since_ms("2026-12-04T09:00:00Z", kNow) == nf::time::parse_rfc3339_ms("2026-12-04T09:00:00Z"));
  CHECK(!parse_since_ms("", kNow));
  CHECK(!parse_since_ms("all", kNow));
  for (const char* bad : {"yesterday", "2026-12-04", "2026-12-04T09:00:00", "-2h"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_since_ms(bad, kNow), nf::Error);
  }
  try {
    parse_since_ms("yesterday", kNow);
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("RFC 3339"));
  }
}

TEST_CASE("dlq selection: every criterion must hold, offsets are alternatives") {
  const Message unknown_post = letter(5, "author_id: post 42 is not in PostgreSQL, so its author cannot be resolved", kNow);
  const Message garbage = letter(6, "value is not JSON", kNow - 3'600'000, "events", "other-group");
  const Message cdc = letter(5, "source is missing", kNow, "cdc.posts");

  Selection any;
  CHECK(selects(any, unknown_post));
  CHECK(selects(any, garbage));

  Selection by_reason;
  by_reason.reason = "IS NOT IN postgresql";  // case-insensitive
  CHECK(selects(by_reason, unknown_post));
  CHECK(!selects(by_reason, garbage));
  by_reason.reason = "post N is not in";  // a line copied from dlq list
  CHECK(selects(by_reason, unknown_post));
  by_reason.reason = "post 43";
  CHECK(!selects(by_reason, unknown_post));

  Selection by_offset;
  by_offset.offsets = {{std::nullopt, std::nullopt, 5}};
  CHECK(selects(by_offset, unknown_post));
  CHECK(selects(by_offset, cdc));  // offset 5 of any topic and partition
  CHECK(!selects(by_offset, garbage));
  by_offset.offsets = {{std::nullopt, 1, 5}, {std::nullopt, 0, 6}};
  CHECK(!selects(by_offset, unknown_post));  // partition 0, not 1
  CHECK(selects(by_offset, garbage));
  by_offset.offsets = {parse_offset_pick("cdc.dlq[0]@5")};
  CHECK(selects(by_offset, cdc));
  CHECK(!selects(by_offset, unknown_post));  // the same offset in events.dlq

  Selection by_time;
  by_time.since_ms = kNow - 60'000;
  CHECK(selects(by_time, unknown_post));
  CHECK(!selects(by_time, garbage));
  Message no_time = garbage;
  no_time.timestamp_ms = -1;  // Kafka did not say: the offsets-for-times start decided
  CHECK(selects(by_time, no_time));

  Selection by_group;
  by_group.group = "other-group";
  CHECK(selects(by_group, garbage));
  CHECK(!selects(by_group, unknown_post));

  Selection both;
  both.reason = "not JSON";
  both.since_ms = kNow - 60'000;
  CHECK(!selects(both, garbage));  // the reason holds, the time does not
}

TEST_CASE("dlq replay needs a selection that names messages, or --all") {
  Selection none;
  CHECK(!names_messages(none));
  none.group = "g";  // a group alone is a whole topic's worth
  CHECK(!names_messages(none));
  Selection reason;
  reason.reason = "x";
  CHECK(names_messages(reason));
  Selection offset;
  offset.offsets = {{std::nullopt, std::nullopt, 1}};
  CHECK(names_messages(offset));
  Selection since;
  since.since_ms = kNow;
  CHECK(names_messages(since));
  Selection all;
  all.all = true;
  CHECK(names_messages(all));

  DlqRequest request;
  CHECK(!names_messages(selection_from(request, kNow)));
  request.since = "1h";
  request.offsets = {"0:3"};
  const auto selection = selection_from(request, kNow);
  CHECK(selection.since_ms == kNow - 3'600'000);
  REQUIRE(selection.offsets.size() == 1);
  CHECK(selection.offsets[0].partition == 0);
}

TEST_CASE("dlq --topic names the configured dead-letter topics") {
  const auto config = default_config();
  CHECK(dlq_topics(config, "all") == std::vector<std::string>{"events.dlq", "cdc.dlq"});
  CHECK(dlq_topics(config, "events") == std::vector<std::string>{"events.dlq"});
  CHECK(dlq_topics(config, "events.dlq") == std::vector<std::string>{"events.dlq"});
  CHECK(dlq_topics(config, "cdc.dlq") == std::vector<std::string>{"cdc.dlq"});
  CHECK_THROWS_AS(dlq_topics(config, "events.dlq2"), nf::Error);
  nf::config::Sources sources;
  sources.flag_settings = {"ingest.events_dlq_topic=prod.events.dead"};
  const auto renamed = nf::config::load(sources);
  CHECK(dlq_topics(renamed, "events") == std::vector<std::string>{"prod.events.dead"});
  CHECK_THROWS_AS(dlq_topics(renamed, "events.dlq"), nf::Error);
}

TEST_CASE("dlq list counts by reason pattern and source topic, with first, last and a few samples") {
  ListReport report;
  for (int i = 0; i < 5; ++i)
    count_message(report, letter(i, "author_id: post " + std::to_string(100 + i) + " is not in PostgreSQL", kNow + i * 1000), 3);
  count_message(report, letter(10, "value is not JSON", kNow + 50'000), 3);
  count_message(report, letter(11, "value is not JSON", kNow - 50'000, "cdc.posts"), 3);
  Message no_headers;
  no_headers.topic = "events.dlq";
  no_headers.offset = 12;
  no_headers.timestamp_ms = kNow;
  count_message(report, no_headers, 3);
  finish_list(report);

  CHECK(report.total == 8);
  REQUIRE(report.reasons.size() == 3);
  const auto& first = report.reasons[0];  // most frequent first
  CHECK(first.pattern == "author_id: post N is not in PostgreSQL");
  CHECK(first.count == 5);
  CHECK(first.by_source_topic == std::map<std::string, int64_t>{{"events", 5}});
  CHECK(first.first_ms == kNow);
  CHECK(first.last_ms == kNow + 4000);
  REQUIRE(first.samples.size() == 3);  // the first three
  CHECK(first.samples[0].position == "events.dlq[0]@0");
  CHECK(first.samples[2].reason == "author_id: post 102 is not in PostgreSQL");
  CHECK(first.samples[0].source == "events[3]@1000");

  const auto& json_kind = report.reasons[1];
  CHECK(json_kind.pattern == "value is not JSON");
  CHECK(json_kind.count == 2);
  CHECK(json_kind.by_source_topic == std::map<std::string, int64_t>{{"cdc.posts", 1}, {"events", 1}});
  CHECK(json_kind.first_ms == kNow - 50'000);
  CHECK(json_kind.last_ms == kNow + 50'000);
  CHECK(report.reasons[2].pattern.empty());
  CHECK(report.reasons[2].by_source_topic == std::map<std::string, int64_t>{{"", 1}});
}

TEST_CASE("dlq samples are trimmed on a UTF-8 boundary and kept on one line") {
  CHECK(trim_for_display("short", 10) == "short");
  CHECK(trim_for_display("0123456789abc", 10) == "0123456789…");
  // "é" is two bytes: a cut at byte 2 would split it.
  CHECK(trim_for_display("aéb", 2) == "a…");
  CHECK(trim_for_display("a\nb\tc\x01", 20) == "a\\nb\\tc\\x01");
  CHECK(escape_control(std::string("x\0y", 3)) == "x\\x00y");
}

TEST_CASE("dlq list renders counts and samples as text and JSON") {
  ListReport report;
  report.topics = {{"events.dlq", true, 3, 3}, {"cdc.dlq", false, 0, 0}};
  report.since_ms = kNow - 3'600'000;
  count_message(report, letter(1, "action: 'poke' is not one of impression, view", kNow), 2);
  count_message(report, letter(2, "action: 'tap' is not one of impression, view", kNow + 1000), 2);
  Message bad_bytes = letter(3, "value is not JSON", kNow);
  bad_bytes.value = std::string("\xff\xfe not json\n", 12);
  bad_bytes.key = std::nullopt;
  count_message(report, bad_bytes, 2);
  finish_list(report);

  const Json json = Json::parse(render_list_json(report));
  CHECK(json["total"] == 3);
  CHECK(json["since"] == nf::time::format_rfc3339(kNow - 3'600'000, true));
  CHECK(json["topics"][1]["exists"] == false);
  REQUIRE(json["reasons"].size() == 2);
  CHECK(json["reasons"][0]["reason"] == "action: '…' is not one of impression, view");
  CHECK(json["reasons"][0]["count"] == 2);
  CHECK(json["reasons"][0]["by_source_topic"]["events"] == 2);
  CHECK(json["reasons"][0]["samples"][1]["reason"] == "action: 'tap' is not one of impression, view");
  CHECK(json["reasons"][0]["samples"][0]["offset"] == 1);
  CHECK(json["reasons"][1]["samples"][0]["key"].is_null());
  CHECK(json["reasons"][1]["samples"][0]["value"].get<std::string>().find("not json\\n") != std::string::npos);

  const std::string text = render_list_text(report);
  CHECK_THAT(text, Catch::Contains("events.dlq (3 read), cdc.dlq (no such topic"));
  CHECK_THAT(text, Catch::Contains("     2  action: '…' is not one of impression, view"));
  CHECK_THAT(text, Catch::Contains("from events 2; first "));
  CHECK_THAT(text, Catch::Contains("events.dlq[0]@2  key key-2  value {\"n\":2}"));
  CHECK_THAT(text, Catch::Contains("dlq replay --reason"));

  ListReport empty;
  empty.topics = {{"events.dlq", true, 0, 0}};
  CHECK_THAT(render_list_text(empty), Catch::Contains("Nothing was dead-lettered"));
}

TEST_CASE("dlq show renders every message in full") {
  ShowReport report;
  report.topics = {{"events.dlq", true, 9, 2}};
  report.matched = 2;
  Message m = letter(4, "author_id: post 42 is not in PostgreSQL", kNow);
  m.value = std::string("{\"a\":1}\n");
  m.headers.push_back({"novafeed.replay.of", std::string("events.dlq[0]@1")});
  report.messages = {m};

  const std::string text = render_show_text(report);
  CHECK_THAT(text, Catch::Contains("events.dlq[0]@4  dead-lettered " + nf::time::format_rfc3339(kNow, true)));
  CHECK_THAT(text, Catch::Contains("  reason:  author_id: post 42 is not in PostgreSQL"));
  CHECK_THAT(text, Catch::Contains("  source:  events[3]@1004 (ingest group novafeed-ingest)"));
  CHECK_THAT(text, Catch::Contains("  value:   {\"a\":1}\\n"));
  CHECK_THAT(text, Catch::Contains("  header novafeed.replay.of: events.dlq[0]@1"));
  CHECK_THAT(text, Catch::Contains("1 of 2 matching dead letters shown"));

  const Json json = Json::parse(render_show_json(report));
  CHECK(json["matched"] == 2);
  CHECK(json["shown"] == 1);
  const auto& shown = json["messages"][0];
  CHECK(shown["partition"] == 0);
  CHECK(shown["offset"] == 4);
  CHECK(shown["source"]["topic"] == "events");
  CHECK(shown["source"]["partition"] == 3);
  CHECK(shown["source"]["offset"] == 1004);
  CHECK(shown["consumer_group"] == "novafeed-ingest");
  CHECK(shown["key"] == "key-4");
  CHECK(shown["value"] == "{\"a\":1}\n");
  CHECK(shown["headers"].size() == 6);

  ShowReport none;
  none.topics = {{"events.dlq", true, 9, 0}};
  CHECK_THAT(render_show_text(none), Catch::Contains("No dead letter in events.dlq (9 read) matches"));
}

TEST_CASE("dlq replay goes to the source topic and partition, or says why it cannot") {
  const std::map<std::string, int32_t> partitions = {{"events", 6}, {"cdc.posts", 3}, {"events.dlq", 1}};
  const std::vector<std::string> dlq = {"events.dlq", "cdc.dlq"};

  const auto target = replay_target(letter(1, "x", kNow), partitions, dlq);
  REQUIRE(target);
  CHECK(target->topic == "events");
  CHECK(target->partition == 3);
  CHECK(target->position == "events.dlq[0]@1");

  Message fewer = letter(2, "x", kNow, "cdc.posts");
  fewer.source_partition = 5;  // the topic has 3 partitions now: the partitioner decides
  CHECK(replay_target(fewer, partitions, dlq)->partition == -1);

  Message foreign;
  foreign.topic = "events.dlq";
  CHECK_THAT(replay_target(foreign, partitions, dlq).error(), Catch::Contains("no novafeed.source.topic header"));
  Message gone = letter(3, "x", kNow, "cdc.gone");
  CHECK_THAT(replay_target(gone, partitions, dlq).error(), Catch::Contains("does not exist"));
  Message loop = letter(4, "x", kNow, "events.dlq");
  CHECK_THAT(replay_target(loop, partitions, dlq).error(), Catch::Contains("is a dead-letter topic itself"));
}

TEST_CASE("dlq replay reports counts per source topic, what it skipped, and its exit code") {
  ReplayReport report;
  report.topics = {{"events.dlq", true, 10, 4}};
  report.matched = 4;
  report.replayed = {{"events.dlq[0]@1", "events", 3, "author_id: post 1 is not in PostgreSQL"},
                     {"events.dlq[0]@2", "events", 3, "author_id: post 2 is not in PostgreSQL"},
                     {"events.dlq[0]@3", "cdc.posts", -1, "source is missing"}};
  CHECK(report.per_topic() == std::map<std::string, int64_t>{{"cdc.posts", 1}, {"events", 2}});
  CHECK(exit_code(report) == nf::ExitCode::ok);

  std::string text = render_replay_text(report);
  CHECK_THAT(text, Catch::Contains("Replayed 3 of 4 selected dead letters from events.dlq (10 read) to their source "
                                   "topics: cdc.posts 1, events 2."));
  CHECK_THAT(text, Catch::Contains("events.dlq[0]@1 -> events[3]"));
  CHECK_THAT(text, Catch::Contains("events.dlq[0]@3 -> cdc.posts  source is missing"));

  report.skipped = {{"events.dlq[0]@9", "no novafeed.source.topic header"}};
  CHECK(exit_code(report) == nf::ExitCode::check_failed);
  report.dry_run = true;
  text = render_replay_text(report);
  CHECK_THAT(text, Catch::Contains("Would replay 3 of 4"));
  CHECK_THAT(text, Catch::Contains("Not replayed (1):\n  events.dlq[0]@9: no novafeed.source.topic header"));
  CHECK_THAT(text, Catch::Contains("Dry run: nothing was produced"));

  const Json json = Json::parse(render_replay_json(report));
  CHECK(json["dry_run"] == true);
  ReplayReport nothing;
  nothing.topics = {{"events.dlq", true, 10, 0}};
  CHECK(render_replay_text(nothing) == "No dead letter in events.dlq (10 read) matches: nothing replayed.\n");
  CHECK(json["matched"] == 4);
  CHECK(json["replayed"] == 3);
  CHECK(json["per_topic"]["events"] == 2);
  CHECK(json["messages"][2]["partition"].is_null());
  CHECK(json["skipped"][0]["position"] == "events.dlq[0]@9");
}
