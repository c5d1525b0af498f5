// `novafeed connectors` against the real stack: the Debezium connector is deployed on the
// real Kafka Connect worker, and a real INSERT, UPDATE and DELETE in PostgreSQL are read
// back from the real cdc.posts topic.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "core/pg/connection.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

using namespace std::chrono_literals;

nf::test::RunResult novafeed(const std::vector<std::string>& args) {
  auto result = nf::test::run_novafeed(args, nf::test::stack_env());
  UNSCOPED_INFO("novafeed " << [&] {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    return joined;
  }() << "-> exit " << result.exit_code << "\nstdout:\n" << result.out << "\nstderr:\n" << result.err);
  return result;
}

std::string unique_suffix() {
  return std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count());
}

// One change event read back from a CDC topic: the Debezium envelope, or a tombstone.
struct ChangeEvent {
  int64_t offset = 0;
  bool tombstone = false;
  nlohmann::json value;  // null for a tombstone
};

// A consumer assigned to every partition of `topic` at its current end, so it reads only
// what is written from now on, whatever the consumer groups have committed.
class TopicTail {
 public:
  TopicTail(const std::string& brokers, const std::string& topic) : topic_(topic) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::string group = "novafeed-connectors-test-" + unique_suffix();
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"bootstrap.servers", brokers}, {"group.id", group}, {"enable.auto.commit", "false"},
             {"enable.partition.eof", "false"}})
      if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK)
        FAIL("librdkafka " << key << ": " << error);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (!rk_) FAIL("rd_kafka_new: " << error);

    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_topic_t* handle = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    const auto err = rd_kafka_metadata(rk_, 0, handle, &metadata, 10000);
    rd_kafka_topic_destroy(handle);
    REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(metadata->topic_cnt == 1);
    REQUIRE(metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(metadata->topics[0].partition_cnt);
    for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
      const int32_t partition = metadata->topics[0].partitions[i].id;
      int64_t low = 0, high = 0;
      REQUIRE(rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, &low, &high, 10000) ==
              RD_KAFKA_RESP_ERR_NO_ERROR);
      rd_kafka_topic_partition_list_add(assignment, topic.c_str(), partition)->offset = high;
    }
    rd_kafka_metadata_destroy(metadata);
    REQUIRE(rd_kafka_assign(rk_, assignment) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(assignment);
  }
  ~TopicTail() {
    if (rk_) {
      rd_kafka_consumer_close(rk_);
      rd_kafka_destroy(rk_);
    }
  }
  TopicTail(const TopicTail&) = delete;
  TopicTail& operator=(const TopicTail&) = delete;

  // Reads until `done(events)` says so or `timeout` passes; keeps the events whose key
  // is {"id": id}.
  std::vector<ChangeEvent> read_key(int64_t id, std::chrono::seconds timeout,
                                    const std::function<bool(const std::vector<ChangeEvent>&)>& done) {
    std::vector<ChangeEvent> events;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(events) && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* message = rd_kafka_consumer_poll(rk_, 500);
      if (!message) continue;
      std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> guard(message, rd_kafka_message_destroy);
      if (message->err) {
        UNSCOPED_INFO("consumer error: " << rd_kafka_message_errstr(message));
        continue;
      }
      if (!message->key) continue;
      const auto key = nlohmann::json::parse(std::string(static_cast<const char*>(message->key), message->key_len), nullptr, false);
      if (!key.is_object() || key.value("id", int64_t{-1}) != id) continue;
      ChangeEvent event;
      event.offset = message->offset;
      event.tombstone = message->payload == nullptr;
      if (!event.tombstone)
        event.value = nlohmann::json::parse(std::string(static_cast<const char*>(message->payload), message->len));
      events.push_back(std::move(event));
    }
    return events;
  }

 private:
  std::string topic_;
  rd_kafka_t* rk_ = nullptr;
};

// Runs one statement in its own transaction (so each change has its own commit LSN).
template <typename... Args>
pqxx::result execute(pqxx::connection& connection, const std::string& sql, Args&&... args) {
  pqxx::work tx(connection);
  auto result = tx.exec_params(sql, std::forward<Args>(args)...);
  tx.commit();
  return result;
}

}  // namespace

