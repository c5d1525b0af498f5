#include "core/dlq/dlq.hpp"

#include <set>
#include <tuple>

#include "core/dlq/reader.hpp"
#include "core/dlq/replay.hpp"
#include "core/kafka/metadata.hpp"
#include "core/kafka/settings.hpp"

namespace nf::dlq {
namespace {

// Replays are acknowledged or reported as failed within this.
constexpr std::chrono::milliseconds kReplayTimeout{30000};

// Kafka unreachable: the error says what failed; this adds what to do next.
template <typename Work>
auto with_kafka_hint(const kafka::Settings& settings, Work work) {
  try {
    return work();
  } catch (const Error& e) {
    if (e.code() != ExitCode::unreachable) throw;
    fail_unreachable(std::string(e.what()) + ". Is Kafka running at " + kafka::bootstrap_servers(settings) +
                     "? Check with `novafeed doctor` (locally: `scripts/stack up kafka`) or set kafka.brokers, then "
                     "run this again");
  }
}

// Reads the request's topics, handing each message the selection keeps to `keep`.
std::vector<TopicScan> read_selected(const config::Config& config, const DlqRequest& request, const Selection& selection,
                                     const std::function<void(const Message&)>& keep) {
  const auto settings = kafka::settings_from(config);
  return with_kafka_hint(settings, [&] {
    return read_dead_letters(settings, dlq_topics(config, request.topic), selection.since_ms, [&](const Message& m) {
      if (selects(selection, m)) keep(m);
    });
  });
}

// `matched` per topic, from the messages kept.
void count_matched(std::vector<TopicScan>& scans, const std::map<std::string, int64_t>& matched) {
  for (auto& scan : scans)
    if (const auto it = matched.find(scan.topic); it != matched.end()) scan.matched = it->second;
}

}  // namespace

std::vector<std::string> dlq_topics(const config::Config& config, std::string_view topic) {
  const std::string events = config.get("ingest.events_dlq_topic");
  const std::string cdc = config.get("ingest.cdc_dlq_topic");
  if (topic == "all" || topic.empty()) return events == cdc ? std::vector<std::string>{events} : std::vector{events, cdc};
  if (topic == "events" || topic == events) return {events};
  if (topic == "cdc" || topic == cdc) return {cdc};
  fail_usage("--topic: '" + std::string(topic) + "' is not a dead-letter topic: use " + events +
             " (or events; ingest.events_dlq_topic), " + cdc + " (or cdc; ingest.cdc_dlq_topic) or all");
}

Selection selection_from(const DlqRequest& request, int64_t now_ms) {
  Selection selection;
  selection.since_ms = parse_since_ms(request.since, now_ms);
  selection.reason = request.reason;
  for (const auto& text : request.offsets) selection.offsets.push_back(parse_offset_pick(text));
  selection.group = request.group;
  selection.all = request.all;
  return selection;
}

ListReport list_dead_letters(const config::Config& config, const DlqRequest& request, int64_t now_ms) {
  // list counts everything read: only the window and the group narrow it.
  Selection selection;
  selection.since_ms = parse_since_ms(request.since, now_ms);
  selection.group = request.group;
  ListReport report;
  report.since_ms = selection.since_ms;
  std::map<std::string, int64_t> matched;
  report.topics = read_selected(config, request, selection, [&](const Message& m) {
    count_message(report, m, request.samples);
    ++matched[m.topic];
  });
  count_matched(report.topics, matched);
  finish_list(report);
  return report;
}

ShowReport show_dead_letters(const config::Config& config, const DlqRequest& request, int64_t now_ms) {
  const Selection selection = selection_from(request, now_ms);
  ShowReport report;
  report.since_ms = selection.since_ms;
  std::map<std::string, int64_t> matched;
  report.topics = read_selected(config, request, selection, [&](const Message& m) {
    ++report.matched;
    ++matched[m.topic];
    if (request.limit == 0 || report.messages.size() < request.limit) report.messages.push_back(m);
  });
  count_matched(report.topics, matched);
  return report;
}

ReplayReport replay_dead_letters(const config::Config& config, const DlqRequest& request, int64_t now_ms) {
  const Selection selection = selection_from(request, now_ms);
  if (!names_messages(selection))
    fail_usage("dlq replay: nothing selects the messages to replay: give --reason, --offset or --since (or --all "
               "for every dead letter read), so nobody replays a whole topic by accident. See what is there with "
               "`novafeed dlq list`, and --dry-run first");
  const auto topics = dlq_topics(config, request.topic);
  const auto settings = kafka::settings_from(config);

  ReplayReport report;
  report.since_ms = selection.since_ms;
  report.dry_run = request.dry_run;
  std::vector<Message> selected;
  std::map<std::string, int64_t> matched;
  report.topics = read_selected(config, request, selection, [&](const Message& m) {
    ++matched[m.topic];
    selected.push_back(m);
  });
  count_matched(report.topics, matched);
  report.matched = static_cast<int64_t>(selected.size());

  std::map<std::string, int32_t> partitions;
  with_kafka_hint(settings, [&] {
    for (const auto& topic : kafka::fetch_metadata(settings).topics)
      partitions[topic.name] = static_cast<int32_t>(topic.partitions.size());
    return 0;
  });

  // One source message dead-lettered twice (ingest crashed between the dead letter and its
  // commit) is replayed once.
  std::set<std::tuple<std::string, int32_t, int64_t>> sources;
  std::vector<Message> to_send;
  for (auto& message : selected) {
    auto target = replay_target(message, partitions, topics);
    if (!target) {
      report.skipped.push_back({position(message), target.error()});
      continue;
    }
    if (message.source_partition && message.source_offset &&
        !sources.emplace(message.source_topic, *message.source_partition, *message.source_offset).second) {
      report.duplicates.push_back({position(message), "the same source message " + source_position(message) +
                                                          " as an earlier dead letter, replayed once"});
      continue;
    }
    report.replayed.push_back(std::move(*target));
    to_send.push_back(std::move(message));
  }
  if (!request.dry_run)
    with_kafka_hint(settings, [&] {
      produce_replays(settings, to_send, report.replayed, kReplayTimeout);
      return 0;
    });
  return report;
}

ExitCode exit_code(const ReplayReport& report) {
  return report.skipped.empty() ? ExitCode::ok : ExitCode::check_failed;
}

}  // namespace nf::dlq
