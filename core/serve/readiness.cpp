#include "core/serve/readiness.hpp"

#include <pqxx/pqxx>

#include "core/pg/connection.hpp"

namespace nf::serve {

namespace {

constexpr auto kCheckEvery = std::chrono::seconds(1);

}  // namespace

nlohmann::json to_json(const ReadinessReport& report) {
  nlohmann::json dependencies = nlohmann::json::object();
  for (const auto& d : report.dependencies)
    dependencies[d.name] = {{"state", d.up ? "up" : "down"}, {"detail", d.detail}};
  return {{"ready", report.ready}, {"dependencies", dependencies}};
}

bool judge_ready(const std::vector<DependencyState>& dependencies) {
  // ClickHouse answers the ranked feed, PostgreSQL the timeline; either keeps the feed up.
  for (const auto& d : dependencies)
    if ((d.name == "clickhouse" || d.name == "postgres") && d.up) return true;
  return false;
}

Readiness::Readiness(const config::Config& config, redis::Pool& redis,
                     std::function<std::vector<DependencyState>()> extra)
    : clickhouse_([&] {
        auto settings = ch::settings_from(config);
        settings.timeout_ms = std::min<long>(settings.timeout_ms, 1000);
        return settings;
      }()),
      postgres_([&] {
        auto settings = pg::settings_from(config);
        settings.connect_timeout_s = 1;
        return settings;
      }()),
      redis_(redis),
      extra_(std::move(extra)) {}

ReadinessReport Readiness::check() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - checked_at_ >= kCheckEvery) {
    last_ = probe();
    checked_at_ = now;
  }
  return last_;
}

ReadinessReport Readiness::probe() {
  ReadinessReport report;
  DependencyState clickhouse{"clickhouse", false, ""};
  try {
    clickhouse.detail = "ClickHouse " + clickhouse_.server_version().text;
    clickhouse.up = true;
  } catch (const std::exception& e) {
    clickhouse.detail = e.what();
  }
  report.dependencies.push_back(clickhouse);

  DependencyState postgres{"postgres", false, ""};
  try {
    auto connection = pg::connect(postgres_);
    pqxx::nontransaction tx(*connection);
    tx.exec1("SELECT 1");
    postgres.up = true;
    const int version = connection->server_version();  // 150018 → "15.18"
    postgres.detail = "PostgreSQL " + std::to_string(version / 10000) + "." + std::to_string(version % 100);
  } catch (const std::exception& e) {
    postgres.detail = e.what();
  }
  report.dependencies.push_back(postgres);

  DependencyState redis{"redis", false, ""};
  if (redis_.try_with([](redis::Connection& c) {
        c.ping();
        return true;
      }))
    redis = {"redis", true, "PONG"};
  else
    redis.detail = redis_.last_error().empty() ? "unreachable" : redis_.last_error();
  report.dependencies.push_back(redis);

  if (extra_)
    for (auto& state : extra_()) report.dependencies.push_back(std::move(state));
  report.ready = judge_ready(report.dependencies);
  return report;
}

}  // namespace nf::serve
