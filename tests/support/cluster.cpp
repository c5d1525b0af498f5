#include "tests/support/cluster.hpp"

#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "core/error/error.hpp"
#include "tests/support/stack.hpp"

namespace nf::test {

std::vector<std::string> cluster_urls() {
  const auto& env = stack_env();
  const auto found = env.find("NOVAFEED_STACK_CLUSTER_URLS");
  const char* from_env = std::getenv("NOVAFEED_STACK_CLUSTER_URLS");
  const std::string value = from_env ? from_env
                            : found != env.end() ? found->second
                                                 : "http://127.0.0.1:18124,http://127.0.0.1:18125";
  return ch::parse_server_urls(value);
}

ch::Client replica_client(size_t replica, const std::string& database) {
  return ch::Client(ch::Settings{cluster_urls().at(replica), database, "default", "", 30000});
}

bool require_cluster() {
  bool up = cluster_urls().size() == 2;
  for (size_t i = 0; up && i < 2; ++i) {
    try {
      const auto rows = replica_client(i, "").query(
          "SELECT count() AS n FROM system.clusters WHERE cluster = '" + std::string(kClusterName) + "'");
      up = ch::as_u64(rows.at(0).at("n")) == 2;
      replica_client(i, "").query("SELECT count() AS n FROM system.zookeeper WHERE path = '/'");
    } catch (const std::exception&) {
      up = false;
    }
  }
  if (up) return true;
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true")
    FAIL("the ClickHouse cluster is not running (ch-replica1, ch-replica2, zookeeper); under CI=true an "
         "integration test without its servers fails. Run `scripts/stack up --cluster` first.");
  std::cerr << "\n*** WARNING: cluster test SKIPPED: the ClickHouse cluster is not running. "
               "Run `scripts/stack up --cluster`. (Under CI=true this is a failure.) ***\n\n";
  return false;
}

std::map<std::string, std::string> cluster_env(const std::vector<std::string>& urls, const std::string& database) {
  auto env = stack_env();
  std::string list;
  for (const auto& url : urls) list += (list.empty() ? "" : ",") + url;
  env["NOVAFEED_CLICKHOUSE_URL"] = list;
  env["NOVAFEED_CLICKHOUSE_DATABASE"] = database;
  env["NOVAFEED_CLICKHOUSE_CLUSTER"] = kClusterName;
  return env;
}

std::map<std::string, std::string> table_fingerprints(const ch::Client& replica, const std::string& database) {
  std::map<std::string, std::string> out;
  for (const auto& row : replica.query("SELECT name FROM system.tables WHERE database = " + ch::quote(database) +
                                       " AND engine LIKE 'Replicated%'")) {
    const auto table = row.at("name").get<std::string>();
    // Every column but the aggregate states (their rows are counted; their keys hashed).
    std::string columns;
    for (const auto& c : replica.query("SELECT name FROM system.columns WHERE database = " + ch::quote(database) +
                                       " AND table = " + ch::quote(table) + " AND type NOT LIKE 'AggregateFunction%'"))
      columns += (columns.empty() ? "" : ", ") + c.at("name").get<std::string>();
    const auto sums = replica.query("SELECT count() AS n, sum(cityHash64(" + columns + ")) AS h FROM " + database +
                                    "." + table);
    out[table] = sums.at(0).at("n").dump() + " rows, " + sums.at(0).at("h").dump();
  }
  return out;
}

namespace {

bool port_open(const std::string& url) {
  try {
    ch::Client(ch::Settings{url, "", "default", "", 1000}).query("SELECT 1 AS x");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::string url_of(const std::string& service) { return cluster_urls().at(service == "ch-replica1" ? 0 : 1); }

}  // namespace

KilledReplica::KilledReplica(std::string service) : service_(std::move(service)) {
  int pid = 0;
  std::ifstream(stack_dir() + "/run/" + service_ + ".pid") >> pid;
  REQUIRE(pid > 0);
  REQUIRE(kill(pid, SIGKILL) == 0);
  down_ = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (port_open(url_of(service_)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE_FALSE(port_open(url_of(service_)));
}

int KilledReplica::restart() {
  const int code = run_stack_script("up " + service_);
  if (code == 0) down_ = false;
  return code;
}

KilledReplica::~KilledReplica() {
  if (down_) run_stack_script("up " + service_);
}

}  // namespace nf::test
