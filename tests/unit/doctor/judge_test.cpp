// What the doctor concludes from what it found: connector states, the replication slot,
// the publication, the topics and wal_level.

#include <catch2/catch.hpp>

#include "core/doctor/checks.hpp"

using nf::doctor::Status;

namespace {

nf::connect::ConnectorStatus connector(const std::string& state, std::vector<std::string> task_states) {
  nf::connect::ConnectorStatus status;
  status.name = "novafeed-postgres";
  status.state = state;
  int id = 0;
  for (const auto& task_state : task_states) status.tasks.push_back({id++, task_state, "w:8083", ""});
  return status;
}

const std::string kUrl = "http://connect:8083";

}  // namespace

TEST_CASE("doctor connector: RUNNING with every task RUNNING is ok") {
  const auto r = nf::doctor::judge_connector("novafeed-postgres", connector("RUNNING", {"RUNNING", "RUNNING"}), kUrl);
  CHECK(r.status == Status::ok);
  CHECK(r.detail == "novafeed-postgres RUNNING, 2/2 tasks RUNNING");
  CHECK(r.figures["running_tasks"] == 2);
}

TEST_CASE("doctor connector: a failed task names the task, its first trace line and the fix") {
  auto status = connector("RUNNING", {"RUNNING", "FAILED", "FAILED"});
  status.tasks[1].trace =
      "org.apache.kafka.connect.errors.ConnectException: An exception occurred\n\tat io.debezium.Foo(Foo.java:1)\n";
  const auto r = nf::doctor::judge_connector("novafeed-postgres", status, kUrl);
  CHECK(r.status == Status::fail);
  CHECK(r.detail ==
        "novafeed-postgres task 1 FAILED: org.apache.kafka.connect.errors.ConnectException: An exception occurred "
        "(and 1 more failed tasks)");
  CHECK(r.hint == "novafeed connectors restart --failed");
}

TEST_CASE("doctor connector: other states") {
  SECTION("missing") {
    const auto r = nf::doctor::judge_connector("novafeed-postgres", std::nullopt, kUrl);
    CHECK(r.status == Status::fail);
    CHECK_THAT(r.detail, Catch::Contains("does not exist"));
    CHECK(r.hint == "novafeed connectors apply --wait");
  }
  SECTION("connector FAILED") {
    auto status = connector("FAILED", {});
    status.trace = "java.lang.IllegalStateException: slot in use\n\tat ...";
    const auto r = nf::doctor::judge_connector("novafeed-postgres", status, kUrl);
    CHECK(r.status == Status::fail);
    CHECK(r.detail == "novafeed-postgres FAILED: java.lang.IllegalStateException: slot in use");
  }
  SECTION("paused: resume at the configured URL") {
    const auto r = nf::doctor::judge_connector("novafeed-postgres", connector("PAUSED", {"PAUSED"}), kUrl);
    CHECK(r.status == Status::fail);
    CHECK_THAT(r.hint, Catch::Contains("curl -X PUT http://connect:8083/connectors/novafeed-postgres/resume"));
  }
  SECTION("restarting or unassigned: a warning, not unhealthy") {
    CHECK(nf::doctor::judge_connector("c", connector("RESTARTING", {"RUNNING"}), kUrl).status == Status::warn);
    CHECK(nf::doctor::judge_connector("c", connector("RUNNING", {"UNASSIGNED"}), kUrl).status == Status::warn);
    CHECK(nf::doctor::judge_connector("c", connector("RUNNING", {}), kUrl).status == Status::warn);
  }
  SECTION("a failed task wins over a restarting one") {
    CHECK(nf::doctor::judge_connector("c", connector("RUNNING", {"RESTARTING", "FAILED"}), kUrl).status ==
          Status::fail);
  }
}

