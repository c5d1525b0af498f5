#include "core/dlq/selection.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error/error.hpp"
#include "core/time/duration.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::dlq {
namespace {

template <typename Number>
std::optional<Number> whole_number(std::string_view text) {
  Number n{};
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || err != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

OffsetPick parse_offset_pick(std::string_view text) {
  OffsetPick pick;
  std::optional<int64_t> offset;
  bool valid = true;
  if (const auto open = text.find('['); open != std::string_view::npos) {
    // TOPIC[PARTITION]@OFFSET
    const auto close = text.find("]@", open);
    valid = open > 0 && close != std::string_view::npos;
    if (valid) {
      pick.topic = std::string(text.substr(0, open));
      pick.partition = whole_number<int32_t>(text.substr(open + 1, close - open - 1));
      offset = whole_number<int64_t>(text.substr(close + 2));
      valid = pick.partition.has_value();
    }
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    pick.partition = whole_number<int32_t>(text.substr(0, colon));
    offset = whole_number<int64_t>(text.substr(colon + 1));
    valid = pick.partition.has_value();
  } else {
    offset = whole_number<int64_t>(text);
  }
  if (!valid || !offset)
    fail_usage("--offset: '" + std::string(text) +
               "' is not a position in a dead-letter topic: write OFFSET, PARTITION:OFFSET or TOPIC[PARTITION]@OFFSET "
               "as `novafeed dlq list` and `dlq show` print it (e.g. 42, 0:42 or events.dlq[0]@42)");
  pick.offset = *offset;
  return pick;
}

std::optional<int64_t> parse_since_ms(std::string_view text, int64_t now_ms) {
  if (text.empty() || text == "all") return std::nullopt;
  if (const auto instant = time::parse_rfc3339_ms(text)) return *instant;
  try {
    return now_ms - time::parse_duration(text, "--since").count();
  } catch (const Error&) {
    fail_usage("--since: '" + std::string(text) +
               "' is neither a duration back from now (30m, 2h, 7d) nor an RFC 3339 time with a zone "
               "(2026-12-04T09:00:00Z)");
  }
}

bool selects(const Selection& selection, const Message& message) {
  if (selection.since_ms && message.timestamp_ms >= 0 && message.timestamp_ms < *selection.since_ms) return false;
  if (!selection.group.empty() && message.consumer_group != selection.group) return false;
  if (!selection.reason.empty()) {
    const std::string wanted = lower(selection.reason);
    // The pattern too: a line copied from `dlq list` ("post N is not in …") selects.
    if (lower(message.reason).find(wanted) == std::string::npos &&
        lower(reason_pattern(message.reason)).find(wanted) == std::string::npos)
      return false;
  }
  if (!selection.offsets.empty()) {
    const bool picked = std::any_of(selection.offsets.begin(), selection.offsets.end(), [&](const OffsetPick& pick) {
      return pick.offset == message.offset && (!pick.partition || *pick.partition == message.partition) &&
             (!pick.topic || *pick.topic == message.topic);
    });
    if (!picked) return false;
  }
  return true;
}

bool names_messages(const Selection& selection) {
  return selection.all || selection.since_ms || !selection.reason.empty() || !selection.offsets.empty();
}

std::string reason_pattern(std::string_view reason) {
  std::string out;
  out.reserve(reason.size());
  for (size_t i = 0; i < reason.size();) {
    const char c = reason[i];
    if (c == '\'') {
      const auto close = reason.find('\'', i + 1);
      if (close != std::string_view::npos) {
        out += "'…'";
        i = close + 1;
        continue;
      }
    }
    if (std::isdigit(static_cast<unsigned char>(c)) && (i == 0 || !word_char(reason[i - 1]))) {
      size_t end = i;
      while (end < reason.size() && std::isdigit(static_cast<unsigned char>(reason[end]))) ++end;
      if (end == reason.size() || !std::isalpha(static_cast<unsigned char>(reason[end]))) {
        out += 'N';
        i = end;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace nf::dlq
