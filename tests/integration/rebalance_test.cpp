// Static group membership (ingest.instance_id) on the real stack, through the real binary:
// an ingest SIGKILLed and restarted with its instance id takes its partitions back long
// before its session would time out, and its events reach ClickHouse; one id in two
// processes is refused on one host and fenced by Kafka across hosts, with what to do;
// serve --with-ingest instances on one host take distinct ids, and a restarted one its
// old id back.
//
// Every run owns its Kafka path (an events topic and a dead-letter topic of its own,
// deleted at the end) and its consumer group. The session timeout is raised to 120 s, so
// "well before the session timeout" has room: every bound below is 60 s, where a dynamic
// member (or a static one that did not come back) would hold the partitions for 120 s.
// Timing is never asserted tightly: bench/rebalance measures it.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "core/clickhouse/client.hpp"
#include "core/ingest/ingest_loop.hpp"
#include "core/ingest/instance_id.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"
#include "core/net/http_client.hpp"
#include "core/process/instance.hpp"
#include "core/time/clock.hpp"
#include "tests/support/consumer_group.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/kafka_topics.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using nf::test::BackgroundNovafeed;
using nf::test::eventually;

constexpr int kPartitions = 3;
const std::string kSession = "session.timeout.ms=120000";

uint64_t unique_base() {
  // 5e12 + 1000 ids per millisecond of the clock: apart from ingest_test's 7e12 and dlq_test's 6e12.
  return 5'000'000'000'000ULL + static_cast<uint64_t>(nf::time::now_ms() % 1'000'000'000) * 1000;
}

std::string log_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "novafeed-rebalance-test";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// One run: its topics (created here, deleted with the object), group and instance id.
struct Run {
  explicit Run(const std::string& kind)
      : base(unique_base()),
        name("rebalance-" + kind + "-" + std::to_string(base)),
        events(name + "-events"),
        dlq(name + "-dlq"),
        group(name),
        scratch({events, dlq}, kPartitions) {}
  uint64_t base;
  std::string name, events, dlq, group;
  nf::test::ScratchTopics scratch;

  std::vector<std::string> settings() const {
    return {"--set", "ingest.group=" + group, "--set", "kafka.events_topic=" + events, "--set", "ingest.events_dlq_topic=" + dlq};
  }
};

// `novafeed ingest events` of the run with `instance_id`, logs kept as <label>.err / .out.
std::unique_ptr<BackgroundNovafeed> start_ingest(const Run& run, const std::string& instance_id, const std::string& label) {
  std::vector<std::string> args = {"--json", "--log-level", "info", "-X", kSession, "--set", "ingest.batch_ms=300",
                                   "--set", "ingest.instance_id=" + instance_id};
  const auto settings = run.settings();
  args.insert(args.end(), settings.begin(), settings.end());
  args.insert(args.end(), {"ingest", "events"});
  const std::string prefix = log_path(run.name + "-" + label);
  return std::make_unique<BackgroundNovafeed>(args, nf::test::stack_env(), nf::test::OutputFiles{prefix + ".out", prefix + ".err"});
}

// start_ingest, then waits until it holds partitions of the run's topic.
std::unique_ptr<BackgroundNovafeed> start_assigned(const Run& run, const std::string& instance_id, const std::string& label) {
  auto ingest = start_ingest(run, instance_id, label);
  if (!ingest->wait_for_stderr("ingest: assigned " + run.events, 60s))
    FAIL("ingest " + label + " holds no partitions after 60 s:\n" + ingest->stderr_text());
  return ingest;
}

void require_schema() {
  const auto schema = nf::test::run_novafeed({"schema", "apply", "--target", "clickhouse"}, nf::test::stack_env());
  INFO(schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);
}

// Events run.name-<from>..<to - 1>, each acknowledged by Kafka; keys spread over the partitions.
void produce_events(const Run& run, int from, int to) {
  for (int i = from; i < to; ++i) {
    const uint64_t user = run.base + 1 + static_cast<uint64_t>(i % 17);
    nf::test::produce_acknowledged(run.events, std::to_string(user),
                                   Json{{"event_id", run.name + "-" + std::to_string(i)}, {"user_id", user},
                                        {"post_id", run.base + 100}, {"author_id", run.base}, {"action", "impression"},
                                        {"ts", nf::time::now_ms()}}
                                       .dump());
  }
}

uint64_t events_in_clickhouse(const Run& run) {
  const auto rows = nf::test::stack_clickhouse().query("SELECT uniqExact(event_id) AS n FROM events WHERE event_id LIKE " +
                                                       nf::ch::quote(run.name + "-%"));
  return rows.empty() ? 0 : nf::ch::as_u64(rows.front().at("n"));
}

// "" when the group is Stable with members holding exactly `expected` instance ids, each
// with some partitions, and `expected_partitions` partitions in all; else what differs.
std::string group_difference(const std::string& group, const std::set<std::string>& expected, size_t expected_partitions) {
  const auto description = nf::test::describe_group(group);
  std::set<std::string> ids;
  size_t partitions = 0;
  std::string text = description.state + ":";
  for (const auto& member : description.members) {
    ids.insert(member.instance_id);
    partitions += member.partitions.size();
    text += " '" + member.instance_id + "' (" + std::to_string(member.partitions.size()) + " partitions)";
    if (member.partitions.empty()) return text;
  }
  if (description.state != "Stable" || ids != expected || description.members.size() != expected.size() ||
      partitions != expected_partitions)
    return text;
  return "";
}

// The coordinator's member id of the member with `instance_id` ("" when there is none).
std::string member_id_of(const std::string& group, const std::string& instance_id) {
  for (const auto& member : nf::test::describe_group(group).members)
    if (member.instance_id == instance_id) return member.member_id;
  return "";
}

// True when the log has an "ingest: assigned" line naming some partitions.
bool assigned_some(const std::string& log) {
  for (size_t at = log.find("ingest: assigned "); at != std::string::npos; at = log.find("ingest: assigned ", at + 1))
    if (log.compare(at + 17, 7, "nothing") != 0) return true;
  return false;
}

// Waits for `check` to return "" (polled every 500 ms); returns its last answer.
std::string wait_until(std::chrono::seconds timeout, const std::function<std::string()>& check) {
  std::string last = "never checked";
  eventually(
      timeout,
      [&] {
        try {
          last = check();
        } catch (const std::exception& e) {
          last = std::string("failed: ") + e.what();
        }
        return last.empty();
      },
      500ms);
  return last;
}

// The exit code once the process has ended by itself within `timeout` (-1 if it has not).
int exit_code_within(BackgroundNovafeed& process, std::chrono::seconds timeout) {
  if (!eventually(timeout, [&] { return !process.running(); }, 100ms)) return -1;
  return process.stop(SIGKILL, 1s);
}

// A member of `group` with `instance_id` in this test process: a consumer on "another
// machine" (it claims nothing on this host), subscribed to `topic`, polled until assigned.
class ForeignMember {
 public:
  ForeignMember(const std::string& group, const std::string& instance_id, const std::string& topic) {
    auto conf = nf::kafka::make_conf(nf::kafka::settings_from(nf::test::stack_config()),
                                     {{"group.id", group, "test"},
                                      {"group.instance.id", instance_id, "test"},
                                      {"enable.auto.commit", "false", "test"},
                                      {"session.timeout.ms", "120000", "test"}});
    handle_ = std::make_unique<nf::kafka::Handle>(RD_KAFKA_CONSUMER, std::move(conf));
    rd_kafka_poll_set_consumer(handle_->get());
    auto topics = nf::kafka::new_partition_list(1);
    rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    REQUIRE(rd_kafka_subscribe(handle_->get(), topics.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ~ForeignMember() { rd_kafka_consumer_close(handle_->get()); }
  // Polls for up to `timeout`; true once librdkafka holds an assignment.
  bool assigned_within(std::chrono::seconds timeout) {
    return eventually(
        timeout,
        [&] {
          if (rd_kafka_message_t* message = rd_kafka_consumer_poll(handle_->get(), 100)) rd_kafka_message_destroy(message);
          rd_kafka_topic_partition_list_t* assignment = nullptr;
          if (rd_kafka_assignment(handle_->get(), &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR || !assignment) return false;
          const bool some = assignment->cnt > 0;
          rd_kafka_topic_partition_list_destroy(assignment);
          return some;
        },
        10ms);
  }

 private:
  std::unique_ptr<nf::kafka::Handle> handle_;
};

}  // namespace

TEST_CASE("rebalance: an ingest with a static instance id, SIGKILLed and restarted, takes its partitions back at once "
          "and its events reach ClickHouse",
          "[clickhouse]") {
  if (!nf::test::require_stack()) return;
  require_schema();
  const Run run("restart");
  const std::string id = run.name;

  auto first = start_assigned(run, id, "first");
  CHECK_THAT(first->stderr_text(), Catch::Contains("static member '" + id + "' of group " + run.group));
  produce_events(run, 0, 30);
  REQUIRE(eventually(60s, [&] { return events_in_clickhouse(run) == 30; }, 250ms));
  CHECK(wait_until(30s, [&] { return group_difference(run.group, {id}, kPartitions); }) == "");
  const std::string first_member = member_id_of(run.group, id);
  CHECK_FALSE(first_member.empty());

  REQUIRE(first->stop(SIGKILL, 10s) == 128 + SIGKILL);
  // Produced while nobody consumes: the dead member still holds every partition.
  produce_events(run, 30, 60);
  CHECK(events_in_clickhouse(run) == 30);

  auto restarted = start_ingest(run, id, "restarted");
  // Well before the 120 s session timeout: without the id, the partitions would wait for it.
  const bool caught_up = eventually(60s, [&] { return events_in_clickhouse(run) == 60; }, 250ms);
  INFO("restarted ingest's log:\n" << restarted->stderr_text());
  REQUIRE(caught_up);
  CHECK(assigned_some(restarted->stderr_text()));
  // The group shows the restarted process as the member: the id's member is a new one,
  // still the only one, holding every partition.
  CHECK(wait_until(30s, [&] {
          const std::string member = member_id_of(run.group, id);
          if (member.empty() || member == first_member) return "still the killed member " + first_member;
          return group_difference(run.group, {id}, kPartitions);
        }) == "");

  REQUIRE(restarted->stop(SIGTERM, 60s) == 0);
  const Json summary = Json::parse(restarted->stdout_text());
  CHECK(summary.at("metrics").at("consumed").get<uint64_t>() >= 30);
  CHECK(summary.at("uncommitted").get<uint64_t>() == 0);
}

TEST_CASE("rebalance: one instance id in two processes - refused on this host, fenced by Kafka across hosts, exit 2 "
          "saying what to do") {
  if (!nf::test::require_stack()) return;
  require_schema();
  const Run run("fence");
  const std::string id = run.name;

  auto first = start_assigned(run, id, "first");

  // The same id on this host: refused before it joins, so the first keeps its partitions.
  auto second = start_ingest(run, id, "second");
  const int second_exit = exit_code_within(*second, 30s);
  INFO("second's stderr:\n" << second->stderr_text());
  CHECK(second_exit == 2);
  CHECK_THAT(second->stderr_text(), Catch::Contains("ingest.instance_id '" + id + "' is already used in group " + run.group +
                                                    " by another process on this host") &&
                                        Catch::Contains("give each process its own id"));
  CHECK(first->running());
  CHECK(wait_until(30s, [&] { return group_difference(run.group, {id}, kPartitions); }) == "");

  // The same id from elsewhere (no claim on this host can stop it): Kafka lets the newer
  // member have it and fences the first, which stops with the reason.
  ForeignMember foreign(run.group, id, run.events);
  REQUIRE(foreign.assigned_within(60s));
  const int first_exit = exit_code_within(*first, 60s);
  INFO("first's stderr:\n" << first->stderr_text());
  CHECK(first_exit == 2);
  CHECK_THAT(first->stderr_text(),
             Catch::Contains("Kafka fenced this ingest out of group " + run.group +
                             ": another process joined it with the same instance id '" + id + "'") &&
                 Catch::Contains("give each its own ingest.instance_id"));
}

TEST_CASE("rebalance: serve --with-ingest instances on one host take distinct auto ids, and a SIGKILLed one restarted "
          "takes its id and partitions back") {
  if (!nf::test::require_stack()) return;
  const auto schema = nf::test::run_novafeed({"schema", "apply"}, nf::test::stack_env());
  INFO(schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);
  const Run run("serve");
  // The in-process ingest reads the CDC topics too: from their current end only.
  std::vector<std::string> topics = {run.events};
  for (const auto& [topic, route] : nf::ingest::routes_for(nf::test::stack_config(), "cdc")) topics.push_back(topic);
  nf::test::start_group_at_end(run.group, topics);
  const auto metadata_partitions = [&] {
    size_t count = kPartitions;
    const auto metadata = nf::kafka::fetch_metadata(nf::kafka::settings_from(nf::test::stack_config()));
    for (size_t i = 1; i < topics.size(); ++i) count += metadata.find_topic(topics[i])->partitions.size();
    return count;
  }();

  auto env = nf::test::stack_env();
  env["NOVAFEED_INGEST_INSTANCE_ID"] = "auto";
  env["NOVAFEED_INGEST_GROUP"] = run.group;
  env["NOVAFEED_KAFKA_EVENTS_TOPIC"] = run.events;
  env["NOVAFEED_INGEST_EVENTS_DLQ_TOPIC"] = run.dlq;
  const auto start_serve = [&](const std::string& label) {
    const std::string prefix = log_path(run.name + "-" + label);
    auto serve = std::make_unique<BackgroundNovafeed>(
        std::vector<std::string>{"--log-level", "info", "-X", kSession, "serve", "--listen",
                                 "127.0.0.1:" + std::to_string(nf::test::free_port()), "--with-ingest"},
        env, nf::test::OutputFiles{prefix + ".out", prefix + ".err"});
    if (!serve->wait_for_stderr("static member '", 60s)) FAIL("serve's ingest did not join:\n" + serve->stderr_text());
    return serve;
  };
  const std::string host = nf::process::this_instance().host;
  const std::string slot0 = nf::ingest::derived_instance_id(host, "all", 0);
  const std::string slot1 = nf::ingest::derived_instance_id(host, "all", 1);

  auto a = start_serve("a");
  auto b = start_serve("b");
  const bool a_has_0 = a->stderr_text().find("static member '" + slot0 + "'") != std::string::npos;
  CHECK_THAT(a_has_0 ? b->stderr_text() : a->stderr_text(), Catch::Contains("static member '" + slot1 + "'"));
  CHECK(wait_until(60s, [&] { return group_difference(run.group, {slot0, slot1}, metadata_partitions); }) == "");

  // Killed: its slot is free again, so the next serve on this host takes its id, and with
  // it the partitions the dead member held, without waiting for its session to end.
  auto& killed = a_has_0 ? a : b;
  const std::string killed_member = member_id_of(run.group, slot0);
  REQUIRE(killed->stop(SIGKILL, 10s) == 128 + SIGKILL);
  auto c = start_serve("c");
  CHECK_THAT(c->stderr_text(), Catch::Contains("static member '" + slot0 + "'"));
  CHECK(eventually(60s, [&] { return assigned_some(c->stderr_text()); }, 250ms));
  CHECK(wait_until(60s, [&] {
          const std::string member = member_id_of(run.group, slot0);
          if (member.empty() || member == killed_member) return "still the killed member " + killed_member;
          return group_difference(run.group, {slot0, slot1}, metadata_partitions);
        }) == "");

  auto& survivor = a_has_0 ? b : a;
  CHECK(survivor->stop(SIGTERM, 30s) == 0);
  CHECK(c->stop(SIGTERM, 30s) == 0);
}

TEST_CASE("rebalance: serve --with-ingest fenced by another process's instance id keeps answering, and /readyz and "
          "/metrics say its ingest is not consuming and why") {
  if (!nf::test::require_stack()) return;
  const auto schema = nf::test::run_novafeed({"schema", "apply"}, nf::test::stack_env());
  INFO(schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);
  const Run run("serve-fenced");
  const std::string id = run.name;
  std::vector<std::string> topics = {run.events};
  for (const auto& [topic, route] : nf::ingest::routes_for(nf::test::stack_config(), "cdc")) topics.push_back(topic);
  nf::test::start_group_at_end(run.group, topics);

  auto env = nf::test::stack_env();
  env["NOVAFEED_INGEST_INSTANCE_ID"] = id;
  env["NOVAFEED_INGEST_GROUP"] = run.group;
  env["NOVAFEED_KAFKA_EVENTS_TOPIC"] = run.events;
  env["NOVAFEED_INGEST_EVENTS_DLQ_TOPIC"] = run.dlq;
  const int port = nf::test::free_port();
  const std::string prefix = log_path(run.name + "-serve");
  BackgroundNovafeed serve({"--log-level", "info", "-X", kSession, "serve", "--listen", "127.0.0.1:" + std::to_string(port),
                            "--with-ingest"},
                           env, nf::test::OutputFiles{prefix + ".out", prefix + ".err"});
  if (!serve.wait_for_stderr("static member '" + id + "'", 60s)) FAIL("serve's ingest did not join:\n" + serve.stderr_text());
  const auto get = [&](const std::string& path) {
    nf::net::HttpRequest request;
    request.method = "GET";
    request.url = "http://127.0.0.1:" + std::to_string(port) + path;
    request.timeout_ms = 10000;
    auto response = nf::net::perform(request);
    if (!response) throw std::runtime_error("GET " + path + ": " + response.error());
    return *response;
  };
  // The gauge's sample line, e.g. "novafeed_ingest_consuming 1".
  const auto consuming_line = [&]() -> std::string {
    const std::string body = get("/metrics").body;
    const auto at = body.find("\nnovafeed_ingest_consuming ");
    return at == std::string::npos ? std::string("absent") : body.substr(at + 1, body.find('\n', at + 1) - at - 1);
  };

  CHECK(eventually(30s, [&] { return consuming_line() == "novafeed_ingest_consuming 1"; }, 250ms));
  auto ready = Json::parse(get("/readyz").body);
  CHECK(ready.at("dependencies").at("ingest").at("state") == "up");
  CHECK(ready.at("dependencies").at("ingest").at("detail") == "consuming");

  // Another machine joins with the same id: Kafka fences serve's ingest, which stops ingesting
  // (a retry would fence the other in turn) while the API keeps answering.
  ForeignMember foreign(run.group, id, run.events);
  REQUIRE(foreign.assigned_within(60s));
  const bool seen_fenced = eventually(60s, [&] { return consuming_line() == "novafeed_ingest_consuming 0"; }, 250ms);
  INFO("serve's log:\n" << serve.stderr_text());
  REQUIRE(seen_fenced);
  CHECK(serve.running());
  // /readyz checks at most once a second: its report may predate the fence for that long.
  eventually(5s, [&] { return Json::parse(get("/readyz").body).at("dependencies").at("ingest").at("state") == "down"; },
             250ms);
  const auto readyz = get("/readyz");
  CHECK(readyz.status == 200);  // the feed does not need the ingest: still in rotation
  ready = Json::parse(readyz.body);
  CHECK(ready.at("ready") == true);
  CHECK(ready.at("dependencies").at("ingest").at("state") == "down");
  CHECK_THAT(ready.at("dependencies").at("ingest").at("detail").get<std::string>(),
             Catch::StartsWith("fenced: Kafka fenced this ingest out of group " + run.group) &&
                 Catch::Contains("Restart this serve (or give it its own ingest.instance_id)"));
  CHECK(get("/healthz").status == 200);
  CHECK(serve.stop(SIGTERM, 30s) == 0);
}
