// The events intake (core/events) against the real stack: accepted events are on the
// events topic keyed by user before submit() returns; the same batch again is counted as
// duplicates and adds nothing to Kafka; with Kafka unreachable submit() fails with
// kafka_unavailable within a bounded time and leaves no dedup mark behind.
//
// Kafka is made unreachable for a second Intake only (kafka.brokers = 127.0.0.1:1): the
// shared Kafka keeps running for other tests. Other tests may write to the events topic
// at the same time, so messages are recognised by this run's event_id prefix.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "core/error/error.hpp"
#include "core/events/dedup.hpp"
#include "core/events/intake.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"
#include "core/kafka/settings.hpp"
#include "core/redis/client.hpp"
#include "core/redis/pool.hpp"
#include "tests/support/stack.hpp"

namespace {

using Json = nlohmann::json;
using Offsets = std::map<int32_t, int64_t>;

struct Message {
  std::string key;
  Json value;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A prefix no earlier run used, so this run's messages and dedup marks are its own.
std::string run_prefix(const std::string& name) { return "it-" + name + "-" + std::to_string(now_ms()) + "-"; }

nf::config::Config intake_config(const std::string& brokers = "") {
  auto config = nf::test::stack_config();
  config.values["events.delivery_timeout_ms"] = {"2000", "events_test"};
  if (!brokers.empty()) config.values["kafka.brokers"] = {brokers, "events_test"};
  return config;
}

Offsets high_watermarks(const nf::kafka::Settings& settings, const std::string& topic) {
  const auto metadata = nf::kafka::fetch_metadata(settings);
  const auto* info = metadata.find_topic(topic);
  REQUIRE(info != nullptr);
  nf::kafka::Handle client(RD_KAFKA_PRODUCER, nf::kafka::make_conf(settings));
  Offsets offsets;
  for (const auto& partition : info->partitions) {
    int64_t low = 0, high = 0;
    const auto err = rd_kafka_query_watermark_offsets(client.get(), topic.c_str(), partition.id, &low, &high, 10000);
    INFO("partition " << partition.id << ": " << rd_kafka_err2str(err));
    REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
    offsets[partition.id] = high;
  }
  return offsets;
}

// Every message of `topic` between `from` and `to` (per partition) whose event_id starts
// with `prefix`.
std::vector<Message> read_between(const nf::kafka::Settings& settings, const std::string& topic, const Offsets& from,
                                  const Offsets& to, const std::string& prefix) {
  nf::kafka::Handle consumer(RD_KAFKA_CONSUMER, nf::kafka::make_conf(settings, {{"group.id", "novafeed-events-test", "test"},
                                                                                 {"enable.auto.commit", "false", "test"}}));
  rd_kafka_t* rk = consumer.get();
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(static_cast<int>(from.size()));
  Offsets remaining;
  for (const auto& [partition, offset] : from) {
    if (to.at(partition) <= offset) continue;
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), partition)->offset = offset;
    remaining[partition] = to.at(partition);
  }
  REQUIRE(rd_kafka_assign(rk, assignment) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(assignment);

  std::vector<Message> found;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!remaining.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk, 500);
    if (!message) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::string value(static_cast<const char*>(message->payload), message->len);
      const auto json = Json::parse(value, nullptr, false);
      if (json.is_object() && json.value("event_id", "").rfind(prefix, 0) == 0)
        found.push_back({std::string(static_cast<const char*>(message->key), message->key_len), json});
      const auto it = remaining.find(message->partition);
      if (it != remaining.end() && message->offset + 1 >= it->second) remaining.erase(it);
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_assign(rk, nullptr);
  INFO(remaining.size() << " partition(s) not read up to the watermark within 20 s");
  CHECK(remaining.empty());
  return found;
}

Json event(const std::string& id, uint64_t post_id, const std::string& action, int64_t ts) {
  return {{"event_id", id}, {"post_id", post_id}, {"action", action}, {"ts", ts}};
}

}  // namespace

