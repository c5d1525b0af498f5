// Kafka Connect status answers (real ones, in tests/data/connect/status_*.json) and how
// they read: parsing, healthy(), trace summaries, and the apply diff.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/connect/apply.hpp"
#include "core/connect/client.hpp"
#include "core/connect/report.hpp"
#include "core/connect/wait.hpp"
#include "core/error/error.hpp"
#include "tests/support/run.hpp"

namespace {

nlohmann::json status_body(const std::string& file) {
  return nlohmann::json::parse(nf::test::read_data_file("connect/" + file))["body"];
}

}  // namespace

TEST_CASE("a status with a FAILED task parses to an unhealthy ConnectorStatus with the trace") {
  const auto status = nf::connect::parse_status(status_body("status_failed_task.json"));
  CHECK(status.name == "novafeed-probe");
  CHECK(status.state == "RUNNING");
  CHECK(status.worker_id == "127.0.0.1:18083");
  CHECK(status.trace.empty());
  REQUIRE(status.tasks.size() == 1);
  CHECK(status.tasks[0].id == 0);
  CHECK(status.tasks[0].state == "FAILED");
  CHECK(status.tasks[0].worker_id == "127.0.0.1:18083");
  CHECK(status.tasks[0].trace.starts_with(
      "org.apache.kafka.connect.errors.ConnectException: Publication autocreation is disabled, please create one and "
      "restart the connector.\n\tat io.debezium.connector.postgresql.connection.PostgresReplicationConnection.initPublication"));
  CHECK(status.tasks[0].trace.ends_with("at java.base/java.lang.Thread.run(Thread.java:840)\n"));
  CHECK_FALSE(status.healthy());
  CHECK(nf::connect::has_failure(status));
  CHECK(nf::connect::describe_state(status) == "connector RUNNING, task 0 FAILED");

  const std::string text = nf::connect::status_text(status);
  CHECK_THAT(text, Catch::Contains("connector novafeed-probe: RUNNING (worker 127.0.0.1:18083)"));
  CHECK_THAT(text, Catch::Contains("  task 0: FAILED (worker 127.0.0.1:18083)\n"
                                   "    org.apache.kafka.connect.errors.ConnectException: Publication autocreation is disabled"));
  CHECK_THAT(text, Catch::Contains("... 13 more lines (full trace: novafeed --json connectors status)"));
  CHECK_THAT(text, !Catch::Contains("Thread.run"));  // the tail is left out in human mode

  const auto json = nf::connect::status_json(status);
  CHECK(json["healthy"] == false);
  CHECK(json["tasks"][0]["trace"] == status.tasks[0].trace);  // full trace in JSON
}

TEST_CASE("a running status is healthy, no tasks or one task not RUNNING is not") {
  auto status = nf::connect::parse_status(status_body("status_running.json"));
  CHECK(status.name == "novafeed-postgres");
  REQUIRE(status.tasks.size() == 1);
  CHECK(status.tasks[0].trace.empty());
  CHECK(status.healthy());
  CHECK_FALSE(nf::connect::has_failure(status));
  CHECK(nf::connect::status_text(status) ==
        "connector novafeed-postgres: RUNNING (worker 127.0.0.1:18083)\n  task 0: RUNNING (worker 127.0.0.1:18083)\n");

  auto no_tasks = status;
  no_tasks.tasks.clear();
  CHECK_FALSE(no_tasks.healthy());
  CHECK(nf::connect::describe_state(no_tasks) == "connector RUNNING, no tasks yet");

  auto unassigned = status;
  unassigned.tasks[0].state = "UNASSIGNED";
  CHECK_FALSE(unassigned.healthy());
  CHECK_FALSE(nf::connect::has_failure(unassigned));

  auto paused = status;
  paused.state = "PAUSED";
  CHECK_FALSE(paused.healthy());
  CHECK(nf::connect::describe_state(std::nullopt) == "not registered on the worker yet");
}