TEST_CASE("connectors apply --wait deploys Debezium and a post's insert, update and delete reach cdc.posts") {
  if (!nf::test::require_stack()) return;

  const auto schema = novafeed({"schema", "apply"});
  REQUIRE(schema.exit_code == 0);

  const auto apply = novafeed({"connectors", "apply", "--wait", "--timeout", "90s"});
  REQUIRE(apply.exit_code == 0);
  CHECK_THAT(apply.out, Catch::Contains("RUNNING: connector and 1/1 task running"));

  const auto status = novafeed({"connectors", "status"});
  REQUIRE(status.exit_code == 0);
  CHECK_THAT(status.out, Catch::Contains("connector novafeed-postgres: RUNNING") && Catch::Contains("task 0: RUNNING"));
  const auto status_json = novafeed({"--json", "connectors", "status"});
  REQUIRE(status_json.exit_code == 0);
  const auto parsed = nlohmann::json::parse(status_json.out);
  CHECK(parsed["healthy"] == true);
  CHECK(parsed["tasks"][0]["state"] == "RUNNING");

  const auto again = novafeed({"connectors", "apply", "--wait"});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("connector novafeed-postgres unchanged"));
  const auto again_json = novafeed({"--json", "connectors", "apply"});
  REQUIRE(again_json.exit_code == 0);
  CHECK(nlohmann::json::parse(again_json.out)["action"] == "unchanged");

  const auto list = novafeed({"connectors", "list"});
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.out, Catch::Contains("novafeed-postgres *") && Catch::Contains("1/1 running"));

  // The change events of one new post, read from where cdc.posts ends now.
  const auto config = nf::test::stack_config();
  TopicTail tail(config.get("kafka.brokers"), "cdc.posts");
  auto db = nf::pg::connect(nf::pg::settings_from(config));
  const std::string username = "cdc-test-" + unique_suffix();
  const auto user_id = execute(*db, "INSERT INTO users (username) VALUES ($1) RETURNING id", username)[0][0].as<int64_t>();
  const auto post_id = execute(*db, "INSERT INTO posts (author_id, caption) VALUES ($1, 'first caption') RETURNING id",
                               user_id)[0][0].as<int64_t>();
  execute(*db, "UPDATE posts SET caption = 'second caption' WHERE id = $1", post_id);
  execute(*db, "DELETE FROM posts WHERE id = $1", post_id);

  const auto events = tail.read_key(post_id, 60s, [](const std::vector<ChangeEvent>& seen) {
    return seen.size() >= 4 && seen.back().tombstone;
  });
  execute(*db, "DELETE FROM users WHERE id = $1", user_id);

  INFO("post " << post_id << ": " << events.size() << " events read from cdc.posts within 60 s");
  REQUIRE(events.size() == 4);
  for (size_t i = 0; i < 3; ++i) REQUIRE_FALSE(events[i].tombstone);
  CHECK(events[0].value["op"] == "c");
  CHECK(events[0].value["after"]["id"] == post_id);
  CHECK(events[0].value["after"]["author_id"] == user_id);
  CHECK(events[0].value["after"]["caption"] == "first caption");
  CHECK(events[0].value["source"]["table"] == "posts");
  CHECK(events[1].value["op"] == "u");
  CHECK(events[1].value["after"]["caption"] == "second caption");
  CHECK(events[2].value["op"] == "d");
  CHECK(events[2].value["after"].is_null());
  CHECK(events[2].value["before"]["id"] == post_id);
  CHECK(events[3].tombstone);  // after the delete, so compaction can drop the key

  const auto lsn = [&](size_t i) { return events[i].value["source"]["lsn"].get<int64_t>(); };
  CHECK(lsn(0) < lsn(1));
  CHECK(lsn(1) < lsn(2));
  for (size_t i = 1; i < events.size(); ++i) CHECK(events[i - 1].offset < events[i].offset);  // one partition, in order
}

