// `novafeed dlq` on the real stack, through the real binary: an ingest dead-letters
// messages planted on its events topic (malformed JSON, an unknown action, a like of a post
// PostgreSQL does not have yet); `dlq list` counts each reason, `dlq show` gives the message
// back as it was, and once the post exists `dlq replay` brings the like into ClickHouse,
// counted once, and counted once still after a second replay.
//
// The run owns its Kafka path: an events topic and a dead-letter topic of its own (three
// partitions each, deleted at the end; kafka.events_topic and ingest.events_dlq_topic point
// there), so messages other tests write to the shared topics at the same time cannot reach
// its ingest or its counts. Ids are 6e12 + the clock; ClickHouse and PostgreSQL are shared.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/pg/connection.hpp"
#include "core/time/clock.hpp"
#include "core/time/rfc3339.hpp"
#include "tests/support/kafka_topics.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

uint64_t unique_base() {
  // 6e12 + 1000 ids per millisecond of the clock: apart from ingest_test's 7e12 range.
  return 6'000'000'000'000ULL + static_cast<uint64_t>(nf::time::now_ms() % 1'000'000'000) * 1000;
}

nf::test::RunResult novafeed(const std::vector<std::string>& args) {
  return nf::test::run_novafeed(args, nf::test::stack_env());
}

// The run's topics: --set options for every novafeed it starts.
struct RunTopics {
  std::string events, dlq;
  std::vector<std::string> settings() const {
    return {"--set", "kafka.events_topic=" + events, "--set", "ingest.events_dlq_topic=" + dlq};
  }
};

// Runs `novafeed --json <topics> dlq <args>`; REQUIREs `expected_exit` and returns its document.
Json dlq_json(const RunTopics& topics, const std::vector<std::string>& args, int expected_exit = 0) {
  std::vector<std::string> full = topics.settings();
  full.push_back("--json");
  full.push_back("dlq");
  full.insert(full.end(), args.begin(), args.end());
  const auto result = novafeed(full);
  INFO("novafeed dlq " << args.front() << ": exit " << result.exit_code << "\nstdout: " << result.out
                       << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == expected_exit);
  return Json::parse(result.out);
}

// Polls `check` (returns "" when satisfied, else what differs) until it passes or time runs out.
std::string wait_until(std::chrono::seconds timeout, const std::function<std::string()>& check) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::string difference;
    try {
      difference = check();
    } catch (const std::exception& e) {
      difference = std::string("failed: ") + e.what();
    }
    if (difference.empty() || Clock::now() > deadline) return difference;
    std::this_thread::sleep_for(500ms);
  }
}

int64_t ch_count(const std::string& sql) {
  const auto rows = nf::test::stack_clickhouse().query(sql);
  if (rows.empty()) return 0;
  return nf::ch::as_u64(rows.front().at("n"));
}

std::string log_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "novafeed-dlq-test";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// The run's author and post leave PostgreSQL's live set however the test ends (the post
// was made 10 days old, outside every ranking window, so it never trended meanwhile).
class RunRowsRemoved {
 public:
  explicit RunRowsRemoved(uint64_t post) : post_(std::to_string(post)) {}
  ~RunRowsRemoved() {
    try {
      auto pg = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
      pqxx::nontransaction tx(*pg);
      tx.exec("UPDATE posts SET deleted_at = now() WHERE deleted_at IS NULL AND id = " + post_);
    } catch (const std::exception& e) {
      WARN(std::string("could not soft-delete the dlq test's post: ") + e.what());
    }
  }
  RunRowsRemoved(const RunRowsRemoved&) = delete;
  RunRowsRemoved& operator=(const RunRowsRemoved&) = delete;

 private:
  std::string post_;
};

const Json* reason_entry(const Json& list, const std::string& part) {
  for (const auto& entry : list.at("reasons"))
    if (entry.at("reason").get<std::string>().find(part) != std::string::npos) return &entry;
  return nullptr;
}

}  // namespace

