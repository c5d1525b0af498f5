#include <catch2/catch.hpp>

#include <set>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/jobs/catalog.hpp"
#include "core/jobs/jobs.hpp"
#include "core/jobs/lock.hpp"
#include "core/jobs/runner.hpp"

namespace {

nf::config::Config config_with(const nf::config::EnvList& env) {
  nf::config::Sources sources;
  sources.env = env;
  return nf::config::load(sources);
}

nf::jobs::RunReport report(nf::jobs::RunState state, nf::ExitCode code = nf::ExitCode::ok) {
  nf::jobs::RunReport r;
  r.job = "hot-posts";
  r.state = state;
  r.error_code = code;
  return r;
}

}  // namespace

TEST_CASE("jobs: the catalog names four jobs with distinct locks, and `all` selects them in order") {
  const auto& specs = nf::jobs::job_specs();
  REQUIRE(specs.size() == 4);
  std::vector<std::string> names;
  std::set<int> locks;
  for (const auto& spec : specs) {
    names.emplace_back(spec.name);
    locks.insert(spec.lock_id);
    CHECK(spec.run != nullptr);
    CHECK_FALSE(spec.writes.empty());
  }
  CHECK(names == std::vector<std::string>{"hot-posts", "suggested-users", "feed-warmer", "retention"});
  CHECK(locks.size() == 4);
  CHECK(nf::jobs::select_jobs("all").size() == 4);
  REQUIRE(nf::jobs::select_jobs("feed-warmer").size() == 1);
  CHECK(nf::jobs::select_jobs("feed-warmer")[0]->name == "feed-warmer");
  try {
    nf::jobs::select_jobs("hotposts");
    FAIL("expected a usage error");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("hot-posts") && Catch::Contains("all"));
  }
}

TEST_CASE("jobs: intervals come from the configuration, and hot-posts runs at its shortest window's") {
  const auto defaults = config_with({});
  CHECK(nf::jobs::interval_of(defaults, *nf::jobs::select_jobs("hot-posts")[0]).count() == 60);
  CHECK(nf::jobs::interval_of(defaults, *nf::jobs::select_jobs("suggested-users")[0]).count() == 600);
  CHECK(nf::jobs::interval_of(defaults, *nf::jobs::select_jobs("feed-warmer")[0]).count() == 60);
  CHECK(nf::jobs::interval_of(defaults, *nf::jobs::select_jobs("retention")[0]).count() == 86400);
  const auto tuned = config_with({{"NOVAFEED_JOBS_HOT_POSTS_7D_INTERVAL_S", "600"}, {"NOVAFEED_JOBS_HOT_POSTS_1H_INTERVAL_S", "30"}});
  CHECK(nf::jobs::interval_of(tuned, *nf::jobs::select_jobs("hot-posts")[0]).count() == 30);
  const auto zero = config_with({{"NOVAFEED_JOBS_FEED_WARMER_INTERVAL_S", "0"}});
  try {
    nf::jobs::interval_of(zero, *nf::jobs::select_jobs("feed-warmer")[0]);
    FAIL("expected a usage error");
  } catch (const nf::Error& e) {
    CHECK(e.code() == nf::ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("jobs.feed_warmer_interval_s"));
  }
}

TEST_CASE("jobs: --once exits 3 for an unreachable dependency, else 1 for a failure, 4 when every job was skipped") {
  using nf::jobs::RunState;
  const auto code = [](std::vector<nf::jobs::RunReport> runs) { return nf::jobs::OnceReport{std::move(runs)}.exit_code(); };
  CHECK(code({report(RunState::ok)}) == nf::ExitCode::ok);
  CHECK(code({report(RunState::skipped)}) == nf::ExitCode::skipped);
  CHECK(code({report(RunState::skipped), report(RunState::skipped)}) == nf::ExitCode::skipped);
  CHECK(code({report(RunState::skipped), report(RunState::ok)}) == nf::ExitCode::ok);  // something was done
  CHECK(code({report(RunState::failed, nf::ExitCode::check_failed), report(RunState::skipped)}) ==
        nf::ExitCode::check_failed);
  CHECK(code({report(RunState::failed, nf::ExitCode::check_failed), report(RunState::failed, nf::ExitCode::unreachable)}) ==
        nf::ExitCode::unreachable);
  CHECK(static_cast<int>(nf::ExitCode::skipped) == 4);
  CHECK(nf::exit_code_name(nf::ExitCode::skipped) == "skipped");
}

TEST_CASE("jobs: one line per run: ok with what it wrote, failed with why, skipped naming the holder") {
  auto ok = report(nf::jobs::RunState::ok);
  ok.seconds = 0.25;
  ok.outcome.detail = "hot:posts:1h 200 posts";
  CHECK(nf::jobs::run_line(ok) == "hot-posts: ok in 0.25 s: hot:posts:1h 200 posts");
  auto failed = report(nf::jobs::RunState::failed, nf::ExitCode::unreachable);
  failed.seconds = 2;
  failed.error = "ClickHouse at http://127.0.0.1:18123 is unreachable";
  CHECK(nf::jobs::run_line(failed) == "hot-posts: FAILED after 2.00 s: ClickHouse at http://127.0.0.1:18123 is unreachable");
  auto skipped = report(nf::jobs::RunState::skipped);
  skipped.holder = nf::jobs::LockHolder{"web-3:4242", 99, "2026-12-03 10:00:00"};
  skipped.holder_since = "2026-12-03 10:00:01 UTC";
  CHECK(nf::jobs::run_line(skipped) == "hot-posts: skipped, running on web-3:4242 since 2026-12-03 10:00:01 UTC");
  const auto json = nf::jobs::run_json(skipped);
  CHECK(json["result"] == "skipped");
  CHECK(json["held_by"]["instance"] == "web-3:4242");
  skipped.holder_since.clear();
  CHECK(nf::jobs::run_line(skipped) == "hot-posts: skipped, running on web-3:4242");
}

TEST_CASE("jobs: the lock holder is named by its session's application_name") {
  CHECK(nf::jobs::instance_of_application("novafeed jobs web-3:4242") == "web-3:4242");
  CHECK(nf::jobs::instance_of_application("psql") == "psql");
  CHECK_THAT(nf::jobs::instance_of_application(""), Catch::Contains("without application_name"));
  CHECK(nf::jobs::kLockNamespace == 28262);  // "nf": documented for pg_locks readers
}
