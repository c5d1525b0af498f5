// Runs every decoding case under tests/data/ingest/ (see its README.md): Debezium
// envelopes to CDC rows, events messages to events rows.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/ingest/cdc_decode.hpp"
#include "core/ingest/event_decode.hpp"
#include "tests/support/run.hpp"

namespace {

using Json = nlohmann::json;

std::vector<std::filesystem::path> case_files(const std::string& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(nf::test::source_dir() + "/tests/data/ingest/" + folder))
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

// The message value as the decoder receives it: raw text, JSON text, or null.
std::optional<std::string> value_of(const Json& test_case) {
  if (test_case.contains("value_text")) return test_case["value_text"].get<std::string>();
  if (test_case["value"].is_null()) return std::nullopt;
  return test_case["value"].dump();
}

}  // namespace

TEST_CASE("ingest: Debezium envelopes in tests/data/ingest/cdc decode to the expected rows or reasons") {
  const auto files = case_files("cdc");
  REQUIRE(files.size() >= 20);
  for (const auto& path : files) {
    const Json test_case = read_json(path);
    INFO("case " << path.filename().string());
    const auto* table = nf::ingest::find_cdc_table(test_case.at("table").get<std::string>());
    REQUIRE(table != nullptr);
    const std::string key = test_case.contains("key") ? test_case["key"].dump() : "";
    const auto value = value_of(test_case);
    const auto decoded = nf::ingest::decode_cdc_message(
        *table, key, value ? std::optional<std::string_view>(*value) : std::nullopt);
    if (test_case.contains("expect_error")) {
      REQUIRE_FALSE(decoded.has_value());
      CHECK_THAT(decoded.error(), Catch::Contains(test_case["expect_error"].get<std::string>()));
    } else if (test_case.value("expect_tombstone", false)) {
      REQUIRE(decoded.has_value());
      CHECK_FALSE(decoded->has_value());
    } else {
      INFO((decoded ? "" : decoded.error()));
      REQUIRE(decoded.has_value());
      REQUIRE(decoded->has_value());
      const auto& change = **decoded;
      CHECK(change.row == test_case.at("expect"));
      INFO("got " << change.row.dump());
      CHECK(change.version == test_case["expect"]["_version"].get<uint64_t>());
      CHECK(change.deleted == (test_case["expect"]["_deleted"].get<int>() == 1));
      CHECK(std::string(1, change.op) == test_case["value"]["op"].get<std::string>());
    }
  }
}

TEST_CASE("ingest: events messages in tests/data/ingest/events decode to the expected rows or reasons") {
  const auto files = case_files("events");
  REQUIRE(files.size() >= 20);
  for (const auto& path : files) {
    const Json test_case = read_json(path);
    INFO("case " << path.filename().string());
    const auto value = value_of(test_case);
    REQUIRE(value.has_value());
    const auto event = nf::ingest::decode_event(*value);
    if (test_case.contains("expect_error")) {
      REQUIRE_FALSE(event.has_value());
      CHECK_THAT(event.error(), Catch::Contains(test_case["expect_error"].get<std::string>()));
      continue;
    }
    INFO((event ? "" : event.error()));
    REQUIRE(event.has_value());
    const Json& expect = test_case.at("expect");
    Json row = nf::ingest::event_row(*event, event->author_id.value_or(0), 123);
    CHECK(row["received_at"] == 123);
    row.erase("received_at");
    if (!event->author_id) row["author_id"] = nullptr;
    CHECK(row == expect);
    INFO("got " << row.dump());
  }
}