TEST_CASE("doctor slot: exists, active, and WAL retained against doctor.max_slot_lag_bytes") {
  nf::doctor::SlotState state;
  state.active = true;
  state.plugin = "pgoutput";
  state.retained_wal_bytes = 1536;
  state.wal_status = "reserved";

  auto r = nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024);
  CHECK(r.status == Status::ok);
  CHECK(r.detail == "replication slot novafeed_slot active, retains 1.5 KiB of WAL (limit 1.0 MiB)");
  CHECK(r.figures["retained_wal_bytes"] == 1536);

  state.retained_wal_bytes = 3LL * 1024 * 1024 * 1024;
  r = nf::doctor::judge_slot("novafeed_slot", state, 1024LL * 1024 * 1024);
  CHECK(r.status == Status::fail);
  CHECK_THAT(r.detail, Catch::Contains("retains 3.0 GiB of WAL, above 1.0 GiB (doctor.max_slot_lag_bytes)"));

  state.retained_wal_bytes = 10;
  state.active = false;
  r = nf::doctor::judge_slot("novafeed_slot", state, 1024);
  CHECK(r.status == Status::fail);
  CHECK_THAT(r.detail, Catch::Contains("inactive"));

  state.wal_status = "lost";
  CHECK(nf::doctor::judge_slot("novafeed_slot", state, 1024).status == Status::fail);

  r = nf::doctor::judge_slot("novafeed_slot", std::nullopt, 1024);
  CHECK(r.status == Status::fail);
  CHECK_THAT(r.detail, Catch::Contains("does not exist"));
}

