// The intake's fast path (core/events/plain_batch.hpp) against the general parser: wherever
// the fast path answers, the general parser must accept the same body whole and give the
// same events. Bodies: the case files of tests/data/events, hand-picked shapes, and random
// mutations of plain bodies (a deleted, inserted or replaced byte).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "core/error/error.hpp"
#include "core/events/parse.hpp"
#include "core/events/plain_batch.hpp"
#include "tests/support/run.hpp"

namespace {

constexpr int64_t kNow = 1'796'400'000'000;
constexpr uint64_t kUser = 42;

std::string describe(const nf::events::Event& e) {
  return std::to_string(e.index) + "|" + e.event_id + "|" + std::to_string(e.post_id) + "|" + e.action + "|" +
         std::to_string(e.ts_ms) + "|" + std::to_string(e.dwell_ms);
}

// Empty when the fast path declines or agrees with the general parser; else what differs.
std::string disagreement(const std::string& body, const nf::events::Limits& limits = {}) {
  const auto fast = nf::events::parse_plain_batch(body, kUser, limits, kNow);
  if (!fast) return "";
  nf::events::ParsedBatch general;
  try {
    general = nf::events::parse_batch_tree(body, kUser, limits, kNow);
  } catch (const nf::Error& e) {
    return std::string("the fast path took a body the general parser refuses: ") + e.what();
  }
  if (!general.rejected.empty()) return "the fast path took a body with a rejected event: " + general.rejected[0].error;
  if (general.valid.size() != fast->valid.size()) return "event counts differ";
  for (size_t i = 0; i < fast->valid.size(); ++i)
    if (describe(fast->valid[i]) != describe(general.valid[i]))
      return "event " + std::to_string(i) + ": " + describe(fast->valid[i]) + " vs " + describe(general.valid[i]);
  return "";
}

std::string plain_body(int events, const std::string& space = "") {
  std::string body = "[" + space;
  for (int i = 0; i < events; ++i) {
    if (i) body += "," + space;
    body += "{\"event_id\":" + space + "\"run-t0-" + std::to_string(i) + "\"," + space + "\"post_id\":" +
            std::to_string(900000001 + i) + ",\"action\":\"" + (i % 2 ? "like" : "view") +
            "\",\"ts\":" + std::to_string(kNow - 1000 * i) + (i % 3 ? ",\"dwell_ms\":1500" : "") + "}";
  }
  return body + space + "]";
}

}  // namespace

TEST_CASE("events plain batch: the plain shape is read by the fast path, with the general parser's events") {
  for (const auto& body : {plain_body(1), plain_body(100), plain_body(7, " \n\t"),
                           std::string(R"([{"ts":1796399999000,"action":"share","post_id":5,"event_id":"x","user_id":42}])"),
                           std::string(R"( [ { "event_id" : "e" , "post_id" : 1 , "action" : "view" , "ts" : 1796400000000 , "dwell_ms" : 0 } ] )")}) {
    INFO(body.substr(0, 200));
    REQUIRE(nf::events::parse_plain_batch(body, kUser, {}, kNow).has_value());
    CHECK(disagreement(body).empty());
    CHECK(nf::events::parse_batch(body, kUser, {}, kNow).valid.size() ==
          nf::events::parse_plain_batch(body, kUser, {}, kNow)->valid.size());
  }
}

TEST_CASE("events plain batch: anything but a whole plain valid batch is left to the general parser") {
  nf::events::Limits two;
  two.max_batch = 2;
  CHECK_FALSE(nf::events::parse_plain_batch(plain_body(3), kUser, two, kNow).has_value());  // too many: its error
  for (const std::string body : {
           R"({"events":[{"event_id":"a","post_id":1,"action":"view","ts":1796400000000}]})",  // wrapped
           R"([{"event_id":"a\"b","post_id":1,"action":"view","ts":1796400000000}])",          // an escape
           "[{\"event_id\":\"caf\xc3\xa9\",\"post_id\":1,\"action\":\"view\",\"ts\":1796400000000}]",  // non-ASCII
           R"([{"event_id":"a","post_id":1,"action":"view","ts":"2026-12-04T10:00:00Z"}])",   // RFC 3339 ts
           R"([{"event_id":"a","post_id":1,"action":"view","ts":1796400000000,"extra":1}])",  // unknown field
           R"([{"event_id":"a","post_id":1,"action":"view","ts":1796400000000,"dwell_ms":null}])",
           R"([{"event_id":"a","post_id":1.0,"action":"view","ts":1796400000000}])",
           R"([{"event_id":"a","post_id":1e3,"action":"view","ts":1796400000000}])",
           R"([{"event_id":"a","post_id":-1,"action":"view","ts":1796400000000}])",
           R"([{"event_id":"a","post_id":01,"action":"view","ts":1796400000000}])",
           R"([{"event_id":"a","post_id":0,"action":"view","ts":1796400000000}])",            // an event to refuse
           R"([{"event_id":"a","post_id":1,"action":"poke","ts":1796400000000}])",
           R"([{"event_id":"","post_id":1,"action":"view","ts":1796400000000}])",
           R"([{"event_id":"a","post_id":1,"action":"view","ts":1}])",
           R"([{"event_id":"a","post_id":1,"action":"view","ts":1796400000000,"user_id":7}])",
           R"([{"event_id":"a","post_id":1,"action":"view"}])",                                 // ts missing
           R"([{"event_id":"a","event_id":"b","post_id":1,"action":"view","ts":1796400000000}])",  // a repeated key
           R"([{"event_id":"a","post_id":1234567890123456789,"action":"view","ts":1796400000000}])",  // 19 digits
           R"([{"event_id":"a","post_id":1,"action":"view","ts":1796400000000}] x)",            // trailing text
           R"([{"event_id":"a","post_id":1,"action":"view","ts":1796400000000},])",
           "[]", "[{}]", "", "{}", "null"}) {
    INFO(body);
    CHECK_FALSE(nf::events::parse_plain_batch(body, kUser, {}, kNow).has_value());
  }
  const std::string long_id(65, 'x');
  CHECK_FALSE(nf::events::parse_plain_batch(
                  R"([{"event_id":")" + long_id + R"(","post_id":1,"action":"view","ts":1796400000000}])", kUser, {}, kNow)
                  .has_value());
}

TEST_CASE("events plain batch: never more lenient than the general parser, on the case files and 30,000 mutations") {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(nf::test::source_dir() + "/tests/data/events")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    // A case file holds the body under "body" (a string) or is itself the body; either way
    // both parsers see the same bytes.
    INFO(entry.path().filename().string());
    CHECK(disagreement(text.str()).empty());
    ++files;
  }
  CHECK(files > 0);

  std::mt19937 random(20261204);
  const std::string alphabet = "0123456789\"{}[],: \\-.eEaxnul\t\x80";
  const std::vector<std::string> seeds = {plain_body(1), plain_body(3), plain_body(2, " ")};
  size_t taken = 0;
  for (int round = 0; round < 30000; ++round) {
    std::string body = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = random() % body.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0: body.erase(at, 1); break;
        case 1: body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: body[at] = c;
      }
      if (body.empty()) body = "[";
    }
    const auto problem = disagreement(body);
    if (!problem.empty()) FAIL(problem << "\nbody: " << body);
    if (nf::events::parse_plain_batch(body, kUser, {}, kNow)) ++taken;
  }
  INFO(taken << " of 30000 mutated bodies taken by the fast path");
  CHECK(taken > 1000);  // the mutations that keep a valid batch (a digit in an id, a space) exercise it
}