TEST_CASE("dlq: list counts each planted reason, replay of the fixed one is counted once in ClickHouse, twice still once",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  const auto schema = novafeed({"schema", "apply"});
  INFO(schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);

  const uint64_t base = unique_base();
  const uint64_t author = base + 1, post = base + 1, user = base + 2;
  const std::string run = "dlq-test-" + std::to_string(base);
  const std::string group = run;
  const RunTopics topics{run + ".events", run + ".events-dlq"};
  const nf::test::ScratchTopics scratch({topics.events, topics.dlq}, 3);
  const std::string since = nf::time::format_rfc3339(nf::time::now_ms() - 2000, true);
  RunRowsRemoved cleanup(post);

  std::vector<std::string> ingest_args = topics.settings();
  for (const std::string arg : {"--log-level", "info", "--set", "ingest.batch_ms=300", "--set"}) ingest_args.push_back(arg);
  ingest_args.push_back("ingest.group=" + group);
  ingest_args.push_back("ingest");
  ingest_args.push_back("events");
  nf::test::BackgroundNovafeed ingest(ingest_args, nf::test::stack_env(), {log_path(run + ".out"), log_path(run + ".err")});
  REQUIRE(ingest.wait_for_stderr("ingest: group " + group + " consuming", 30s));

  // Planted: two malformed, one unknown action, one like of a post PostgreSQL lacks.
  const int64_t ts = nf::time::now_ms();
  nf::test::produce_acknowledged(topics.events, run + "-garbage-1", "not json {");
  nf::test::produce_acknowledged(topics.events, run + "-garbage-2", "{\"event_id\": ");
  nf::test::produce_acknowledged(
      topics.events, run + "-poke",
      Json{{"event_id", run + "-poke"}, {"user_id", user}, {"post_id", post}, {"action", "poke"}, {"ts", ts}}.dump());
  const std::string like =
      Json{{"event_id", run + "-like"}, {"user_id", user}, {"post_id", post}, {"action", "like"}, {"ts", ts}}.dump();
  const auto like_at = nf::test::produce_acknowledged(topics.events, std::to_string(user), like);

  // dlq list: each reason with its count, from the run's events topic.
  Json list;
  const std::string listed = wait_until(60s, [&]() -> std::string {
    list = dlq_json(topics, {"list", "--topic", "events"});
    return list.at("total") == 4 ? "" : "dlq list total " + list.at("total").dump() + " of 4: " + list.dump();
  });
  INFO("ingest stderr: " << ingest.stderr_text());
  REQUIRE(listed == "");
  CHECK(list.at("topics") == Json::parse(R"([{"topic": ")" + topics.dlq + R"(", "exists": true, "read": 4, "matched": 4}])"));
  const Json* garbage = reason_entry(list, "value is not JSON");
  const Json* poke = reason_entry(list, "action: '…' is not one of");
  const Json* unknown_post = reason_entry(list, "author_id: post N is not in PostgreSQL");
  REQUIRE(garbage);
  REQUIRE(poke);
  REQUIRE(unknown_post);
  CHECK(garbage->at("count") == 2);
  CHECK(garbage->at("by_source_topic") == Json{{topics.events, 2}});
  CHECK(poke->at("count") == 1);
  CHECK(unknown_post->at("count") == 1);
  CHECK(unknown_post->at("samples")[0].at("reason") ==
        "author_id: post " + std::to_string(post) + " is not in PostgreSQL, so its author cannot be resolved");
  CHECK(list.at("reasons").size() == 3);
  // --since and --group scope it the same (every message is the run's); a later window is empty.
  CHECK(dlq_json(topics, {"list", "--topic", "events", "--since", since, "--group", group}).at("total") == 4);
  CHECK(dlq_json(topics, {"list", "--topic", "events", "--group", "another-group"}).at("total") == 0);

  // dlq show: the dead letter of the like, as it was read, with where it came from.
  const Json shown = dlq_json(topics, {"show", "--topic", "events", "--reason", "is not in PostgreSQL"});
  REQUIRE(shown.at("matched") == 1);
  const Json& letter = shown.at("messages")[0];
  CHECK(letter.at("topic") == topics.dlq);
  CHECK(letter.at("key") == std::to_string(user));
  CHECK(letter.at("value") == like);
  CHECK(letter.at("source").at("topic") == topics.events);
  CHECK(letter.at("source").at("partition") == like_at.partition);
  CHECK(letter.at("source").at("offset") == like_at.offset);
  CHECK(letter.at("consumer_group") == group);
  const std::string like_position = letter.at("position");  // <dlq>[P]@N

  // Not counted while its post is unknown.
  const std::string counted_likes = "SELECT sum(likes) AS n FROM post_counts WHERE post_id = " + std::to_string(post);
  const std::string stored_events = "SELECT count() AS n FROM events FINAL WHERE post_id = " + std::to_string(post) +
                                    " AND event_id = " + nf::ch::quote(run + "-like");
  CHECK(ch_count(counted_likes) == 0);
  CHECK(ch_count(stored_events) == 0);

  // Replay refuses a selection that names nothing, and a dry run produces nothing.
  std::vector<std::string> unselected = topics.settings();
  for (const std::string arg : {"dlq", "replay", "--topic", "events", "--group"}) unselected.push_back(arg);
  unselected.push_back(group);
  const auto refused = novafeed(unselected);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("--all"));
  const Json dry = dlq_json(topics, {"replay", "--topic", "events", "--offset", like_position, "--dry-run"});
  CHECK(dry.at("dry_run") == true);
  CHECK(dry.at("replayed") == 1);

  // The fix: the post exists in PostgreSQL (10 days old: outside every ranking window).
  {
    auto pg = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
    pqxx::work tx(*pg);
    tx.exec_params("INSERT INTO users (id, username, created_at) VALUES ($1, $2, now() - interval '10 days') "
                   "ON CONFLICT (id) DO NOTHING",
                   static_cast<int64_t>(author), run);
    tx.exec_params("INSERT INTO posts (id, author_id, caption, created_at) VALUES ($1, $2, 'dlq test', now() - interval "
                   "'10 days')",
                   static_cast<int64_t>(post), static_cast<int64_t>(author));
    tx.commit();
  }

  const auto replay = [&] {
    const Json replayed =
        dlq_json(topics, {"replay", "--topic", "events", "--reason", "is not in PostgreSQL", "--since", since});
    CHECK(replayed.at("dry_run") == false);
    CHECK(replayed.at("replayed") == 1);
    CHECK(replayed.at("per_topic") == Json{{topics.events, 1}});
    CHECK(replayed.at("messages")[0].at("partition") == like_at.partition);
    CHECK(replayed.at("skipped").empty());
  };
  replay();
  CHECK(wait_until(60s, [&]() -> std::string {
          const auto events = ch_count(stored_events), likes = ch_count(counted_likes);
          return events == 1 && likes == 1
                     ? ""
                     : "events " + std::to_string(events) + ", likes " + std::to_string(likes) + " (want 1 and 1)";
        }) == "");

  // Again: the ingest reads it once more, finds its key counted, and adds nothing. Seen
  // by the row it inserts again (received_at: when the ingest read it; a merge keeps the
  // last inserted row), then the ingest is stopped, so everything it read is flushed.
  const int64_t second_replay_s = nf::time::now_ms() / 1000 + 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(second_replay_s * 1000 - nf::time::now_ms() + 50));
  replay();
  CHECK(wait_until(60s, [&]() -> std::string {
          const auto latest = ch_count("SELECT toUInt64(max(received_at)) AS n FROM events WHERE post_id = " +
                                       std::to_string(post) + " AND event_id = " + nf::ch::quote(run + "-like"));
          return latest >= second_replay_s ? "" : "the second replay is not in events yet";
        }) == "");
  INFO("ingest stderr: " << ingest.stderr_text());
  REQUIRE(ingest.stop(SIGTERM, 60s) == 0);
  CHECK(ch_count(counted_likes) == 1);
  CHECK(ch_count(stored_events) == 1);
  CHECK(ch_count("SELECT sum(interactions) AS n FROM user_author_counts WHERE user_id = " + std::to_string(user)) == 1);

  // Neither replay was dead-lettered again: the list is what it was.
  CHECK(dlq_json(topics, {"list", "--topic", "events"}).at("total") == 4);
}

TEST_CASE("dlq: Kafka unreachable is exit 3 with what to do next") {
  const auto result = nf::test::run_novafeed({"--set", "kafka.brokers=127.0.0.1:1", "--set", "kafka.timeout_ms=2000",
                                              "dlq", "list"},
                                             nf::test::stack_env());
  INFO(result.out << result.err);
  CHECK(result.exit_code == 3);
  CHECK_THAT(result.err, Catch::Contains("Kafka at 127.0.0.1:1"));
  CHECK_THAT(result.err, Catch::Contains("novafeed doctor"));
}