TEST_CASE("doctor slot: stalled when active, WAL unconfirmed and Debezium's heartbeat older than two intervals") {
  nf::doctor::SlotState state;
  state.active = true;
  state.plugin = "pgoutput";
  state.retained_wal_bytes = 4096;
  state.unconfirmed_wal_bytes = 2048;
  state.active_pid = 3155;
  state.heartbeat_age_ms = 25'001;  // interval 10 s: 2 x 10 s + 5 s grace

  auto r = nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024, 10'000);
  CHECK(r.status == Status::fail);
  CHECK_THAT(r.detail, Catch::Contains("is stalled") && Catch::Contains("pid 3155") && Catch::Contains("25 s old"));
  CHECK_THAT(r.hint, Catch::Contains("pg_terminate_backend(3155)"));
  CHECK(r.figures["stalled"] == true);

  SECTION("a heartbeat within the bound is a streaming slot") {
    state.heartbeat_age_ms = 25'000;
    CHECK(nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024, 10'000).status == Status::ok);
  }
  SECTION("nothing unconfirmed: an idle database, nothing to stream") {
    state.unconfirmed_wal_bytes = 0;
    CHECK(nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024, 10'000).status == Status::ok);
  }
  SECTION("no heartbeat table or row: not judged from it") {
    state.heartbeat_age_ms.reset();
    const auto judged = nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024, 10'000);
    CHECK(judged.status == Status::ok);
    CHECK(judged.figures["heartbeat_age_ms"].is_null());
  }
  SECTION("a walsender that has just connected (a task that just took the slot) is given time to beat") {
    state.walsender_age_ms = 3'000;
    CHECK(nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024, 10'000).status == Status::ok);
    state.walsender_age_ms = 60'000;
    CHECK(nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024, 10'000).status == Status::fail);
  }
  SECTION("the bound follows the configured interval") {
    state.heartbeat_age_ms = 40'000;
    CHECK(nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024, 30'000).status == Status::ok);
    CHECK(nf::doctor::judge_slot("novafeed_slot", state, 1024 * 1024, 10'000).status == Status::fail);
  }
}

TEST_CASE("doctor publication: must cover the CDC tables") {
  const std::vector<std::string> expected = {"public.users", "public.posts"};
  nf::doctor::PublicationState state;
  state.tables = {"public.novafeed_heartbeat", "public.posts", "public.users"};
  CHECK(nf::doctor::judge_publication("novafeed_cdc", state, expected).status == Status::ok);

  state.tables = {"public.users"};
  const auto r = nf::doctor::judge_publication("novafeed_cdc", state, expected);
  CHECK(r.status == Status::fail);
  CHECK(r.detail == "publication novafeed_cdc lacks public.posts (cdc.tables)");

  state.all_tables = true;
  CHECK(nf::doctor::judge_publication("novafeed_cdc", state, expected).status == Status::ok);
  CHECK(nf::doctor::judge_publication("novafeed_cdc", std::nullopt, expected).status == Status::fail);
}

TEST_CASE("doctor topics: every required topic present") {
  nf::kafka::ClusterMetadata metadata;
  metadata.topics = {{"cdc.users", {{0, 1, 1, 1, ""}, {1, 1, 1, 1, ""}}, ""}, {"events", {{0, 1, 1, 1, ""}}, ""}};
  auto r = nf::doctor::judge_topics(metadata, {"cdc.users", "events"});
  CHECK(r.status == Status::ok);
  CHECK(r.figures["partitions"]["cdc.users"] == 2);

  r = nf::doctor::judge_topics(metadata, {"cdc.users", "cdc.posts", "events", "cdc.likes"});
  CHECK(r.status == Status::fail);
  CHECK(r.detail == "missing topics: cdc.posts, cdc.likes");
}

TEST_CASE("doctor required topics come from cdc.tables, cdc.topic_format and kafka.events_topic") {
  nf::config::Sources sources;
  CHECK(nf::doctor::required_topics(nf::config::load(sources)) ==
        std::vector<std::string>{"cdc.users", "cdc.posts", "cdc.follows", "cdc.likes", "cdc.comments", "events"});
  sources.flag_settings = {"cdc.tables=posts", "cdc.topic_format=prod.{table}.v1", "kafka.events_topic=ev"};
  CHECK(nf::doctor::required_topics(nf::config::load(sources)) == std::vector<std::string>{"prod.posts.v1", "ev"});
}

TEST_CASE("doctor wal_level must be logical") {
  CHECK(nf::doctor::judge_wal_level("logical").status == Status::ok);
  const auto r = nf::doctor::judge_wal_level("replica");
  CHECK(r.status == Status::fail);
  CHECK_THAT(r.hint, Catch::Contains("wal_level = logical"));
}

TEST_CASE("doctor errors become results: unreachable keeps its kind, others fail") {
  const auto down = nf::doctor::result_from_error(
      "redis", nf::Error(nf::ExitCode::unreachable, "Redis at h:1/0 is unreachable: Connection refused (is it running? `scripts/stack status`)"),
      "start it");
  CHECK(down.status == Status::unreachable);
  CHECK(down.detail == "Redis at h:1/0 is unreachable: Connection refused");
  CHECK(down.hint == "start it");
  const auto broken = nf::doctor::result_from_error("kafka", std::runtime_error("first\nsecond"), "start it");
  CHECK(broken.status == Status::fail);
  CHECK(broken.detail == "first");
  CHECK(broken.hint.empty());
}

TEST_CASE("doctor human_bytes") {
  CHECK(nf::doctor::human_bytes(0) == "0 B");
  CHECK(nf::doctor::human_bytes(1023) == "1023 B");
  CHECK(nf::doctor::human_bytes(1024) == "1.0 KiB");
  CHECK(nf::doctor::human_bytes(1073741824) == "1.0 GiB");
}

TEST_CASE("doctor: jobs: stale or failing fails, never run only warns, all fresh is ok") {
  const auto status = [](std::string job, std::string verdict) {
    nf::jobs::JobStatus s;
    s.job = std::move(job);
    s.verdict = std::move(verdict);
    s.interval_s = 60;
    return s;
  };
  const auto fresh = nf::doctor::judge_jobs({status("hot-posts", "ok"), status("retention", "running")});
  CHECK(fresh.status == nf::doctor::Status::ok);
  const auto never = nf::doctor::judge_jobs({status("hot-posts", "ok"), status("retention", "never_run")});
  CHECK(never.status == nf::doctor::Status::warn);
  CHECK_THAT(never.detail, Catch::Contains("retention"));
  const auto bad = nf::doctor::judge_jobs(
      {status("hot-posts", "stale"), status("feed-warmer", "failing"), status("retention", "never_run")});
  CHECK(bad.status == nf::doctor::Status::fail);
  CHECK_THAT(bad.detail, Catch::Contains("three intervals: hot-posts") && Catch::Contains("failed: feed-warmer"));
  CHECK_THAT(bad.hint, Catch::Contains("jobs status"));
  CHECK(bad.figures["jobs"]["hot-posts"]["verdict"] == "stale");
}

TEST_CASE("doctor lag: the sum over topics and partitions against doctor.max_consumer_lag, a group that never committed warns") {
  std::vector<nf::kafka::PartitionLag> lags = {{"events", 0, 90, 0, 100, 10, 42'000}, {"events", 1, 50, 0, 55, 5, 7'000},
                                               {"cdc.posts", 0, 7, 0, 7, 0, std::nullopt}};
  auto r = nf::doctor::judge_lag("novafeed-ingest", lags, 100);
  CHECK(r.status == Status::ok);
  CHECK(r.figures["lag"] == 15);
  CHECK(r.figures["topics"]["events"]["lag"] == 15);
  CHECK(r.figures["topics"]["events"]["partitions"].size() == 2);
  r = nf::doctor::judge_lag("novafeed-ingest", lags, 14);
  CHECK(r.status == Status::fail);
  CHECK_THAT(r.detail, Catch::Contains("15 messages behind (most on events: 15, the oldest unread 42 s old)"));
  CHECK(r.figures["seconds_behind"] == 42.0);
  for (auto& lag : lags) lag.committed = -1, lag.behind_ms.reset();
  r = nf::doctor::judge_lag("novafeed-ingest", lags, 14);
  CHECK(r.status == Status::warn);
  CHECK_THAT(r.detail, Catch::Contains("has committed nothing"));
}

TEST_CASE("doctor dlq: any dead letter in the last hour is a warning naming the topics") {
  auto r = nf::doctor::judge_dead_letters({{"events.dlq", 0}, {"cdc.dlq", 0}});
  CHECK(r.status == Status::ok);
  CHECK(r.figures["total"] == 0);
  r = nf::doctor::judge_dead_letters({{"events.dlq", 2}, {"cdc.dlq", 1}});
  CHECK(r.status == Status::warn);
  CHECK_THAT(r.detail, Catch::Contains("3 messages dead-lettered in the last hour (events.dlq 2, cdc.dlq 1)"));
  CHECK(r.figures["last_hour"]["events.dlq"] == 2);
}

TEST_CASE("doctor: the cache hit rate of the last hour, judged only over enough requests") {
  const std::string url = "http://127.0.0.1:8080";
  const auto none = nf::doctor::judge_cache(url, std::nullopt);
  CHECK(none.status == Status::warn);
  CHECK_THAT(none.detail, Catch::Contains("no serve answers at http://127.0.0.1:8080"));
  const auto few = nf::doctor::judge_cache(url, nlohmann::json{{"feed_requests", 99}, {"cache_hits", 0}});
  CHECK(few.status == Status::ok);
  CHECK_THAT(few.detail, Catch::Contains("too few to judge"));
  const auto low = nf::doctor::judge_cache(url, nlohmann::json{{"feed_requests", 1000}, {"cache_hits", 799}});
  CHECK(low.status == Status::warn);
  CHECK_THAT(low.detail, Catch::Contains("79.9 %") && Catch::Contains("under 80 %"));
  CHECK_THAT(low.hint, Catch::Contains("feed-warmer"));
  CHECK(low.figures["cache_hit_rate"].get<double>() == Approx(0.799));
  const auto good = nf::doctor::judge_cache(url, nlohmann::json{{"feed_requests", 1000}, {"cache_hits", 950}});
  CHECK(good.status == Status::ok);
  CHECK_THAT(good.detail, Catch::Contains("95.0 % over the last hour (950 of 1000"));
}