TEST_CASE("tasks are sorted by id and a connector-level failure keeps its trace") {
  const auto status = nf::connect::parse_status(nlohmann::json::parse(R"({
    "name": "c", "connector": {"state": "FAILED", "worker_id": "w:1", "trace": "java.lang.IllegalStateException: boom\n\tat x.y(Z.java:1)\n"},
    "tasks": [{"id": 2, "state": "RUNNING", "worker_id": "w:2"}, {"id": 0, "state": "RUNNING", "worker_id": "w:1"}],
    "type": "source"})"));
  REQUIRE(status.tasks.size() == 2);
  CHECK(status.tasks[0].id == 0);
  CHECK(status.tasks[1].id == 2);
  CHECK(status.trace.starts_with("java.lang.IllegalStateException: boom"));
  CHECK_FALSE(status.healthy());
  CHECK(nf::connect::has_failure(status));
  CHECK_THROWS_AS(nf::connect::parse_status(nlohmann::json::parse(R"({"error_code": 404})")), nf::Error);
}

TEST_CASE("trace summaries keep the head and every Caused by line") {
  const std::string trace =
      "org.apache.kafka.connect.errors.ConnectException: An exception occurred in the change event producer.\n"
      "\tat a.b(C.java:1)\n\tat a.b(C.java:2)\n\tat a.b(C.java:3)\n\tat a.b(C.java:4)\n\tat a.b(C.java:5)\n"
      "Caused by: org.postgresql.util.PSQLException: ERROR: replication slot \"novafeed_slot\" is active for PID 42\n"
      "\tat a.b(C.java:6)\n\tat a.b(C.java:7)\n";
  const auto lines = nf::connect::summarize_trace(trace, 2);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "org.apache.kafka.connect.errors.ConnectException: An exception occurred in the change event producer.");
  CHECK(lines[1] == "  at a.b(C.java:1)");
  CHECK(lines[2] == "  Caused by: org.postgresql.util.PSQLException: ERROR: replication slot \"novafeed_slot\" is active for PID 42");
  CHECK(lines[3] == "  ... 6 more lines (full trace: novafeed --json connectors status)");
  CHECK(nf::connect::summarize_trace("").empty());
  CHECK(nf::connect::summarize_trace("one line\n").size() == 1);
}

TEST_CASE("apply's diff ignores the name Connect adds and masks secrets") {
  const nlohmann::json current = {{"name", "c"}, {"a", "1"}, {"b", "2"}, {"database.password", "old"}, {"gone", "x"}};
  const nlohmann::json desired = {{"a", "1"}, {"b", "3"}, {"database.password", "new"}, {"added", "y"}};
  const auto changes = nf::connect::diff_configs(current, desired);
  REQUIRE(changes.size() == 4);
  CHECK(changes[0].key == "added");
  CHECK_FALSE(changes[0].before.has_value());
  CHECK(changes[1].key == "b");
  CHECK(*changes[1].before == "2");
  CHECK(*changes[1].after == "3");
  CHECK(changes[2].key == "database.password");
  CHECK(changes[3].key == "gone");
  CHECK_FALSE(changes[3].after.has_value());
  const std::string text = nf::connect::changes_text(changes);
  CHECK(text == "  added: (unset) -> y\n  b: 2 -> 3\n  database.password: ******** -> ********\n  gone: x -> (unset)\n");
  CHECK(nf::connect::changes_json(changes).dump().find("new") == std::string::npos);

  CHECK(nf::connect::diff_configs({{"name", "c"}, {"a", "1"}}, {{"a", "1"}}).empty());
}

TEST_CASE("field errors from Connect's validation read as field: message") {
  const std::vector<nf::connect::FieldError> errors = {
      {"snapshot.mode", "The 'snapshot.mode' value is invalid: Value must be one of always, initial"}};
  CHECK(nf::connect::field_errors_text(errors) ==
        "  snapshot.mode: The 'snapshot.mode' value is invalid: Value must be one of always, initial\n");
  CHECK(nf::connect::field_errors_json(errors)[0]["field"] == "snapshot.mode");
}

TEST_CASE("the connector list marks novafeed's connector") {
  auto running = nf::connect::parse_status(status_body("status_running.json"));
  auto failed = nf::connect::parse_status(status_body("status_failed_task.json"));
  const std::string text = nf::connect::list_text({failed, running}, "novafeed-postgres");
  CHECK(text ==
        "NAME                 STATE        TASKS\n"
        "novafeed-probe       RUNNING      0/1 running, task 0 FAILED\n"
        "novafeed-postgres *  RUNNING      1/1 running\n");
}
