#include <unistd.h>

#include "cmd/global_options.hpp"
#include "core/latency/latency.hpp"
#include "core/time/duration.hpp"

namespace {
struct LatencyFlags {
  nf::latency::LatencyRequest request;
  std::string timeout = "30s";
};
}  // namespace

void register_latency(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("latency", "Measure event-to-visible latency with real probes; optional CI gate");
  auto flags = std::make_shared<LatencyFlags>();
  cmd->add_option("--samples", flags->request.samples, "probes per path, one after another (default 20)")
      ->type_name("N");
  with_choices(cmd->add_option("--path", flags->request.path, "which pipeline path to probe (default all)"),
               {"events", "cdc", "all"});
  cmd->add_option("--gate", flags->request.gate,
                  "fail (exit 1) when an end-to-end figure exceeds its bound, e.g. p95=1s,p99=2s or "
                  "events.p95=1s,cdc.p95=2s")
      ->type_name("FIGURE=DURATION,...");
  cmd->add_option("--api", flags->request.api_url, "the feed API the probes use (default http:// + serve.listen)")
      ->type_name("URL");
  cmd->add_option("--timeout", flags->timeout, "a probe not visible after this long fails (default 30s)")
      ->type_name("DURATION");
  cmd->footer(
      "Writes real probes through the real pipeline and times every stage:\n"
      "  events path: a like POSTed to the API (202) -> on Kafka `events` (a probe consumer of its own group)\n"
      "               -> counted in ClickHouse (the post's L as ranking reads it) -> the liker's feed, recomputed,\n"
      "               no longer holds the post (seen)\n"
      "  cdc path:    a post INSERTed in PostgreSQL -> Debezium's message on cdc.posts -> the row in ClickHouse\n"
      "               -> the follower's feed holds it\n"
      "Probes are a reserved reader and author (ids from 2^62, created on first use) that no real user sees:\n"
      "not in anyone's feed, trending, hot posts or suggestions. The run's posts are soft-deleted at its end.\n"
      "Needs a running `novafeed serve --with-ingest` (or serve + ingest) and the connector.\n"
      "Prints p50/p95/p99/max per stage and end to end; --json adds every probe. A path stops after three\n"
      "probes in a row fail.\n"
      "Exit 0 when every probe became visible and the gate holds; 1 when a probe stopped short (naming the\n"
      "stage) or a bound is exceeded (naming the path, the figure and the slowest stage); 3 when the API,\n"
      "PostgreSQL, ClickHouse or Kafka does not answer at the start.\n"
      "Examples: novafeed latency --samples 20 --gate p95=1s\n"
      "          novafeed --json latency --path cdc --gate cdc.p95=2s | jq '.paths[0].end_to_end'");
  cmd->callback([&global, flags] {
    const auto config = global.load_config();
    auto request = flags->request;
    request.timeout = nf::time::parse_duration(flags->timeout, "--timeout");
    request.progress = !global.json && ::isatty(STDERR_FILENO);
    const auto report = nf::latency::run_latency(config, request);
    print_result(global, nf::latency::render_text(report), nf::latency::render_json(report).dump(2));
    if (const auto code = nf::latency::exit_code(report); code != nf::ExitCode::ok)
      throw nf::Error::after_report(code, "latency: " + report.verdict.failures.front());
  });
}
