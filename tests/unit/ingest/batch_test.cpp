#include <catch2/catch.hpp>

#include "core/ingest/batch.hpp"
#include "core/ingest/feed_invalidation.hpp"
#include "core/redis/keys.hpp"
#include "core/ingest/ingest_loop.hpp"
#include "core/ingest/postgres_lookups.hpp"
#include "core/config/config.hpp"
#include "core/error/error.hpp"

TEST_CASE("ingest: a batch keeps one JSONEachRow body per table and each partition's offset range") {
  nf::ingest::PendingBatch batch;
  CHECK(batch.empty());
  batch.note_message({"events", 2}, 10);
  batch.note_message({"events", 2}, 11);
  batch.note_message({"events", 2}, 9);  // out of order (a rewind): the range still covers it
  batch.note_message({"cdc.posts", 0}, 5);
  batch.add_row("events", {{"event_id", "a"}});
  batch.add_row("events", {{"event_id", "b\n"}});
  CHECK(batch.messages() == 4);
  CHECK(batch.tables["events"].rows == 2);
  CHECK(batch.tables["events"].body == "{\"event_id\":\"a\"}\n{\"event_id\":\"b\\n\"}\n");
  const auto& range = batch.offsets.at({"events", 2});
  CHECK(range.first == 9);
  CHECK(range.next == 12);  // the offset to commit: after the last message
  CHECK(batch.offsets.at({"cdc.posts", 0}).next == 6);
  batch.clear();
  CHECK(batch.empty());
  CHECK(batch.tables.empty());
  CHECK(batch.offsets.empty());
}

TEST_CASE("ingest: routes map cdc.{table} topics to their tables and dead-letter topics") {
  nf::config::Sources sources;
  sources.flag_settings = {"cdc.topic_format=cdc.{table}", "ingest.cdc_dlq_topic=c.dlq", "ingest.events_dlq_topic=e.dlq"};
  const auto config = nf::config::load(sources);
  const auto all = nf::ingest::routes_for(config, "all");
  REQUIRE(all.size() == 6);
  CHECK(all.at("cdc.posts").table->name == "posts");
  CHECK(all.at("cdc.follows").dlq_topic == "c.dlq");
  CHECK(all.at("events").table == nullptr);
  CHECK(all.at("events").dlq_topic == "e.dlq");
  CHECK(nf::ingest::routes_for(config, "events").size() == 1);
  CHECK(nf::ingest::routes_for(config, "cdc").count("events") == 0);

  sources.flag_settings.push_back("cdc.tables=posts,bookmarks");
  CHECK_THROWS_WITH(nf::ingest::routes_for(nf::config::load(sources), "cdc"), Catch::Contains("'bookmarks'"));
}

TEST_CASE("ingest: cache keys and PostgreSQL array parameters") {
  CHECK(nf::redis::feed_key(42) == "feed:v1:42");
  CHECK(nf::ingest::pg_bigint_array({3, 1, 2}) == "{1,2,3}");
  CHECK(nf::ingest::pg_bigint_array({}) == "{}");
}