TEST_CASE("connectors apply --dry-run shows, diffs and validates the config, and changes nothing") {
  if (!nf::test::require_stack()) return;
  REQUIRE(novafeed({"schema", "apply"}).exit_code == 0);
  REQUIRE(novafeed({"connectors", "apply", "--wait", "--timeout", "90s"}).exit_code == 0);

  const auto clean = novafeed({"connectors", "apply", "--dry-run"});
  CHECK(clean.exit_code == 0);
  CHECK_THAT(clean.out, Catch::Contains("\"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\""));
  CHECK_THAT(clean.out, Catch::Contains("is up to date") && Catch::Contains("validation by Kafka Connect: OK"));
  CHECK_THAT(clean.out, !Catch::Contains("\"database.password\": \"novafeed\""));  // masked

  const auto invalid = novafeed({"--set", "cdc.snapshot_mode=sometimes", "connectors", "apply", "--dry-run"});
  CHECK(invalid.exit_code == 1);
  CHECK_THAT(invalid.out, Catch::Contains("would be updated") && Catch::Contains("snapshot.mode: initial -> sometimes"));
  CHECK_THAT(invalid.out, Catch::Contains("validation by Kafka Connect: 1 error\n") &&
                              Catch::Contains("  snapshot.mode: The 'snapshot.mode' value is invalid"));
  CHECK_THAT(invalid.err, Catch::Contains("snapshot.mode"));

  const auto invalid_json = novafeed({"--json", "--set", "cdc.snapshot_mode=sometimes", "connectors", "apply", "--dry-run"});
  CHECK(invalid_json.exit_code == 1);
  const auto document = nlohmann::json::parse(invalid_json.out);
  CHECK(document["valid"] == false);
  CHECK(document["action"] == "update");
  CHECK(document["errors"][0]["field"] == "snapshot.mode");

  // Nothing changed on the worker.
  const auto after = novafeed({"--json", "connectors", "apply", "--dry-run"});
  CHECK(after.exit_code == 0);
  CHECK(nlohmann::json::parse(after.out)["action"] == "none");
}

TEST_CASE("a connector whose task fails: apply --wait prints the trace, status exits 1, delete is idempotent") {
  if (!nf::test::require_stack()) return;
  REQUIRE(novafeed({"schema", "apply"}).exit_code == 0);

  // Its own connector, slot and topics; the publication does not exist, so Debezium's
  // task fails at start (publication.autocreate.mode=disabled).
  const std::string suffix = std::to_string(getpid());
  const std::string name = "novafeed-test-failing-" + suffix;
  const std::string slot = "novafeed_test_failing_" + suffix;
  const std::vector<std::string> settings = {
      "--set", "connect.connector=" + name, "--set", "cdc.slot=" + slot,
      "--set", "cdc.publication=novafeed_test_missing_" + suffix, "--set", "cdc.topic_prefix=novafeed_test_" + suffix,
      "--set", "cdc.topic_format=novafeed_test_" + suffix + ".{table}"};
  const auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), settings.begin(), settings.end());
    return novafeed(args);
  };

  const auto apply = with({"connectors", "apply", "--wait", "--timeout", "60s"});
  CHECK(apply.exit_code == 1);
  CHECK_THAT(apply.out, Catch::Contains("connector " + name + " created"));
  CHECK_THAT(apply.out, Catch::Contains("task 0: FAILED") && Catch::Contains("org.apache.kafka.connect.errors.ConnectException"));
  CHECK_THAT(apply.out, Catch::Contains("restart --failed"));
  CHECK_THAT(apply.err, Catch::Contains("task 0 FAILED"));

  const auto status = with({"connectors", "status"});
  CHECK(status.exit_code == 1);
  CHECK_THAT(status.out, Catch::Contains("task 0: FAILED") && Catch::Contains("NOT RUNNING"));
  const auto status_json = with({"--json", "connectors", "status"});
  CHECK(status_json.exit_code == 1);
  const auto parsed = nlohmann::json::parse(status_json.out);
  CHECK(parsed["healthy"] == false);
  CHECK(parsed["tasks"][0]["state"] == "FAILED");
  CHECK_THAT(parsed["tasks"][0]["trace"].get<std::string>(), Catch::Contains("\tat "));  // the full trace

  const auto restart = with({"connectors", "restart", "--failed"});
  CHECK(restart.exit_code == 0);
  CHECK_THAT(restart.out, Catch::Contains("restart of connector " + name + " requested (the failed parts: task 0)"));

  const auto list = novafeed({"connectors", "list"});
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.out, Catch::Contains(name));

  const auto removed = with({"connectors", "delete"});
  CHECK(removed.exit_code == 0);
  CHECK_THAT(removed.out, Catch::Contains("connector " + name + " deleted"));
  const auto again = with({"connectors", "delete"});
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("does not exist") && Catch::Contains("nothing to delete"));

  const auto missing = with({"connectors", "status"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("does not exist") && Catch::Contains("novafeed connectors apply"));

  // The task failed before creating its slot; drop it should a Debezium change ever make one.
  auto db = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  execute(*db, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active",
          slot);
}
