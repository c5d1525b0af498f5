// `novafeed ingest [cdc|events|all]`: Kafka → ClickHouse consumers (core/ingest/).
#include <memory>

#include "cmd/global_options.hpp"
#include "core/ingest/ingest.hpp"
#include "core/time/duration.hpp"

void register_ingest(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "ingest",
      "Consume Kafka (CDC and events) into ClickHouse, exactly-once in effect.\n"
      "A consumer in group ingest.group batches messages (ingest.batch_rows, ingest.batch_ms) into one insert per "
      "table and commits offsets only after the insert; replays collapse in ClickHouse, so a crash neither loses "
      "nor double-counts. Undecodable messages go to ingest.cdc_dlq_topic / ingest.events_dlq_topic with the "
      "reason. New posts, (un)follows and a user's own likes, comments and shares invalidate cached feeds in Redis; "
      "the feed of a user who engaged while it was cached is recomputed right after (ingest.refresh_feeds). "
      "Runs until SIGINT/SIGTERM, then "
      "flushes, commits and prints a summary. More processes in one group share the partitions.");
  cmd->footer(
      "Examples:\n"
      "  novafeed --log-level info ingest                 # both streams, until Ctrl-C\n"
      "  novafeed ingest events --set ingest.batch_rows=50000\n"
      "  novafeed --json ingest --idle-exit 10s           # catch up, then exit with a summary\n"
      "  novafeed ingest --metrics-listen 127.0.0.1:9465  # Prometheus scrapes http://127.0.0.1:9465/metrics\n"
      "See docs/ingest.md.");
  auto request = std::make_shared<nf::ingest::IngestRequest>();
  with_choices(cmd->add_option("streams", request->streams, "which consumers to run (default all)"),
               {"cdc", "events", "all"});
  cmd->add_option_function<uint64_t>(
         "--max-messages", [request](uint64_t n) { request->max_messages = n; },
         "stop after consuming N messages (flushed and committed)")
      ->type_name("N");
  cmd->add_option_function<std::string>(
         "--idle-exit",
         [request](const std::string& text) { request->idle_exit = nf::time::parse_duration(text, "--idle-exit"); },
         "stop once no message arrived for DURATION (e.g. 10s) and everything is committed")
      ->type_name("DURATION");
  cmd->add_option_function<std::string>(
         "--metrics-listen", [request](const std::string& address) { request->metrics_listen = address; },
         "serve GET /metrics (Prometheus text: novafeed_ingest_*, novafeed_cdc_*, novafeed_dependency_*) on "
         "HOST:PORT, e.g. 127.0.0.1:9465, while the ingest runs")
      ->type_name("ADDR");
  cmd->callback([&global, request] {
    const auto summary = nf::ingest::run_ingest(global.load_config(), *request);
    print_result(global, nf::ingest::render_summary_text(summary), nf::ingest::summary_json(summary).dump(2));
  });
}