TEST_CASE("events intake: accepted events are on the topic keyed by user, the same batch again is all duplicates",
          "[events]") {
  if (!nf::test::require_stack()) return;
  const auto config = intake_config();
  const auto settings = nf::kafka::settings_from(config);
  const auto topic = config.get("kafka.events_topic");
  nf::redis::Pool redis(nf::redis::settings_from(config));
  nf::events::Intake intake(config, redis);

  const uint64_t user = 4242;
  const auto prefix = run_prefix("dedup");
  const int64_t ts = now_ms() - 1000;
  const Json body = Json::array({event(prefix + "0", 1, "like", ts), event(prefix + "1", 2, "view", ts),
                                 event(prefix + "2", 3, "poke", ts), event(prefix + "0", 1, "like", ts),
                                 event(prefix + "3", 4, "share", ts)});

  const auto before = high_watermarks(settings, topic);
  const auto first = intake.submit(user, body.dump(), now_ms());
  CHECK(first.accepted == 3);
  CHECK(first.duplicates == 1);  // prefix0 twice in the batch
  REQUIRE(first.rejected.size() == 1);
  CHECK(first.rejected[0].index == 2);
  CHECK(intake.kafka_ready());

  // Acknowledged with acks=all before submit() returned: already below the watermark.
  const auto after_first = high_watermarks(settings, topic);
  const auto messages = read_between(settings, topic, before, after_first, prefix);
  REQUIRE(messages.size() == 3);
  std::set<std::string> ids;
  for (const auto& message : messages) {
    CHECK(message.key == std::to_string(user));
    CHECK(message.value.at("user_id").get<uint64_t>() == user);
    CHECK(message.value.at("ts").get<int64_t>() == ts);
    CHECK_FALSE(message.value.contains("author_id"));
    ids.insert(message.value.at("event_id").get<std::string>());
  }
  CHECK(ids == std::set<std::string>{prefix + "0", prefix + "1", prefix + "3"});

  const auto second = intake.submit(user, body.dump(), now_ms());
  CHECK(second.accepted == 0);
  CHECK(second.duplicates == 4);
  CHECK(second.rejected.size() == 1);
  const auto after_second = high_watermarks(settings, topic);
  CHECK(read_between(settings, topic, after_first, after_second, prefix).empty());

  const auto figures = intake.figures();
  CHECK(figures.accepted == 3);
  CHECK(figures.duplicates == 5);
  CHECK(figures.rejected == 2);
  CHECK(figures.dedup_skipped == 0);
  intake.close(std::chrono::milliseconds(2000));
}

TEST_CASE("events intake: an id counts once for one to two windows, then again, and a user's marks are gone two "
          "windows after their last write",
          "[events]") {
  if (!nf::test::require_stack()) return;
  auto config = intake_config();
  config.values["events.dedup_window_s"] = {"2", "events_test"};
  nf::redis::Pool redis(nf::redis::settings_from(config));
  nf::redis::Connection direct(nf::redis::settings_from(config));
  const uint64_t user = 4545;
  nf::events::Intake intake(config, redis);

  // The generation comes from the request's clock, so the test drives it: `start` is
  // 100 ms into a generation of the 2 s window.
  const int64_t start = (now_ms() / 2000 + 1) * 2000 + 100;
  const auto first_keys = nf::events::dedup_keys(user, start, 2);
  for (const auto& key : {first_keys.current, first_keys.previous}) direct.command({"DEL", key});
  const auto prefix = run_prefix("window");
  const auto submit = [&](std::initializer_list<const char*> ids, int64_t at) {
    Json body = Json::array();
    for (const char* id : ids) body.push_back(event(prefix + id, 1, "view", at - 1000));
    return intake.submit(user, body.dump(), at);
  };
  const auto marked = [&](const std::string& key, const char* id) {
    return direct.command({"SISMEMBER", key, prefix + id})->integer == 1;
  };

  const auto first = submit({"a", "b"}, start);
  CHECK(first.accepted == 2);
  CHECK(marked(first_keys.current, "a"));
  CHECK(marked(first_keys.current, "b"));
  const auto ttl = direct.command({"PTTL", first_keys.current})->integer;
  CHECK(ttl > 0);
  CHECK(ttl <= 4000);  // two windows from the last write

  // Within the window, and in the next generation (under two windows): a duplicate.
  for (const int64_t later : {start + 10, start + 1850, start + 2050, start + 3850}) {
    INFO("at start + " << later - start << " ms");
    const auto repeat = submit({"a"}, later);
    CHECK(repeat.accepted == 0);
    CHECK(repeat.duplicates == 1);
  }
  // Two generations on: "a" counts again, once.
  const auto again = submit({"a", "c"}, start + 4050);
  CHECK(again.accepted == 2);
  CHECK(again.duplicates == 0);
  CHECK(submit({"a", "c"}, start + 4060).duplicates == 2);
  const auto later_keys = nf::events::dedup_keys(user, start + 4050, 2);
  CHECK(later_keys.current != first_keys.current);
  CHECK(marked(later_keys.current, "a"));

  // The first generation's set was last written at `start` (real time: just now): it
  // expires two windows later, marks and all.
  std::this_thread::sleep_for(std::chrono::milliseconds(4200));
  CHECK(direct.command({"EXISTS", first_keys.current})->integer == 0);
  intake.close(std::chrono::milliseconds(2000));
}

