#include "core/events/plain_batch.hpp"

#include "core/events/contract.hpp"

namespace nf::events {

namespace {

constexpr int kMaxDigits = 18;  // below 2^63 whatever the digits

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }
  bool at_end() const { return pos_ == text_.size(); }
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  // A string of printable ASCII without escapes.
  std::optional<std::string_view> string() {
    if (!take('"')) return std::nullopt;
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') return text_.substr(start, pos_++ - start);
      if (c == '\\' || c < 0x20 || c > 0x7e) return std::nullopt;
      ++pos_;
    }
    return std::nullopt;
  }

  // A non-negative integer without sign, fraction or exponent, followed by a delimiter.
  std::optional<uint64_t> integer() {
    skip_space();
    const size_t start = pos_;
    uint64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      value = value * 10 + static_cast<uint64_t>(text_[pos_] - '0');
      ++pos_;
    }
    const size_t digits = pos_ - start;
    if (digits == 0 || digits > kMaxDigits || (digits > 1 && text_[start] == '0')) return std::nullopt;
    if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ' ' && text_[pos_] != '\n' &&
        text_[pos_] != '\r' && text_[pos_] != '\t')
      return std::nullopt;
    return value;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

enum Field : unsigned { kEventId = 1, kPostId = 2, kAction = 4, kTs = 8, kDwell = 16, kUser = 32 };
constexpr unsigned kRequired = kEventId | kPostId | kAction | kTs;

std::optional<Field> field_of(std::string_view key) {
  if (key == "event_id") return kEventId;
  if (key == "post_id") return kPostId;
  if (key == "action") return kAction;
  if (key == "ts") return kTs;
  if (key == "dwell_ms") return kDwell;
  if (key == "user_id") return kUser;
  return std::nullopt;
}

// One event object, every field valid, or nullopt.
std::optional<Event> plain_event(Reader& in, uint64_t user_id, const Limits& limits, int64_t now_ms) {
  if (!in.take('{')) return std::nullopt;
  Event event;
  unsigned seen = 0;
  do {
    const auto key = in.string();
    if (!key || !in.take(':')) return std::nullopt;
    const auto field = field_of(*key);
    if (!field || (seen & *field)) return std::nullopt;
    seen |= *field;
    if (*field == kEventId || *field == kAction) {
      const auto text = in.string();
      if (!text) return std::nullopt;
      if (*field == kEventId) {
        if (text->empty() || text->size() > kMaxEventIdBytes) return std::nullopt;
        event.event_id = *text;
      } else {
        if (!is_action(*text)) return std::nullopt;
        event.action = *text;
      }
      continue;
    }
    const auto number = in.integer();
    if (!number) return std::nullopt;
    switch (*field) {
      case kPostId:
        if (*number < 1 || *number > kMaxId) return std::nullopt;
        event.post_id = *number;
        break;
      case kTs: {
        const auto ts = static_cast<int64_t>(*number);
        if (ts < now_ms - limits.max_age_ms || ts > now_ms + limits.max_future_ms) return std::nullopt;
        event.ts_ms = ts;
        break;
      }
      case kDwell:
        if (*number > kMaxDwellMs) return std::nullopt;
        event.dwell_ms = static_cast<int64_t>(*number);
        break;
      default:  // kUser
        if (*number != user_id) return std::nullopt;
    }
  } while (in.take(','));
  if (!in.take('}') || (seen & kRequired) != kRequired) return std::nullopt;
  return event;
}

}  // namespace

std::optional<ParsedBatch> parse_plain_batch(std::string_view body, uint64_t user_id, const Limits& limits,
                                             int64_t now_ms) {
  Reader in(body);
  if (!in.take('[') || in.peek(']')) return std::nullopt;
  ParsedBatch batch;
  do {
    if (batch.valid.size() == limits.max_batch) return std::nullopt;
    auto event = plain_event(in, user_id, limits, now_ms);
    if (!event) return std::nullopt;
    event->index = batch.valid.size();
    batch.valid.push_back(std::move(*event));
  } while (in.take(','));
  if (!in.take(']')) return std::nullopt;
  in.skip_space();
  if (!in.at_end()) return std::nullopt;
  return batch;
}

}  // namespace nf::events
