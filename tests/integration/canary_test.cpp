// The canary of the ranked feed on a real `novafeed serve` (docs/canary.md): with
// feed.ranked_percent = 10 in its config file, 2,000 users each ask for their feed twice
// and about 10 % (exactly those splitmix64 puts below 10) get algo=ranked, the same users
// both times; the timeline side is not counted as a fallback. The file rewritten to 100
// and a SIGHUP: the same process (same pid) serves everyone ranked; back to 10, the
// timeline side gets the timeline although its ranked feeds are cached; a bad value then
// is refused and the old one kept. The users need no data: an unknown user still gets an
// algo. Requests go over keep-alive connections from a few threads.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/auth/jwt.hpp"
#include "core/feed/canary.hpp"
#include "core/net/http_client.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run.hpp"
#include "tests/support/stack.hpp"

namespace {

using namespace std::chrono_literals;

constexpr uint64_t kFirstUser = 9'410'000'001;  // this test's ids: nobody else's, no data needed
constexpr size_t kUsers = 2000;
constexpr size_t kThreads = 4;

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void write_config(const std::string& path, const std::string& percent) {
  std::ofstream out(path, std::ios::trunc);
  out << "# written by tests/integration/canary_test.cpp\n[feed]\nranked_percent = " << percent << "\n";
}

// A value of serve's /metrics (nullopt when absent).
std::optional<double> metric(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + name.size() + 2));
}

class CanaryServer {
 public:
  explicit CanaryServer(const std::string& config_path) {
    port_ = nf::test::free_port();
    auto env = nf::test::stack_env();
    env["NOVAFEED_CONFIG"] = "";                 // only --config
    env["NOVAFEED_FEED_RANKED_PERCENT"] = "";  // the file decides
    process_ = std::make_unique<nf::test::BackgroundNovafeed>(
        std::vector<std::string>{"--log-level", "info", "--config", config_path, "serve", "--listen",
                                 "127.0.0.1:" + std::to_string(port_)},
        env);
    if (!process_->wait_for_stderr("listening on", 30s)) FAIL("serve did not start:\n" + process_->stderr_text());
  }

  tl::expected<nf::net::HttpResponse, std::string> get(const std::string& path, const std::string& token = "") const {
    nf::net::HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + path;
    request.timeout_ms = 15000;
    if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
    return nf::net::perform(request);
  }

  std::string metrics() const {
    const auto response = get("/metrics");
    return response && response->status == 200 ? response->body : "";
  }

  nf::test::BackgroundNovafeed& process() { return *process_; }

 private:
  int port_ = 0;
  std::unique_ptr<nf::test::BackgroundNovafeed> process_;
};

// Every user's feed once, from kThreads threads: the algo each got ("" for a failed
// request, whose error is kept).
struct Round {
  std::vector<std::string> algo;
  std::vector<std::string> errors;
  size_t ranked() const { return static_cast<size_t>(std::count(algo.begin(), algo.end(), "ranked")); }
};

Round ask_everyone(const CanaryServer& server, const std::vector<std::string>& tokens) {
  Round round;
  round.algo.resize(tokens.size());
  std::mutex errors_mutex;
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (size_t i = next++; i < tokens.size(); i = next++) {
        const auto response = server.get("/api/v1/feed?limit=5", tokens[i]);
        std::string error;
        if (!response) {
          error = response.error();
        } else if (response->status != 200) {
          error = "HTTP " + std::to_string(response->status) + ": " + response->body;
        } else {
          try {
            round.algo[i] = nlohmann::json::parse(response->body).at("algo").get<std::string>();
          } catch (const std::exception& e) {
            error = std::string("unreadable answer: ") + e.what();
          }
        }
        if (!error.empty()) {
          std::lock_guard lock(errors_mutex);
          round.errors.push_back("user " + std::to_string(kFirstUser + i) + ": " + error);
        }
      }
    });
  for (auto& thread : threads) thread.join();
  return round;
}

}  // namespace

