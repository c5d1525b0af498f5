#include "core/latency/latency.hpp"

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/auth/jwt.hpp"
#include "core/clickhouse/client.hpp"
#include "core/http/listen_address.hpp"
#include "core/kafka/settings.hpp"
#include "core/kafka/topics.hpp"
#include "core/latency/feed_api.hpp"
#include "core/latency/kafka_watch.hpp"
#include "core/latency/probe_world.hpp"
#include "core/pg/connection.hpp"
#include "core/time/clock.hpp"

namespace nf::latency {

namespace {

constexpr auto kPollEvery = std::chrono::milliseconds(10);
constexpr int kStopAfterFailures = 3;

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Calls `done` every kPollEvery until it is true or `deadline`; the time it turned true.
// An error of `done` (a query that failed) is kept for the message and polled again.
std::optional<Clock::time_point> poll_until(Clock::time_point deadline, std::string& last_error,
                                            const std::function<bool()>& done) {
  for (;;) {
    try {
      if (done()) return Clock::now();
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollEvery);
  }
}

struct Context {
  const LatencyRequest& request;
  pqxx::connection& postgres;
  const ch::Client& clickhouse;
  KafkaWatch& watch;
  const FeedApi& api;
  std::string posts_topic, events_topic;
};

// A probe that stopped at `stage` (the index of the first stage not reached).
void stop(Probe& probe, Path path, std::string why) {
  probe.stopped_at = stage_names(path)[probe.reached_ms.size()];
  probe.why = std::move(why);
}

std::string with_error(const std::string& text, const std::string& last_error) {
  return last_error.empty() ? text : text + " (last error: " + last_error + ")";
}

// A stage reached when `done` turns true (polled until the deadline); else the probe stops
// there with `why_not()` and the last error a poll met.
bool polled_stage(Probe& probe, Path path, Clock::time_point start, Clock::time_point deadline,
                  const std::function<bool()>& done, const std::function<std::string()>& why_not) {
  std::string last_error;
  const auto reached = poll_until(deadline, last_error, done);
  if (!reached) {
    stop(probe, path, with_error(why_not(), last_error));
    return false;
  }
  probe.reached_ms.push_back(ms_between(start, *reached));
  return true;
}

// The last stage of both paths: the probe reader's feed shows what `shows` looks for.
void feed_stage(const Context& c, Probe& probe, Path path, Clock::time_point start, Clock::time_point deadline,
                const std::function<bool(const FeedAnswer&)>& shows, const std::string& never,
                const std::string& look) {
  std::optional<FeedAnswer> last;
  polled_stage(
      probe, path, start, deadline,
      [&] {
        auto answer = c.api.feed();
        if (!answer) throw std::runtime_error(answer.error());
        last = std::move(*answer);
        return shows(*last);
      },
      [&] { return never + " (last answer: " + (last ? last->describe() : "none") + "): " + look; });
}

// INSERT a post by the probe author; the time until the reader's feed holds it.
Probe cdc_probe(const Context& c, uint64_t post_id) {
  Probe probe;
  const auto start = Clock::now();
  const auto deadline = start + c.request.timeout;
  try {
    insert_probe_post(c.postgres, post_id);
  } catch (const std::exception& e) {
    stop(probe, Path::cdc, std::string("the INSERT failed: ") + e.what());
    return probe;
  }
  probe.reached_ms.push_back(ms_between(start, Clock::now()));
  const auto on_kafka = c.watch.wait_post(post_id, deadline);
  if (!on_kafka) {
    stop(probe, Path::cdc,
         "Debezium's message for post " + std::to_string(post_id) + " never reached " + c.posts_topic +
             ": is the connector's task RUNNING and the slot moving? (`novafeed doctor`, `novafeed connectors heal`)");
    return probe;
  }
  probe.reached_ms.push_back(ms_between(start, *on_kafka));
  if (!polled_stage(
          probe, Path::cdc, start, deadline, [&] { return post_in_clickhouse(c.clickhouse, post_id); },
          [] {
            return "the row never reached ClickHouse table posts: is `novafeed ingest` (or serve --with-ingest) "
                   "running? `novafeed doctor` shows its lag";
          }))
    return probe;
  feed_stage(c, probe, Path::cdc, start, deadline, [&](const FeedAnswer& answer) { return answer.holds(post_id); },
             "the follower's feed never held the post", "is the ingest invalidating followers' feeds (SPEC §4)?");
  return probe;
}

// The reader likes `post_id` through the API; the time until its recomputed feed no
// longer holds the post (seen). `in_feed_before`: the cdc probe saw it there, else the
// feed stage cannot be judged.
Probe events_probe(const Context& c, const std::string& event_id, uint64_t post_id, bool in_feed_before,
                   const std::string& cdc_why) {
  Probe probe;
  const auto start = Clock::now();
  const auto deadline = start + c.request.timeout;
  if (const auto posted = c.api.post_like(event_id, post_id, time::now_ms()); !posted) {
    stop(probe, Path::events, posted.error());
    return probe;
  }
  probe.reached_ms.push_back(ms_between(start, Clock::now()));
  const auto on_kafka = c.watch.wait_event(event_id, deadline);
  if (!on_kafka) {
    stop(probe, Path::events,
         "the API answered 202 but the event never showed on " + c.events_topic +
             " (the probe consumer reads it from its end as of the start of the run)");
    return probe;
  }
  probe.reached_ms.push_back(ms_between(start, *on_kafka));
  if (!polled_stage(
          probe, Path::events, start, deadline,
          [&] { return likes_in_clickhouse(c.clickhouse, post_id, time::now_ms()) >= 1; },
          [] {
            return "the like was never counted in ClickHouse (post_counts): is `novafeed ingest` (or serve "
                   "--with-ingest) running? `novafeed doctor` shows its lag";
          }))
    return probe;
  if (!in_feed_before) {
    stop(probe, Path::events, "its post never reached the reader's feed, so the feed cannot show the like: " + cdc_why);
    return probe;
  }
  feed_stage(c, probe, Path::events, start, deadline,
             [&](const FeedAnswer& answer) { return answer.algo == "ranked" && !answer.holds(post_id); },
             "the reader's feed still held the liked post",
             "a user's own like must invalidate their cached feed (SPEC §4)");
  return probe;
}

void say_progress(const LatencyRequest& request, Path path, int n, const Probe& probe) {
  if (!request.progress) return;
  const std::string what = probe.complete(path) ? fmt::format("{:.0f} ms", probe.reached_ms.back())
                                                : "stopped at " + probe.stopped_at;
  std::fprintf(stderr, "latency: %s probe %d/%d: %s\n", std::string(path_name(path)).c_str(), n, request.samples,
               what.c_str());
}

bool stopping(const PathRun& run) {
  if (run.probes.size() < static_cast<size_t>(kStopAfterFailures)) return false;
  for (size_t i = run.probes.size() - kStopAfterFailures; i < run.probes.size(); ++i)
    if (run.probes[i].complete(run.path)) return false;
  return true;
}

}  // namespace

Report run_latency(const config::Config& config, const LatencyRequest& request) {
  if (request.samples < 1 || request.samples > 1000)
    fail_usage("--samples " + std::to_string(request.samples) + " is out of range: 1..1000");
  if (request.path != "events" && request.path != "cdc" && request.path != "all")
    fail_usage("--path " + request.path + ": events, cdc or all");
  if (request.timeout.count() <= 0) fail_usage("--timeout must be above zero");
  Report report;
  report.gate = parse_gate(request.gate);
  report.timeout_ms = request.timeout.count();
  report.api_url = request.api_url.empty() ? http::local_url(config.get("serve.listen"), "serve.listen") : request.api_url;

  // Everything the probes touch answers, or exit 3 naming what does not.
  const FeedApi api(report.api_url, auth::mint_token(auth::jwt_secret(config), kProbeReader, time::now_ms() / 1000,
                                                     3600 + request.timeout.count() / 1000 * request.samples * 2));
  api.check_reachable();
  auto postgres = pg::connect(pg::settings_from(config));
  const ch::Client clickhouse(ch::settings_from(config));
  clickhouse.server_version();
  const std::string events_topic = config.get("kafka.events_topic");
  const std::string posts_topic = kafka::cdc_topic(config, "posts");
  const std::string run_id = fmt::format("latency-{}-{}-", time::now_ms(), ::getpid());
  KafkaWatch watch(kafka::settings_from(config), events_topic, posts_topic, run_id);

  ensure_probe_users(*postgres);
  std::string last_error;
  const bool follow_ready = poll_until(Clock::now() + request.timeout, last_error,
                                       [&] { return follow_in_clickhouse(clickhouse); })
                                .has_value();
  if (!follow_ready)
    spdlog::warn("latency: the probe reader's follow of the probe author is not in ClickHouse after {} ms{}: the "
                 "cdc probes will show where CDC stops",
                 request.timeout.count(), last_error.empty() ? "" : " (" + last_error + ")");

  const Context context{request, *postgres, clickhouse, watch, api, posts_topic, events_topic};
  const bool want_cdc = request.path != "events", want_events = request.path != "cdc";
  PathRun cdc_run{Path::cdc, {}, 0, ""}, events_run{Path::events, {}, 0, ""};
  std::vector<uint64_t> posts;
  const auto retire = [&] {
    try {
      retire_probe_posts(*postgres, posts);
    } catch (const std::exception& e) {
      spdlog::warn("latency: could not soft-delete the run's probe posts ({}); the next run retires them after an hour",
                   e.what());
    }
  };
  try {
    for (int n = 1; n <= request.samples; ++n) {
      const uint64_t post_id = probe_post_id(time::now_ms(), ::getpid(), n);
      posts.push_back(post_id);
      auto created = cdc_probe(context, post_id);
      const bool in_feed = created.complete(Path::cdc);
      const std::string cdc_why = created.why;
      // The cdc probe's post is what the events probe likes: with --path events it still
      // runs, untimed.
      if (want_cdc) {
        cdc_run.probes.push_back(std::move(created));
        say_progress(request, Path::cdc, n, cdc_run.probes.back());
      }
      if (want_events) {
        events_run.probes.push_back(events_probe(context, run_id + std::to_string(n), post_id, in_feed, cdc_why));
        say_progress(request, Path::events, n, events_run.probes.back());
      }
      const bool stop_cdc = want_cdc && stopping(cdc_run), stop_events = want_events && stopping(events_run);
      if ((stop_cdc || !want_cdc) && (stop_events || !want_events)) {
        const int left = request.samples - n;
        for (auto* run : {&cdc_run, &events_run}) {
          run->not_run = left;
          run->not_run_why = fmt::format("{} probes in a row stopped short; the pipeline is not delivering",
                                         kStopAfterFailures);
        }
        break;
      }
    }
  } catch (...) {
    retire();
    throw;
  }
  retire();
  if (want_events) report.runs.push_back(std::move(events_run));
  if (want_cdc) report.runs.push_back(std::move(cdc_run));
  for (auto& run : report.runs)
    if (run.not_run == 0) run.not_run_why.clear();
  report.verdict = judge(report.runs, report.gate, report.timeout_ms);
  return report;
}

ExitCode exit_code(const Report& report) { return report.verdict.passed ? ExitCode::ok : ExitCode::check_failed; }

}  // namespace nf::latency
