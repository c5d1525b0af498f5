#include "core/dlq/report.hpp"

#include <algorithm>
#include <cstdio>

#include "core/dlq/selection.hpp"

namespace nf::dlq {

std::map<std::string, int64_t> ReplayReport::per_topic() const {
  std::map<std::string, int64_t> out;
  for (const auto& r : replayed) ++out[r.topic];
  return out;
}

void count_message(ListReport& report, const Message& message, size_t samples_per_reason) {
  const std::string pattern = reason_pattern(message.reason);
  auto it = std::find_if(report.reasons.begin(), report.reasons.end(),
                         [&](const ReasonCount& r) { return r.pattern == pattern; });
  if (it == report.reasons.end()) {
    report.reasons.push_back({pattern, 0, {}, -1, -1, {}});
    it = std::prev(report.reasons.end());
  }
  ReasonCount& kind = *it;
  ++kind.count;
  ++report.total;
  ++kind.by_source_topic[message.source_topic];
  if (message.timestamp_ms >= 0) {
    if (kind.first_ms < 0 || message.timestamp_ms < kind.first_ms) kind.first_ms = message.timestamp_ms;
    if (message.timestamp_ms > kind.last_ms) kind.last_ms = message.timestamp_ms;
  }
  if (kind.samples.size() < samples_per_reason) {
    const auto trimmed = [](const std::optional<std::string>& bytes) -> std::optional<std::string> {
      if (!bytes) return std::nullopt;
      return trim_for_display(*bytes, kSampleBytes);
    };
    kind.samples.push_back({position(message), message.partition, message.offset, message.timestamp_ms,
                            trimmed(message.key), trimmed(message.value), message.reason, source_position(message)});
  }
}

void finish_list(ListReport& report) {
  std::stable_sort(report.reasons.begin(), report.reasons.end(), [](const ReasonCount& a, const ReasonCount& b) {
    return a.count != b.count ? a.count > b.count : a.pattern < b.pattern;
  });
}

namespace {

// Appends `c` as it reads on one line.
void append_escaped(std::string& out, unsigned char c) {
  if (c == '\n') out += "\\n";
  else if (c == '\t') out += "\\t";
  else if (c == '\r') out += "\\r";
  else if (c < 0x20 || c == 0x7f) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
    out += buffer;
  } else {
    out += static_cast<char>(c);
  }
}

}  // namespace

std::string trim_for_display(std::string_view text, size_t max_bytes) {
  size_t cut = text.size();
  if (cut > max_bytes) {
    cut = max_bytes;
    // Back to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out = escape_control(text.substr(0, cut));
  if (cut < text.size()) out += "…";
  return out;
}

std::string escape_control(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) append_escaped(out, static_cast<unsigned char>(c));
  return out;
}

}  // namespace nf::dlq
