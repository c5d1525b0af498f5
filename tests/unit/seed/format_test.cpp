#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "core/error/error.hpp"
#include "core/seed/copy_format.hpp"
#include "core/seed/dataset.hpp"
#include "core/seed/event_json.hpp"
#include "core/seed/seed.hpp"

using namespace nf::seed;

TEST_CASE("seed copy format: text is escaped, timestamps are UTC literals") {
  std::string out;
  append_copy_text(out, "a\\b\tc\nd\re");
  CHECK(out == "a\\\\b\\tc\\nd\\re");

  out.clear();
  append_timestamp(out, 1795430400123);
  CHECK(out == "2026-11-23 10:40:00.123+00");
  out.clear();
  append_timestamp(out, 0);
  CHECK(out == "1970-01-01 00:00:00.000+00");
  out.clear();
  append_timestamp(out, 951782400000 - 1);  // 2000-02-29T00:00:00Z minus 1 ms: leap year
  CHECK(out == "2000-02-28 23:59:59.999+00");
  CHECK(iso_timestamp(1709164800000) == "2024-02-29T00:00:00.000Z");

  out.clear();
  append_copy_line(out, UserRow{42, 0});
  CHECK(out == "42\tuser42\tUser 42\t1970-01-01 00:00:00.000+00\n");
  out.clear();
  append_copy_line(out, CommentRow{3, 9, 4, 0, "tab\there"});
  CHECK(out == "3\t9\t4\ttab\\there\t1970-01-01 00:00:00.000+00\n");
}

TEST_CASE("seed events: the message follows docs/events.md exactly") {
  const EventRow event{17, 42, 1001, 7, Action::view, 1795430400123, 1500};
  std::string value, key;
  append_event_json(value, 9, event);
  append_event_key(key, event);
  CHECK(key == "42");  // the user id as decimal text
  CHECK(value ==
        R"({"event_id":"seed9-17","user_id":42,"post_id":1001,"author_id":7,"action":"view","ts":1795430400123,"dwell_ms":1500})");

  const auto json = nlohmann::json::parse(value);
  CHECK(json.size() == 7);
  CHECK(json["event_id"].is_string());
  CHECK(json["event_id"].get<std::string>().size() <= 64);
  for (const char* field : {"user_id", "post_id", "author_id", "ts", "dwell_ms"})
    CHECK(json[field].is_number_unsigned());
  CHECK(json["ts"].get<int64_t>() == 1795430400123);

  const std::set<std::string> actions = {"impression", "view", "like", "comment", "share"};
  for (const Action a : {Action::impression, Action::view, Action::like, Action::comment, Action::share})
    CHECK(actions.count(std::string(action_name(a))) == 1);

  // The longest id the seed can make fits the 64-byte limit.
  CHECK(event_id(UINT64_MAX, UINT64_MAX).size() <= 64);
}

TEST_CASE("seed --now: epoch seconds or UTC ISO time, anything else is a usage error") {
  CHECK(parse_now("1795430400") == 1795430400000);
  CHECK(parse_now("2026-11-23T10:40:00Z") == 1795430400000);
  CHECK(parse_now("2026-11-23T10:40Z") == 1795430400000);
  CHECK(current_hour_ms() % kHourMs == 0);
  for (const char* bad : {"", "yesterday", "2026-11-23 10:00:00", "2026-13-01T00:00Z", "-5"}) {
    INFO(bad);
    try {
      parse_now(bad);
      FAIL("expected a usage error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("--now"));
    }
  }
}