TEST_CASE("canary: serve ranks the hashed 10 % of 2,000 users, the same ones twice, then all of them after the "
          "config file says 100 and a SIGHUP, without a restart",
          "[canary][serve]") {
  if (!nf::test::require_stack()) return;
  const auto schema = nf::test::run_novafeed({"schema", "apply"}, nf::test::stack_env());
  INFO(schema.out << schema.err);
  REQUIRE(schema.exit_code == 0);

  const std::string config_path =
      (std::filesystem::temp_directory_path() / ("novafeed-canary-" + std::to_string(::getpid()) + ".toml")).string();
  write_config(config_path, "10");
  struct Removed {
    std::string path;
    ~Removed() { std::filesystem::remove(path); }
  } removed{config_path};

  CanaryServer server(config_path);
  const int pid = server.process().pid();
  const auto secret = nf::test::stack_jwt_secret();
  std::vector<std::string> tokens;
  for (size_t i = 0; i < kUsers; ++i) tokens.push_back(nf::auth::mint_token(secret, kFirstUser + i, now_s(), 3600));
  const auto before = server.metrics();
  CHECK(metric(before, "novafeed_feed_ranked_percent") == 10.0);

  // Two rounds at 10 %: the users splitmix64 puts below 10, both times.
  const auto first = ask_everyone(server, tokens);
  const auto second = ask_everyone(server, tokens);
  INFO("serve log:\n" << server.process().stderr_text().substr(0, 4000));
  for (const auto* round : {&first, &second}) {
    INFO((round == &first ? "first round" : "second round"));
    CHECK(round->errors.empty());
    if (!round->errors.empty()) FAIL_CHECK(round->errors.front());
    CHECK(round->ranked() >= kUsers * 8 / 100);
    CHECK(round->ranked() <= kUsers * 12 / 100);
  }
  size_t wrong_side = 0, switched = 0;
  for (size_t i = 0; i < kUsers; ++i) {
    const std::string expected = nf::feed::ranked_side(kFirstUser + i, 10) ? "ranked" : "timeline";
    wrong_side += first.algo[i] != expected;
    switched += first.algo[i] != second.algo[i];
  }
  CHECK(wrong_side == 0);
  CHECK(switched == 0);
  // The timeline side is the canary's choice, not a ClickHouse failure.
  const auto after_rounds = server.metrics();
  CHECK(metric(after_rounds, "novafeed_feed_fallbacks_total") == metric(before, "novafeed_feed_fallbacks_total"));
  CHECK(metric(after_rounds, "novafeed_clickhouse_breaker_open") == 0.0);

  // `novafeed feed` with the same file says which side a user is on, and serves that side.
  for (const uint64_t user : {kFirstUser, kFirstUser + 1, kFirstUser + 2}) {
    const auto shown =
        nf::test::run_novafeed({"--json", "--config", config_path, "feed", "--user", std::to_string(user)},
                               {{"NOVAFEED_FEED_RANKED_PERCENT", ""}});
    INFO(shown.out << shown.err);
    REQUIRE(shown.exit_code == 0);
    const auto json = nlohmann::json::parse(shown.out);
    const bool ranked = nf::feed::ranked_side(user, 10);
    CHECK(json["canary"]["ranked_percent"] == 10);
    CHECK(json["canary"]["side"] == (ranked ? "ranked" : "timeline"));
    CHECK(json["canary"]["bucket"] == nf::feed::canary_bucket(user));
    CHECK(json["algo"] == (ranked ? "ranked" : "timeline"));
    const auto text = nf::test::run_novafeed({"--config", config_path, "feed", "--user", std::to_string(user)},
                                             {{"NOVAFEED_FEED_RANKED_PERCENT", ""}});
    CHECK_THAT(text.out, Catch::Contains("feed.ranked_percent = 10 (from file:" + config_path + ")") &&
                             Catch::Contains(ranked ? "ranked side" : "TIMELINE side"));
  }

  // 100 in the file, SIGHUP: the same process applies it.
  write_config(config_path, "100");
  REQUIRE(::kill(pid, SIGHUP) == 0);
  CHECK(nf::test::eventually(10s, [&] { return metric(server.metrics(), "novafeed_feed_ranked_percent") == 100.0; }));
  CHECK(server.process().running());
  CHECK(::kill(pid, 0) == 0);  // the process started above: no restart
  CHECK_THAT(server.process().stderr_text(),
             Catch::Contains("SIGHUP: feed.ranked_percent '10' (from file:" + config_path + ") -> '100'") &&
                 Catch::Contains("applied"));
  const auto everyone = ask_everyone(server, tokens);
  CHECK(everyone.errors.empty());
  if (!everyone.errors.empty()) FAIL_CHECK(everyone.errors.front());
  CHECK(everyone.ranked() == kUsers);

  // Back to 10: everyone now has a ranked feed cached (in Redis and in serve's memory),
  // yet the timeline side gets the timeline: the side is decided before the cache.
  write_config(config_path, "10");
  REQUIRE(::kill(pid, SIGHUP) == 0);
  CHECK(nf::test::eventually(10s, [&] { return metric(server.metrics(), "novafeed_feed_ranked_percent") == 10.0; }));
  const auto back = ask_everyone(server, tokens);
  CHECK(back.errors.empty());
  size_t back_wrong = 0;
  for (size_t i = 0; i < kUsers; ++i)
    back_wrong += back.algo[i] != (nf::feed::ranked_side(kFirstUser + i, 10) ? "ranked" : "timeline");
  CHECK(back_wrong == 0);

  // A bad value on the next SIGHUP: refused, logged, 10 kept.
  write_config(config_path, "150");
  REQUIRE(::kill(pid, SIGHUP) == 0);
  CHECK(server.process().wait_for_stderr("keeping feed.ranked_percent = 10", 10s));
  CHECK(metric(server.metrics(), "novafeed_feed_ranked_percent") == 10.0);
  CHECK(server.process().running());

  CHECK(server.process().stop(SIGTERM, 20s) == 0);
}

TEST_CASE("canary: serve refuses to start with feed.ranked_percent outside 0..100 (exit 2)", "[canary][serve]") {
  if (!nf::test::require_stack()) return;
  auto env = nf::test::stack_env();
  env["NOVAFEED_FEED_RANKED_PERCENT"] = "101";
  const auto result = nf::test::run_novafeed({"serve", "--listen", "127.0.0.1:0"}, env);
  INFO(result.err);
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::Contains("feed.ranked_percent") && Catch::Contains("from 0 to 100"));
}
