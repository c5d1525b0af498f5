// Runs every POST /api/v1/events body under tests/data/events/ (see its README.md) through
// parse_batch and compares with the case's expected outcome; then the Kafka message text.
// RFC 3339 parsing itself is tested in tests/unit/time/rfc3339_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error/error.hpp"
#include "core/events/dedup.hpp"
#include "core/events/parse.hpp"
#include "core/ingest/event_decode.hpp"
#include "tests/support/run.hpp"

namespace {

using Json = nlohmann::json;

std::vector<std::filesystem::path> case_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(nf::test::source_dir() + "/tests/data/events"))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

Json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

void check_outcome(const Json& test_case, const nf::events::ParsedBatch& batch) {
  std::vector<size_t> valid;
  for (const auto& event : batch.valid) valid.push_back(event.index);
  if (test_case.contains("expect_valid")) CHECK(valid == test_case["expect_valid"].get<std::vector<size_t>>());

  for (const auto& expected : test_case.value("expect_events", Json::array())) {
    const auto index = expected.at("index").get<size_t>();
    const auto it = std::find_if(batch.valid.begin(), batch.valid.end(), [&](const auto& e) { return e.index == index; });
    INFO("expected event at index " << index);
    REQUIRE(it != batch.valid.end());
    CHECK(it->event_id == expected.at("event_id").get<std::string>());
    CHECK(it->post_id == expected.at("post_id").get<uint64_t>());
    CHECK(it->action == expected.at("action").get<std::string>());
    CHECK(it->ts_ms == expected.at("ts_ms").get<int64_t>());
    CHECK(it->dwell_ms == expected.at("dwell_ms").get<int64_t>());
  }

  const auto expected_rejected = test_case.value("expect_rejected", Json::array());
  REQUIRE(batch.rejected.size() == expected_rejected.size());
  for (size_t i = 0; i < expected_rejected.size(); ++i) {
    INFO("rejection " << i << ": " << batch.rejected[i].index << ": " << batch.rejected[i].error);
    CHECK(batch.rejected[i].index == expected_rejected[i].at("index").get<size_t>());
    CHECK_THAT(batch.rejected[i].error, Catch::Contains(expected_rejected[i].at("error_contains").get<std::string>()));
  }

  if (test_case.contains("expect_repeated")) {
    auto events = batch.valid;
    const size_t before = events.size();
    CHECK(nf::events::drop_repeated_ids(events) == test_case["expect_repeated"].get<size_t>());
    CHECK(events.size() == before - test_case["expect_repeated"].get<size_t>());
  }
}

}  // namespace

TEST_CASE("events: request bodies in tests/data/events parse to the expected events, rejections or errors", "[events]") {
  const auto files = case_files();
  REQUIRE(files.size() >= 18);
  const nf::events::Limits limits;  // the defaults the cases are written for
  for (const auto& path : files) {
    const Json test_case = read_json(path);
    INFO("case " << path.filename().string() << ": " << test_case.value("description", ""));
    const std::string body = test_case.contains("body_text") ? test_case["body_text"].get<std::string>()
                                                             : test_case.at("body").dump();
    const auto now_ms = test_case.at("now_ms").get<int64_t>();
    const auto user_id = test_case.at("user_id").get<uint64_t>();
    if (test_case.contains("expect_error")) {
      try {
        nf::events::parse_batch(body, user_id, limits, now_ms);
        FAIL("expected the whole request to be refused with " << test_case["expect_error"]);
      } catch (const nf::Error& e) {
        CHECK(e.code() == nf::ExitCode::usage);
        CHECK(e.reason() == test_case["expect_error"].get<std::string>());
        if (test_case.contains("expect_message_contains"))
          CHECK_THAT(std::string(e.what()), Catch::Contains(test_case["expect_message_contains"].get<std::string>()));
      }
    } else {
      check_outcome(test_case, nf::events::parse_batch(body, user_id, limits, now_ms));
    }
  }
}

TEST_CASE("events: event_message writes docs/events.md's JSON, which ingest decodes back", "[events]") {
  nf::events::Event event;
  event.event_id = "ev-1\"q\\";
  event.post_id = 1001;
  event.action = "like";
  event.ts_ms = 1795430400123;
  event.dwell_ms = 250;
  const auto text = nf::events::event_message(42, event);
  CHECK(text ==
        R"({"event_id":"ev-1\"q\\","user_id":42,"post_id":1001,"action":"like","ts":1795430400123,"dwell_ms":250})");

  const auto decoded = nf::ingest::decode_event(text);
  INFO((decoded ? "" : decoded.error()));
  REQUIRE(decoded.has_value());
  CHECK(decoded->event_id == event.event_id);
  CHECK(decoded->user_id == 42);
  CHECK(decoded->post_id == 1001);
  CHECK_FALSE(decoded->author_id.has_value());
  CHECK(decoded->ts == 1795430400u);
  CHECK(decoded->dwell_ms == 250u);
}

TEST_CASE("events: a control character in an event_id is escaped in the message", "[events]") {
  nf::events::Event event;
  event.event_id = std::string("a\nb\x01", 4);
  event.post_id = 1;
  event.action = "view";
  CHECK(nf::events::event_message(7, event) ==
        R"({"event_id":"a\u000ab\u0001","user_id":7,"post_id":1,"action":"view","ts":0,"dwell_ms":0})");
}

TEST_CASE("events: limits come from events.* options", "[events]") {
  nf::config::Config config;
  config.values["events.max_batch"] = {"10", "test"};
  config.values["events.max_age_days"] = {"2", "test"};
  config.values["events.max_future_s"] = {"60", "test"};
  const auto limits = nf::events::limits_from(config);
  CHECK(limits.max_batch == 10);
  CHECK(limits.max_age_ms == 2 * 86400000LL);
  CHECK(limits.max_future_ms == 60000);
  config.values["events.max_batch"] = {"0", "test"};
  CHECK_THROWS_AS(nf::events::limits_from(config), nf::Error);
}
