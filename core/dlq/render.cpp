#include "core/dlq/render.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/time/rfc3339.hpp"

namespace nf::dlq {
namespace {

using Json = nlohmann::ordered_json;

// Lines of replayed messages a text report prints (--json lists them all).
constexpr size_t kTextLines = 50;

std::string dump(const Json& json) { return json.dump(2, ' ', false, Json::error_handler_t::replace); }

Json time_json(int64_t ms) { return ms < 0 ? Json(nullptr) : Json(time::format_rfc3339(ms, true)); }
std::string time_text(int64_t ms) { return ms < 0 ? "unknown" : time::format_rfc3339(ms, false); }

Json bytes_json(const std::optional<std::string>& bytes) { return bytes ? Json(*bytes) : Json(nullptr); }
std::string bytes_text(const std::optional<std::string>& shown) { return shown ? *shown : "(null)"; }

std::string reason_text(const std::string& reason) {
  return reason.empty() ? "(no novafeed.reason header: not dead-lettered by novafeed ingest)" : reason;
}

Json topics_json(const std::vector<TopicScan>& scans) {
  Json out = Json::array();
  for (const auto& s : scans) out.push_back({{"topic", s.topic}, {"exists", s.exists}, {"read", s.read}, {"matched", s.matched}});
  return out;
}

// "events.dlq (12 read), cdc.dlq (no such topic: nothing dead-lettered to it yet)".
std::string topics_text(const std::vector<TopicScan>& scans) {
  std::string out;
  for (const auto& s : scans) {
    out += out.empty() ? "" : ", ";
    out += s.topic + (s.exists ? " (" + std::to_string(s.read) + " read)" : " (no such topic: nothing dead-lettered to it yet)");
  }
  return out;
}

std::string window_text(const std::optional<int64_t>& since_ms) {
  return since_ms ? " since " + time::format_rfc3339(*since_ms, false) : "";
}

std::string counts_text(const std::map<std::string, int64_t>& counts) {
  std::string out;
  for (const auto& [topic, n] : counts)
    out += (out.empty() ? "" : ", ") + (topic.empty() ? std::string("unknown") : topic) + " " + std::to_string(n);
  return out;
}

Json source_json(const Message& m) {
  if (m.source_topic.empty()) return nullptr;
  return {{"topic", m.source_topic},
          {"partition", m.source_partition ? Json(*m.source_partition) : Json(nullptr)},
          {"offset", m.source_offset ? Json(*m.source_offset) : Json(nullptr)}};
}

Json skipped_json(const std::vector<Skipped>& list) {
  Json out = Json::array();
  for (const auto& s : list) out.push_back({{"position", s.position}, {"why", s.why}});
  return out;
}

}  // namespace

std::string render_list_text(const ListReport& report) {
  std::string out = "Dead letters in " + topics_text(report.topics) + window_text(report.since_ms) + ": " +
                    std::to_string(report.total) + "\n";
  if (report.total == 0) return out + "Nothing was dead-lettered" + window_text(report.since_ms) + ".\n";
  for (const auto& kind : report.reasons) {
    out += fmt::format("\n{:>6}  {}\n", kind.count, reason_text(kind.pattern));
    out += fmt::format("        from {}; first {}, last {}\n", counts_text(kind.by_source_topic), time_text(kind.first_ms),
                       time_text(kind.last_ms));
    for (const auto& s : kind.samples) {
      out += fmt::format("        {}  key {}  value {}\n", s.position, bytes_text(s.key), bytes_text(s.value));
      if (s.reason != kind.pattern) out += fmt::format("          {}\n", s.reason);
    }
  }
  out += "\nIn full: novafeed dlq show --reason 'PART OF A REASON' (or --offset N). Once the cause is fixed:\n"
         "novafeed dlq replay --reason '...' --dry-run, then without --dry-run (docs/dlq.md: when a replay is safe).\n";
  return out;
}

std::string render_list_json(const ListReport& report) {
  Json reasons = Json::array();
  for (const auto& kind : report.reasons) {
    Json samples = Json::array();
    for (const auto& s : kind.samples)
      samples.push_back({{"position", s.position},
                         {"partition", s.partition},
                         {"offset", s.offset},
                         {"timestamp", time_json(s.timestamp_ms)},
                         {"reason", s.reason},
                         {"source", s.source},
                         {"key", bytes_json(s.key)},
                         {"value", bytes_json(s.value)}});
    Json by_source = Json::object();
    for (const auto& [topic, n] : kind.by_source_topic) by_source[topic] = n;
    reasons.push_back({{"reason", kind.pattern},
                       {"count", kind.count},
                       {"by_source_topic", by_source},
                       {"first", time_json(kind.first_ms)},
                       {"last", time_json(kind.last_ms)},
                       {"samples", samples}});
  }
  return dump({{"topics", topics_json(report.topics)},
               {"since", report.since_ms ? time_json(*report.since_ms) : Json(nullptr)},
               {"total", report.total},
               {"reasons", reasons}});
}

std::string render_show_text(const ShowReport& report) {
  std::string out;
  for (const auto& m : report.messages) {
    out += fmt::format("{}  dead-lettered {}\n", position(m), m.timestamp_ms < 0 ? "at an unknown time"
                                                                                 : time::format_rfc3339(m.timestamp_ms, true));
    out += "  reason:  " + reason_text(m.reason) + "\n";
    out += "  source:  " + source_position(m) + (m.consumer_group.empty() ? "" : " (ingest group " + m.consumer_group + ")") + "\n";
    out += "  key:     " + (m.key ? escape_control(*m.key) : "(null)") + "\n";
    out += "  value:   " + (m.value ? escape_control(*m.value) : "(null)") + "\n";
    for (const auto& h : m.headers)
      if (h.name.rfind("novafeed.", 0) != 0 || h.name == kReplayOfHeader)
        out += "  header " + escape_control(h.name) + ": " + (h.value ? escape_control(*h.value) : "(null)") + "\n";
    out += "\n";
  }
  const auto shown = static_cast<int64_t>(report.messages.size());
  if (report.matched == 0)
    out += "No dead letter in " + topics_text(report.topics) + window_text(report.since_ms) + " matches.\n";
  else if (shown < report.matched)
    out += fmt::format("{} of {} matching dead letters shown (the first ones; raise --limit or narrow with --since, "
                       "--reason, --offset).\n",
                       shown, report.matched);
  else
    out += fmt::format("{} matching dead letter{} in {}{}.\n", report.matched, report.matched == 1 ? "" : "s",
                       topics_text(report.topics), window_text(report.since_ms));
  return out;
}

std::string render_show_json(const ShowReport& report) {
  Json messages = Json::array();
  for (const auto& m : report.messages) {
    Json headers = Json::array();
    for (const auto& h : m.headers) headers.push_back({{"name", h.name}, {"value", bytes_json(h.value)}});
    messages.push_back({{"position", position(m)},
                        {"topic", m.topic},
                        {"partition", m.partition},
                        {"offset", m.offset},
                        {"timestamp", time_json(m.timestamp_ms)},
                        {"reason", m.reason},
                        {"source", source_json(m)},
                        {"consumer_group", m.consumer_group},
                        {"key", bytes_json(m.key)},
                        {"value", bytes_json(m.value)},
                        {"headers", headers}});
  }
  return dump({{"topics", topics_json(report.topics)},
               {"since", report.since_ms ? time_json(*report.since_ms) : Json(nullptr)},
               {"matched", report.matched},
               {"shown", messages.size()},
               {"messages", messages}});
}

std::string render_replay_text(const ReplayReport& report) {
  if (report.matched == 0)
    return "No dead letter in " + topics_text(report.topics) + window_text(report.since_ms) +
           " matches: nothing replayed.\n";
  const auto per_topic = report.per_topic();
  const std::string verb = report.dry_run ? "Would replay" : "Replayed";
  std::string out = fmt::format("{} {} of {} selected dead letter{} from {}{}", verb, report.replayed.size(), report.matched,
                                report.matched == 1 ? "" : "s", topics_text(report.topics), window_text(report.since_ms));
  out += per_topic.empty() ? ".\n" : " to their source topics: " + counts_text(per_topic) + ".\n";
  for (size_t i = 0; i < report.replayed.size() && i < kTextLines; ++i) {
    const auto& r = report.replayed[i];
    out += fmt::format("  {} -> {}{}  {}\n", r.position, r.topic, r.partition >= 0 ? "[" + std::to_string(r.partition) + "]" : "",
                       reason_text(r.reason));
  }
  if (report.replayed.size() > kTextLines)
    out += fmt::format("  … and {} more (--json lists every one)\n", report.replayed.size() - kTextLines);
  if (!report.duplicates.empty())
    out += fmt::format("{} more were the same source message dead-lettered twice (replayed once).\n", report.duplicates.size());
  if (!report.skipped.empty()) {
    out += fmt::format("Not replayed ({}):\n", report.skipped.size());
    for (size_t i = 0; i < report.skipped.size() && i < kTextLines; ++i)
      out += "  " + report.skipped[i].position + ": " + report.skipped[i].why + "\n";
  }
  if (report.dry_run && !report.replayed.empty()) out += "Dry run: nothing was produced. Run it again without --dry-run.\n";
  if (!report.dry_run && !report.replayed.empty())
    out += "The ingest reads them like any message: a replay whose cause is not fixed is dead-lettered again.\n";
  return out;
}

std::string render_replay_json(const ReplayReport& report) {
  Json per_topic = Json::object();
  for (const auto& [topic, n] : report.per_topic()) per_topic[topic] = n;
  Json messages = Json::array();
  for (const auto& r : report.replayed)
    messages.push_back({{"position", r.position},
                        {"topic", r.topic},
                        {"partition", r.partition >= 0 ? Json(r.partition) : Json(nullptr)},
                        {"reason", r.reason}});
  return dump({{"dry_run", report.dry_run},
               {"topics", topics_json(report.topics)},
               {"since", report.since_ms ? time_json(*report.since_ms) : Json(nullptr)},
               {"matched", report.matched},
               {"replayed", report.replayed.size()},
               {"per_topic", per_topic},
               {"messages", messages},
               {"skipped", skipped_json(report.skipped)},
               {"duplicates", skipped_json(report.duplicates)}});
}

}  // namespace nf::dlq
