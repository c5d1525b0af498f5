// The monitoring examples against the real thing: a real `novafeed serve --with-ingest
// --with-jobs`, a standalone `ingest --metrics-listen` and `jobs run --metrics-listen`, all
// scraped by a real Prometheus; a little traffic (feeds, cache hits and misses, events incl.
// rejected ones and an impression, a like and a view on a served post, an event the ingest
// dead-letters, a CDC change); then EVERY panel expression of the three dashboards in
// examples/monitoring/dashboards/ must return series from Prometheus' HTTP API, at least one
// of them a number. A panel that shows nothing is a defect of the metric or the panel.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/auth/jwt.hpp"
#include "core/clickhouse/client.hpp"
#include "core/kafka/handle.hpp"
#include "core/kafka/metadata.hpp"
#include "core/kafka/settings.hpp"
#include "core/net/http_client.hpp"
#include "core/pg/connection.hpp"
#include "tests/support/consumer_group.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/process.hpp"
#include "tests/support/prometheus_server.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/promtool.hpp"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using nf::test::eventually;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string token_for(uint64_t user) {
  return nf::auth::mint_token(nf::test::stack_jwt_secret(), user, now_ms() / 1000, 3600);
}

nf::net::HttpResponse http(const std::string& method, const std::string& url, const std::string& token = "",
                           const std::string& body = "") {
  nf::net::HttpRequest request;
  request.method = method;
  request.url = url;
  request.body = body;
  request.timeout_ms = 15000;
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  const auto response = nf::net::perform(request);
  if (!response) FAIL(method + " " + url + " failed: " + response.error());
  return *response;
}

// The value of one sample line of a /metrics text ("name{labels} value"); -1 when absent.
double sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

// A dashboard's panel target: where it is, and its expression.
struct PanelTarget {
  std::string where;  // "system-overview.json: p95 latency, by route [A]"
  std::string expr;
};

// Every targets[].expr of the dashboard (rows' nested panels too), with its template
// variables replaced as Grafana would: each templating variable by its "All" value, the
// built-in intervals by `interval` (the test's whole traffic lies within it).
std::vector<PanelTarget> panel_targets(const std::string& file, const std::string& interval) {
  std::ifstream in(nf::test::source_dir() + "/examples/monitoring/dashboards/" + file);
  INFO(file);
  REQUIRE(in.good());
  const auto board = json::parse(in);
  std::map<std::string, std::string> values = {
      {"__rate_interval", interval}, {"__interval", interval}, {"__range", interval}};
  for (const auto& variable : board.at("templating").at("list")) {
    if (variable.at("type") == "datasource") continue;  // not in expressions: the panel's datasource
    INFO("variable " << variable.at("name"));
    REQUIRE(variable.contains("allValue"));  // a variable the test cannot fill is a panel it cannot check
    values[variable.at("name").get<std::string>()] = variable.at("allValue").get<std::string>();
  }
  std::vector<PanelTarget> out;
  std::vector<json> panels(board.at("panels").begin(), board.at("panels").end());
  for (size_t i = 0; i < panels.size(); ++i) {
    const auto& panel = panels[i];
    if (panel.contains("panels"))
      for (const auto& nested : panel["panels"]) panels.push_back(nested);
    if (!panel.contains("targets")) continue;
    for (const auto& target : panel["targets"]) {
      std::string expr = target.at("expr").get<std::string>();
      for (const auto& [name, value] : values) {
        for (const auto& form : {"${" + name + "}", "$" + name}) {
          for (size_t at = expr.find(form); at != std::string::npos; at = expr.find(form, at + value.size()))
            expr.replace(at, form.size(), value);
        }
      }
      out.push_back({file + ": " + panel.at("title").get<std::string>() + " [" + target.at("refId").get<std::string>() + "]",
                     expr});
    }
  }
  return out;
}

// True when the answer is a success with at least one series, one of them a finite number.
bool shows_numbers(const json& answer, std::string* why) {
  if (answer.value("status", "") != "success") {
    *why = "status " + answer.value("status", "?") + ": " + answer.value("error", answer.dump());
    return false;
  }
  const auto& data = answer.at("data");
  const auto& result = data.at("result");
  if (data.at("resultType") == "scalar") {
    const double value = std::stod(result.at(1).get<std::string>());
    *why = "scalar " + result.at(1).get<std::string>();
    return std::isfinite(value);
  }
  if (result.empty()) {
    *why = "no series";
    return false;
  }
  for (const auto& series : result) {
    const std::string text = series.at("value").at(1).get<std::string>();
    if (std::isfinite(std::stod(text))) return true;
  }
  *why = std::to_string(result.size()) + " series, none a number (NaN or Inf): " + result.dump().substr(0, 400);
  return false;
}

}  // namespace

