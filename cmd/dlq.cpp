// `novafeed dlq list|show|replay`: dead-lettered messages by reason, in full, and the
// replay of fixed ones (core/dlq/).
#include <memory>

#include "cmd/global_options.hpp"
#include "core/dlq/dlq.hpp"
#include "core/dlq/render.hpp"
#include "core/time/clock.hpp"

namespace {

void add_topic_and_window(CLI::App* cmd, nf::dlq::DlqRequest& request) {
  cmd->add_option("--topic", request.topic,
                  "which dead-letter topic: events (ingest.events_dlq_topic, default events.dlq), cdc "
                  "(ingest.cdc_dlq_topic, default cdc.dlq), either name, or all (default)")
      ->type_name("TOPIC");
  cmd->add_option("--since", request.since,
                  "only messages dead-lettered in this window: a duration back from now (30m, 2h, 7d) or an RFC 3339 "
                  "time (2026-12-04T09:00:00Z); default: the whole topic")
      ->type_name("DURATION|TIME");
  cmd->add_option("--group", request.group, "only messages dead-lettered by this ingest group (novafeed.consumer.group)")
      ->type_name("GROUP");
}

void add_selection(CLI::App* cmd, nf::dlq::DlqRequest& request) {
  cmd->add_option("--reason", request.reason,
                  "only messages whose reason contains this text (case-insensitive; a line of `dlq list`, with its N "
                  "and '…', matches too)")
      ->type_name("TEXT");
  cmd->add_option("--offset", request.offsets,
                  "only the message at this offset of the dead-letter topic: OFFSET (any partition), "
                  "PARTITION:OFFSET, or a position as printed, events.dlq[0]@42; several are alternatives")
      ->type_name("POSITION");
}

}  // namespace

void register_dlq(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("dlq", "Dead-lettered messages: by reason, in full, and the replay of fixed ones");
  cmd->require_subcommand(1);
  cmd->footer(
      "`novafeed ingest` sends a message it cannot decode or complete to ingest.events_dlq_topic / ingest.cdc_dlq_topic\n"
      "unchanged, with headers saying why (novafeed.reason) and where it was read (novafeed.source.topic, .partition,\n"
      ".offset, novafeed.consumer.group). These commands read those topics without committing anything and without\n"
      "joining a consumer group (each partition assigned, read up to its end as of the start).\n"
      "The usual round: `dlq list` (what and why), `dlq show --reason ...` (the messages), fix the cause, then\n"
      "`dlq replay --reason ... --dry-run` and without --dry-run. A replayed event or change counts once in ClickHouse\n"
      "however often it is replayed. docs/dlq.md lists every reason and when a replay cures it.\n"
      "Exit status: 0 ok, 1 replay: a selected message cannot be replayed, 2 usage, 3 Kafka unreachable.");

  auto* list = cmd->add_subcommand("list", "What was dead-lettered and why: counts by reason and source topic, samples");
  auto list_request = std::make_shared<nf::dlq::DlqRequest>();
  add_topic_and_window(list, *list_request);
  list->add_option("--samples", list_request->samples, "messages shown per reason (default 3), values trimmed")
      ->type_name("N");
  list->footer(
      "One line per kind of reason (numbers shown as N, quoted text as '…'), with its count per source topic, when it\n"
      "was dead-lettered first and last, and a few samples (position in the dead-letter topic, key, value trimmed).\n"
      "Examples: novafeed dlq list --since 24h\n"
      "          novafeed --json dlq list --topic events | jq '.reasons[] | {reason, count}'");
  list->callback([&global, list_request] {
    const auto config = global.load_config();
    const auto report = nf::dlq::list_dead_letters(config, *list_request, nf::time::now_ms());
    print_result(global, nf::dlq::render_list_text(report), nf::dlq::render_list_json(report));
  });

  auto* show = cmd->add_subcommand("show", "The selected dead letters in full: position, time, headers, key, value");
  auto show_request = std::make_shared<nf::dlq::DlqRequest>();
  add_topic_and_window(show, *show_request);
  add_selection(show, *show_request);
  show->add_option("--limit", show_request->limit, "print at most N messages, the first ones (default 20; 0: all)")
      ->type_name("N");
  show->footer(
      "Every criterion given must hold. Text output escapes control characters (\\n, \\xNN); --json gives the key,\n"
      "value and every header as strings (null when null).\n"
      "Examples: novafeed dlq show --reason 'is not in PostgreSQL' --since 1h\n"
      "          novafeed dlq show --offset events.dlq[0]@42");
  show->callback([&global, show_request] {
    const auto config = global.load_config();
    const auto report = nf::dlq::show_dead_letters(config, *show_request, nf::time::now_ms());
    print_result(global, nf::dlq::render_show_text(report), nf::dlq::render_show_json(report));
  });

  auto* replay = cmd->add_subcommand(
      "replay", "Produce the selected dead letters' original key and value to their source topic, once fixed");
  auto replay_request = std::make_shared<nf::dlq::DlqRequest>();
  add_topic_and_window(replay, *replay_request);
  add_selection(replay, *replay_request);
  replay->add_flag("--all", replay_request->all,
                   "replay every dead letter read (the topic, the window): needed when no --reason, --offset or "
                   "--since names the messages");
  replay->add_flag("--dry-run", replay_request->dry_run, "say what would be replayed, produce nothing");
  replay->footer(
      "Each message goes to the topic in its novafeed.source.topic header (its original partition when that still\n"
      "exists), key and value unchanged, with a novafeed.replay.of header naming the dead letter; acks=all and the\n"
      "idempotent producer, every message acknowledged before the report. The dead letters stay where they are.\n"
      "Replay only once the cause is fixed (docs/dlq.md): the ingest reads a replay like any message, so one that\n"
      "still fails is dead-lettered again. Replaying twice is harmless: events count once by event_id, CDC changes\n"
      "once by their version.\n"
      "Refused (exit 2) unless --reason, --offset, --since or --all selects the messages. Exit 1 when a selected\n"
      "message cannot be replayed (no source header, its source topic is gone); 3 when Kafka is unreachable.\n"
      "Examples: novafeed dlq replay --reason 'is not in PostgreSQL' --since 24h --dry-run\n"
      "          novafeed --json dlq replay --offset 0:42 0:43");
  replay->callback([&global, replay_request] {
    const auto config = global.load_config();
    const auto report = nf::dlq::replay_dead_letters(config, *replay_request, nf::time::now_ms());
    print_result(global, nf::dlq::render_replay_text(report), nf::dlq::render_replay_json(report));
    if (const auto code = nf::dlq::exit_code(report); code != nf::ExitCode::ok)
      throw nf::Error::after_report(code, "dlq replay: " + std::to_string(report.skipped.size()) +
                                              " selected dead letters cannot be replayed (see the report)");
  });
}
