#pragma once
// `novafeed dlq list|show|replay`: what `ingest` dead-lettered and why, each message in
// full, and the replay of fixed ones to the topic they came from (SPEC §5, docs/dlq.md).
//
//   list    read the dead-letter topics → count by reason pattern, source topic, first/last, samples
//   show    read → the selected messages in full (headers, key, value)
//   replay  read → the selected messages → produced to their source topics (acks=all, idempotent)
//
// Reading never commits and never joins a group (reader.hpp). Kafka unreachable: exit 3
// with what to do next.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/dlq/report.hpp"
#include "core/dlq/selection.hpp"
#include "core/error/error.hpp"

namespace nf::dlq {

struct DlqRequest {
  std::string topic = "all";         // all, events, cdc, or a configured dead-letter topic's name
  std::string since;                 // "" or "all": from the beginning; else parse_since_ms()
  std::string reason;                // show, replay: part of the reason
  std::vector<std::string> offsets;  // show, replay: OFFSET or PARTITION:OFFSET
  std::string group;                 // the ingest group that dead-lettered them
  size_t samples = 3;                // list: samples per reason
  size_t limit = 20;                 // show: messages printed (0: all)
  bool all = false;                  // replay: every message read, said explicitly
  bool dry_run = false;              // replay: say what would be replayed, produce nothing
};

// The dead-letter topics --topic names: ingest.events_dlq_topic and/or
// ingest.cdc_dlq_topic. Throws nf::Error(usage) listing the accepted words.
std::vector<std::string> dlq_topics(const config::Config& config, std::string_view topic);

// The request's selection; throws nf::Error(usage) for a bad --since or --offset.
Selection selection_from(const DlqRequest& request, int64_t now_ms);

ListReport list_dead_letters(const config::Config& config, const DlqRequest& request, int64_t now_ms);
ShowReport show_dead_letters(const config::Config& config, const DlqRequest& request, int64_t now_ms);
// Throws nf::Error(usage) before reading anything when the request names no messages
// (names_messages()).
ReplayReport replay_dead_letters(const config::Config& config, const DlqRequest& request, int64_t now_ms);

// ok; check_failed when a selected message could not be replayed (report.skipped).
ExitCode exit_code(const ReplayReport& report);

}  // namespace nf::dlq