TEST_CASE("monitoring: every panel of the three dashboards shows series from a real Prometheus scraping serve, "
          "ingest and jobs",
          "[monitoring][clickhouse]") {
  if (!nf::test::require_stack()) return;
  if (nf::test::prometheus_binary().empty()) return;  // warned loudly (a failure under CI)
  const auto env_base = nf::test::stack_env();
  {
    const auto schema = nf::test::run_novafeed({"schema", "apply"}, env_base);
    INFO(schema.out << schema.err);
    REQUIRE(schema.exit_code == 0);
    const auto connector = nf::test::run_novafeed({"connectors", "apply", "--wait", "--timeout", "120s"}, env_base);
    INFO(connector.out << connector.err);
    REQUIRE(connector.exit_code == 0);
  }

  // Ids of this run only: users base+1 (viewer), base+2 (a second viewer), base+3 (author),
  // posts base+10.. by the author; base+99 is a post PostgreSQL never has.
  const uint64_t base = 880'000'000 + static_cast<uint64_t>(now_ms() % 1'000'000) * 100;
  const uint64_t viewer = base + 1, second_viewer = base + 2, author = base + 3, ghost_post = base + 99;
  const std::string group = "novafeed-monitoring-test-" + std::to_string(base);
  const std::vector<std::string> pipeline = {"events", "cdc.users", "cdc.posts", "cdc.follows", "cdc.likes", "cdc.comments"};
  nf::test::start_group_at_end(group, pipeline);
  nf::test::start_group_at_end(group + "-standalone", pipeline);

  auto env = env_base;
  env["NOVAFEED_INGEST_GROUP"] = group;
  env["NOVAFEED_INGEST_BATCH_MS"] = "200";
  env["NOVAFEED_CDC_PROBE_INTERVAL_MS"] = "2000";
  const int serve_port = nf::test::free_port();
  nf::test::BackgroundNovafeed serve({"--log-level", "info", "-X", "session.timeout.ms=6000", "serve", "--listen",
                                      "127.0.0.1:" + std::to_string(serve_port), "--with-ingest", "--with-jobs"},
                                     env);
  const std::string api = "http://127.0.0.1:" + std::to_string(serve_port);
  if (!serve.wait_for_stderr("listening on", 30s)) FAIL("serve did not start:\n" + serve.stderr_text());
  if (!serve.wait_for_stderr("ingest: assigned", 60s)) FAIL("serve's ingest got no partitions:\n" + serve.stderr_text());

  // The standalone forms, each with its own /metrics.
  auto standalone_env = env;
  standalone_env["NOVAFEED_INGEST_GROUP"] = group + "-standalone";
  const int ingest_port = nf::test::free_port(), jobs_port = nf::test::free_port();
  nf::test::BackgroundNovafeed ingest(
      {"--log-level", "info", "ingest", "all", "--metrics-listen", "127.0.0.1:" + std::to_string(ingest_port)},
      standalone_env);
  nf::test::BackgroundNovafeed jobs(
      {"--log-level", "info", "jobs", "run", "hot-posts", "--metrics-listen", "127.0.0.1:" + std::to_string(jobs_port)},
      standalone_env);
  if (!ingest.wait_for_stderr("metrics: Prometheus text at", 30s)) FAIL("ingest --metrics-listen:\n" + ingest.stderr_text());
  if (!jobs.wait_for_stderr("metrics: Prometheus text at", 30s)) FAIL("jobs --metrics-listen:\n" + jobs.stderr_text());

  nf::test::PrometheusServer prometheus({{"novafeed-serve", "127.0.0.1:" + std::to_string(serve_port)},
                                         {"novafeed-ingest", "127.0.0.1:" + std::to_string(ingest_port)},
                                         {"novafeed-jobs", "127.0.0.1:" + std::to_string(jobs_port)}});
  if (!prometheus.wait_ready(60s)) FAIL("Prometheus did not become ready:\n" + prometheus.log());
  // Scraping before any traffic (its targets arrive a few seconds after ready): every
  // counter's first sample is from before, so the rates over the test see its increase.
  const bool all_up = eventually(60s, [&] {
    const auto up = prometheus.query("sum(up)");
    return up.value("status", "") == "success" && !up["data"]["result"].empty() &&
           up["data"]["result"][0]["value"][1] == "3";
  });
  if (!all_up) FAIL("Prometheus does not scrape all three /metrics: " + prometheus.query("up").dump() + "\n" + prometheus.log());
  std::this_thread::sleep_for(2s);

  // A CDC change the ingest inserts (its age is observed): the author, two viewers who
  // follow them, and three new posts.
  auto postgres = nf::pg::connect(nf::pg::settings_from(nf::test::stack_config()));
  struct Cleanup {
    pqxx::connection& postgres;
    uint64_t base;
    ~Cleanup() {
      try {
        pqxx::work tx(postgres);
        tx.exec_params("DELETE FROM users WHERE id BETWEEN $1 AND $2", static_cast<int64_t>(base), static_cast<int64_t>(base + 99));
        tx.commit();
      } catch (const std::exception&) {
      }
    }
  } cleanup{*postgres, base};
  {
    pqxx::work tx(*postgres);
    for (const uint64_t user : {viewer, second_viewer, author})
      tx.exec_params("INSERT INTO users (id, username) VALUES ($1, $2)", static_cast<int64_t>(user),
                     "monitoring-test-" + std::to_string(user));
    for (uint64_t i = 0; i < 3; ++i)
      tx.exec_params("INSERT INTO posts (id, author_id, caption) VALUES ($1, $2, 'monitoring')",
                     static_cast<int64_t>(base + 10 + i), static_cast<int64_t>(author));
    for (const uint64_t follower : {viewer, second_viewer})
      tx.exec_params("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", static_cast<int64_t>(follower),
                     static_cast<int64_t>(author));
    tx.commit();
  }
  const auto clickhouse = nf::test::stack_clickhouse();
  const bool in_clickhouse = eventually(90s, [&] {
    const auto rows = clickhouse.query("SELECT count() AS n FROM posts FINAL WHERE _deleted = 0 AND author_id = " +
                                       std::to_string(author));
    const auto follows = clickhouse.query("SELECT count() AS n FROM follows FINAL WHERE _deleted = 0 AND followee_id = " +
                                          std::to_string(author));
    return nf::ch::as_u64(rows.at(0)["n"]) == 3 && nf::ch::as_u64(follows.at(0)["n"]) == 2;
  });
  if (!in_clickhouse) FAIL("the CDC rows did not reach ClickHouse within 90 s; serve's log:\n" + serve.stderr_text());

  // Feeds: a miss each, then hits (from Redis, then from serve's memory); one refused.
  json served_page;
  for (const uint64_t user : {viewer, second_viewer}) {
    for (int i = 0; i < 3; ++i) {
      const auto page = http("GET", api + "/api/v1/feed?limit=20", token_for(user));
      INFO(page.body);
      REQUIRE(page.status == 200);
      if (user == viewer) served_page = json::parse(page.body);
      std::this_thread::sleep_for(100ms);
    }
  }
  CHECK(http("GET", api + "/api/v1/feed").status == 401);
  CHECK(http("GET", api + "/api/v1/feed/trending?window=24h", token_for(viewer)).status == 200);
  CHECK(http("GET", api + "/api/v1/discover/suggested-users", token_for(viewer)).status == 200);
  REQUIRE(served_page["algo"] == "ranked");
  REQUIRE(served_page["cached"] == true);
  REQUIRE_FALSE(served_page["items"].empty());
  const auto& item = served_page["items"][0];
  const uint64_t post = item["post_id"].get<uint64_t>();
  const std::string source = item["source"].get<std::string>();

  // Events: an impression, a like and a view (4.2 s) on the served post, and one refused
  // (action "poke"); a body that is not JSON; an event on a post PostgreSQL does not have
  // (accepted, then dead-lettered by the ingest: its author cannot be resolved).
  const std::string run = "monitoring-" + std::to_string(base);
  const int64_t ts = now_ms();
  const json batch = json::array({
      {{"event_id", run + "-i"}, {"post_id", post}, {"action", "impression"}, {"ts", ts}},
      {{"event_id", run + "-l"}, {"post_id", post}, {"action", "like"}, {"ts", ts}},
      {{"event_id", run + "-v"}, {"post_id", post}, {"action", "view"}, {"ts", ts}, {"dwell_ms", 4200}},
      {{"event_id", run + "-x"}, {"post_id", post}, {"action", "poke"}, {"ts", ts}},
  });
  const auto accepted = http("POST", api + "/api/v1/events", token_for(viewer), batch.dump());
  INFO(accepted.body);
  REQUIRE(accepted.status == 202);
  CHECK(json::parse(accepted.body)["accepted"] == 3);
  CHECK(http("POST", api + "/api/v1/events", token_for(viewer), "{not json").status == 400);
  const json ghost = json::array({{{"event_id", run + "-g"}, {"post_id", ghost_post}, {"action", "view"}, {"ts", ts}}});
  CHECK(http("POST", api + "/api/v1/events", token_for(second_viewer), ghost.dump()).status == 202);

  // serve's /metrics counted each where it happened.
  const auto metrics_text = [&] { return http("GET", api + "/metrics").body; };
  {
    const auto text = metrics_text();
    INFO(text);
    CHECK(sample(text, "novafeed_feed_source_events_total{source=\"" + source + "\",action=\"impression\"}") == 1);
    CHECK(sample(text, "novafeed_feed_source_events_total{source=\"" + source + "\",action=\"like\"}") == 1);
    CHECK(sample(text, "novafeed_feed_dwell_seconds_sum{source=\"" + source + "\"}") == Approx(4.2));
    CHECK(sample(text, "novafeed_events_rejected_total{reason=\"invalid_action\"}") == 1);
    CHECK(sample(text, "novafeed_events_rejected_total{reason=\"invalid_json\"}") == 1);
    CHECK(sample(text, "novafeed_feed_items_served_total{source=\"" + source + "\"}") >= 6);
    CHECK(sample(text, "novafeed_feed_request_duration_seconds_count{algo=\"ranked\",cached=\"true\"}") >= 4);
    CHECK(sample(text, "novafeed_dependency_request_duration_seconds_count{dependency=\"kafka\"}") >= 2);
    CHECK(sample(text, "novafeed_cdc_slot_active") == 1);
    CHECK(sample(text, "novafeed_cdc_connector_running") == 1);
    CHECK(sample(text, "novafeed_cdc_event_age_seconds_count") >= 5);  // 3 users, 3 posts, 2 follows
  }
  const bool dead_lettered = eventually(60s, [&] {
    return sample(metrics_text(), "novafeed_ingest_dead_lettered_total{dlq_topic=\"events.dlq\"}") >= 1;
  });
  CHECK(dead_lettered);

  // The standalone forms answer with their own families, in text promtool accepts (serve's
  // is checked by serve_test).
  const auto ingest_text = http("GET", "http://127.0.0.1:" + std::to_string(ingest_port) + "/metrics").body;
  const auto jobs_text = http("GET", "http://127.0.0.1:" + std::to_string(jobs_port) + "/metrics").body;
  CHECK_THAT(ingest_text, Catch::Contains("novafeed_ingest_consumed_total") && Catch::Contains("novafeed_cdc_slot_stalled") &&
                              Catch::Contains("novafeed_dependency_errors_total"));
  CHECK_THAT(jobs_text, Catch::Contains("novafeed_job_interval_seconds{job=\"hot-posts\"} 60") &&
                            Catch::Contains("novafeed_dependency_errors_total"));
  for (const auto& text : {ingest_text, jobs_text}) {
    const auto [code, output] = nf::test::run_promtool("check metrics", text);
    INFO(output << "\n" << text);
    CHECK(code == 0);
  }

  // Prometheus has seen the like (and so the traffic before it).
  const bool scraped = eventually(60s, [&] {
    const auto like = prometheus.query("sum(novafeed_feed_source_events_total{action=\"like\"})");
    std::string why;
    return shows_numbers(like, &why) && like["data"]["result"][0]["value"][1] == "1";
  });
  if (!scraped) FAIL("Prometheus did not scrape the like: " + prometheus.query("up").dump() + "\n" + prometheus.log());

  // Every panel's every target: status success, series, at least one of them a number.
  // The rate windows are 5 minutes: the whole test's traffic lies within them.
  size_t checked = 0;
  for (const char* file : {"system-overview.json", "data-pipeline.json", "ranking-quality.json"}) {
    for (const auto& target : panel_targets(file, "5m")) {
      std::string why;
      const bool shown = eventually(30s, [&] { return shows_numbers(prometheus.query(target.expr), &why); }, 1s);
      INFO(target.where << "\n  " << target.expr << "\n  " << why);
      CHECK(shown);
      ++checked;
    }
  }
  CHECK(checked >= 50);

  CHECK(jobs.stop(SIGTERM, 30s) == 0);
  CHECK(ingest.stop(SIGTERM, 30s) == 0);
  CHECK(serve.stop(SIGTERM, 30s) == 0);
}