TEST_CASE("events intake: Kafka unreachable fails fast with kafka_unavailable and leaves no dedup marks", "[events]") {
  if (!nf::test::require_stack()) return;
  const auto good_config = intake_config();
  nf::redis::Pool redis(nf::redis::settings_from(good_config));
  nf::events::Intake down(intake_config("127.0.0.1:1"), redis);

  const uint64_t user = 4343;
  const auto prefix = run_prefix("down");
  const int64_t ts = now_ms() - 1000;
  const std::string body =
      Json::array({event(prefix + "0", 1, "like", ts), event(prefix + "1", 2, "comment", ts)}).dump();

  // The first batch waits at most the delivery timeout (2 s) plus the report grace.
  auto started = std::chrono::steady_clock::now();
  try {
    down.submit(user, body, now_ms());
    FAIL("submit() to an unreachable Kafka succeeded");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::unreachable);
    CHECK(e.reason() == "kafka_unavailable");
    CHECK_THAT(std::string(e.what()), Catch::Contains("127.0.0.1:1"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("retry after"));
  }
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(5000));
  CHECK_FALSE(down.kafka_ready());
  CHECK_THAT(down.kafka_state(), Catch::StartsWith("down"));

  // Known down: the next batch is refused at once instead of after the timeout.
  started = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(down.submit(user, body, now_ms()), nf::Error);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
  CHECK(down.figures().unavailable == 2);

  // The refused batch left no mark: the working intake accepts it whole.
  nf::events::Intake up(good_config, redis);
  const auto retried = up.submit(user, body, now_ms());
  CHECK(retried.accepted == 2);
  CHECK(retried.duplicates == 0);
  up.close(std::chrono::milliseconds(2000));
  down.close(std::chrono::milliseconds(0));
}

TEST_CASE("events intake: with Redis unreachable events are accepted without dedup and counted", "[events]") {
  if (!nf::test::require_stack()) return;
  const auto config = intake_config();
  auto no_redis_config = config;
  no_redis_config.values["redis.url"] = {"redis://127.0.0.1:1/0", "events_test"};
  nf::redis::Pool no_redis(nf::redis::settings_from(no_redis_config));
  nf::events::Intake intake(config, no_redis);

  const auto prefix = run_prefix("noredis");
  const std::string body =
      Json::array({event(prefix + "0", 1, "like", now_ms() - 1000), event(prefix + "0", 1, "like", now_ms() - 1000)})
          .dump();
  // The repeat inside the batch is still caught; across requests nothing is.
  const auto first = intake.submit(4444, body, now_ms());
  CHECK(first.accepted == 1);
  CHECK(first.duplicates == 1);
  const auto second = intake.submit(4444, body, now_ms());
  CHECK(second.accepted == 1);
  CHECK(second.duplicates == 1);
  CHECK(intake.figures().dedup_skipped == 2);
  intake.close(std::chrono::milliseconds(2000));
}
