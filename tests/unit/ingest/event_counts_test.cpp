#include <catch2/catch.hpp>

#include "core/error/error.hpp"
#include "core/ingest/batch.hpp"
#include "core/ingest/event_counts.hpp"

namespace {

nf::ingest::Event event(std::string id, std::string action, uint64_t post = 7, uint64_t user = 3) {
  nf::ingest::Event e;
  e.event_id = std::move(id);
  e.user_id = user;
  e.post_id = post;
  e.action = std::move(action);
  e.ts = 1764800000;
  return e;
}

}  // namespace

TEST_CASE("event counts: every action but a view is counted, with its Enum8 code and the resolved author") {
  using nf::ingest::counted_event;
  CHECK_FALSE(counted_event(event("a", "view"), 9).has_value());
  CHECK_FALSE(counted_event(event("a", "poke"), 9).has_value());
  const std::vector<std::pair<std::string, int>> codes = {{"impression", 1}, {"like", 3}, {"comment", 4}, {"share", 5}};
  for (const auto& [action, code] : codes) {
    const auto counted = counted_event(event("a", action), 9);
    REQUIRE(counted.has_value());
    CHECK(counted->action == code);
    CHECK(counted->author_id == 9);
    CHECK(counted->user_id == 3);
    CHECK(counted->post_id == 7);
    CHECK(counted->ts == 1764800000);
  }
}

TEST_CASE("event counts: a batch counts each (post, action, event id) once, the first occurrence") {
  using nf::ingest::counted_event;
  std::vector<nf::ingest::CountedEvent> batch = {
      *counted_event(event("a", "like"), 9),         *counted_event(event("a", "like", 7, 4), 9),  // a resend
      *counted_event(event("a", "impression"), 9),  // the same id, another action: another event
      *counted_event(event("a", "like", 8), 9),      // the same id on another post
      *counted_event(event("b", "like"), 9),
  };
  const auto unique = nf::ingest::unique_keys(batch);
  REQUIRE(unique.size() == 4);
  CHECK(unique[0].user_id == 3);  // the first one kept
  CHECK(unique[1].action == 1);
  CHECK(unique[2].post_id == 8);
  CHECK(unique[3].event_id == "b");
}

TEST_CASE("event counts: the events event_keys holds are left out, the rest kept in order") {
  using nf::ingest::counted_event;
  const std::vector<nf::ingest::CountedEvent> batch = {*counted_event(event("a", "like"), 9),
                                                       *counted_event(event("b", "like"), 9),
                                                       *counted_event(event("c", "share"), 9)};
  // Rows as ClickHouse's JSON answers them (UInt64 quoted, UInt8 not).
  const std::vector<nlohmann::json> counted = {{{"post_id", "7"}, {"action", 3}, {"event_id", "b"}},
                                               {{"post_id", "7"}, {"action", 3}, {"event_id", "c"}}};
  const auto rest = nf::ingest::not_counted(batch, counted);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].event_id == "a");
  CHECK(rest[1].event_id == "c");  // counted as a like, not as a share
  CHECK(nf::ingest::not_counted(batch, {}).size() == 3);
  CHECK_THROWS_AS(nf::ingest::not_counted(batch, {{{"post_id", "7"}}}), nf::Error);
}

TEST_CASE("event counts: ids with tabs, newlines and backslashes travel as TabSeparated reads them") {
  CHECK(nf::ch::tsv_field("plain, it's") == "plain, it's");
  CHECK(nf::ch::tsv_field("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re");
  CHECK(nf::ch::tsv_field(std::string("x\0y", 3)) == "x\\0y");
  CHECK(nf::ch::quote("it's\r") == "'it\\'s\\r'");
  using nf::ingest::counted_event;
  const auto body = nf::ingest::event_keys_in_body({*counted_event(event("t\tab", "comment"), 9)});
  CHECK(body == "7\tcomment\tt\\tab\t3\t9\t1764800000\n");
  const auto query = nf::ingest::counted_already_query({*counted_event(event("t\tab", "comment"), 9)});
  REQUIRE(query.tables.size() == 1);
  CHECK(query.tables[0].rows == "7\t4\tt\\tab\n");
  CHECK(query.tables[0].structure == "post_id UInt64, action UInt8, event_id String");
}

TEST_CASE("event counts: a batch's events go to `events` and, but for views, to the counted list") {
  nf::ingest::PendingBatch batch;
  batch.add_event(event("a", "like"), 9, 1764800001);
  batch.add_event(event("b", "view"), 9, 1764800001);
  CHECK(batch.tables.at("events").rows == 2);
  REQUIRE(batch.counted_events.size() == 1);
  CHECK(batch.counted_events[0].event_id == "a");
  batch.clear();
  CHECK(batch.counted_events.empty());
}
