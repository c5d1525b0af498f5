#include "core/events/parse.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/error/error.hpp"
#include "core/events/contract.hpp"
#include "core/events/plain_batch.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::events {

namespace {

using Json = nlohmann::json;

// How many per-event reasons an "invalid_events" message quotes.
constexpr size_t kQuotedReasons = 5;

std::string type_of(const Json& value) {
  switch (value.type()) {
    case Json::value_t::number_float: return "the number " + value.dump();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return value.dump();
    case Json::value_t::string: return "a string";
    default: return std::string("a JSON ") + value.type_name();
  }
}

// The JSON value of `value` for a message, cut so a huge value cannot bloat the answer.
std::string quoted(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

bool is_integer(const Json& value) { return value.is_number_integer() || value.is_number_unsigned(); }

// The field's reason for refusal, or "" when it is fine (then `event` holds it).
std::string check_event_id(const Json& object, Event& event) {
  const auto it = object.find("event_id");
  if (it == object.end() || it->is_null()) return "event_id: missing";
  if (!it->is_string()) return "event_id: expected a string, got " + type_of(*it);
  const auto& id = it->get_ref<const std::string&>();
  if (id.empty()) return "event_id: empty";
  if (id.size() > kMaxEventIdBytes)
    return "event_id: " + std::to_string(id.size()) + " bytes, at most " + std::to_string(kMaxEventIdBytes) + " allowed";
  event.event_id = id;
  return "";
}

std::string check_post_id(const Json& object, Event& event) {
  const auto it = object.find("post_id");
  if (it == object.end() || it->is_null()) return "post_id: missing";
  if (it->is_number_unsigned()) {
    const auto id = it->get<uint64_t>();
    if (id >= 1 && id <= kMaxId) {
      event.post_id = id;
      return "";
    }
  } else if (it->is_number_integer() && it->get<int64_t>() > 0) {  // nlohmann keeps some positives signed
    event.post_id = static_cast<uint64_t>(it->get<int64_t>());
    return "";
  }
  return "post_id: expected a positive integer up to 2^63-1, got " + (it->is_string() ? quoted(*it) : type_of(*it));
}

std::string check_action(const Json& object, Event& event) {
  const auto it = object.find("action");
  if (it == object.end() || it->is_null()) return "action: missing";
  if (!it->is_string()) return "action: expected a string, got " + type_of(*it);
  const auto& action = it->get_ref<const std::string&>();
  if (!is_action(action)) return "action: " + quoted(*it) + " is not one of " + action_list();
  event.action = action;
  return "";
}

std::string check_ts(const Json& object, const Limits& limits, int64_t now_ms, Event& event) {
  const auto it = object.find("ts");
  if (it == object.end() || it->is_null()) return "ts: missing";
  int64_t ts = 0;
  if (it->is_number_unsigned()) {  // checked first: is_number_integer() is true for unsigned too
    const auto value = it->get<uint64_t>();
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return "ts: " + it->dump() + " is out of range";
    ts = static_cast<int64_t>(value);
  } else if (it->is_number_integer()) {
    ts = it->get<int64_t>();
  } else if (it->is_string()) {
    const auto parsed = time::parse_rfc3339_ms(it->get_ref<const std::string&>());
    if (!parsed) return "ts: " + quoted(*it) + " is not an RFC 3339 date-time (e.g. 2026-11-23T09:29:48.123Z)";
    ts = *parsed;
  } else {
    return "ts: expected epoch milliseconds (an integer) or an RFC 3339 string, got " + type_of(*it);
  }
  if (ts < now_ms - limits.max_age_ms)
    return "ts: " + std::to_string(ts) + " is more than " + std::to_string(limits.max_age_ms / 1000) +
           " s in the past (server clock " + std::to_string(now_ms) + " ms)";
  if (ts > now_ms + limits.max_future_ms)
    return "ts: " + std::to_string(ts) + " is more than " + std::to_string(limits.max_future_ms / 1000) +
           " s ahead of the server clock (" + std::to_string(now_ms) + " ms)";
  event.ts_ms = ts;
  return "";
}

std::string check_dwell(const Json& object, Event& event) {
  const auto it = object.find("dwell_ms");
  if (it == object.end() || it->is_null()) {
    event.dwell_ms = 0;
    return "";
  }
  if (is_integer(*it)) {
    const bool in_range = it->is_number_unsigned()
                              ? it->get<uint64_t>() <= kMaxDwellMs
                              : it->get<int64_t>() >= 0 && static_cast<uint64_t>(it->get<int64_t>()) <= kMaxDwellMs;
    if (in_range) {
      event.dwell_ms = it->get<int64_t>();
      return "";
    }
  }
  return "dwell_ms: expected an integer 0.." + std::to_string(kMaxDwellMs) + ", got " + type_of(*it);
}

std::string check_user(const Json& object, uint64_t user_id) {
  const auto it = object.find("user_id");
  if (it == object.end() || it->is_null()) return "";
  if (it->is_number_unsigned() && it->get<uint64_t>() == user_id) return "";
  if (it->is_number_integer() && it->get<int64_t>() >= 0 && static_cast<uint64_t>(it->get<int64_t>()) == user_id)
    return "";
  return "user_id: " + quoted(*it) + " differs from the token's user " + std::to_string(user_id) +
         " (events are recorded for the token's user; leave user_id out)";
}

// "" when the event is valid and filled in.
std::string check_event(const Json& value, uint64_t user_id, const Limits& limits, int64_t now_ms, Event& event) {
  if (!value.is_object()) return "expected an event object, got " + type_of(value);
  std::string reason = check_event_id(value, event);
  if (reason.empty()) reason = check_post_id(value, event);
  if (reason.empty()) reason = check_action(value, event);
  if (reason.empty()) reason = check_ts(value, limits, now_ms, event);
  if (reason.empty()) reason = check_dwell(value, event);
  if (reason.empty()) reason = check_user(value, user_id);
  return reason;
}

const Json& events_array(const Json& body) {
  if (body.is_array()) return body;
  if (body.is_object()) {
    const auto it = body.find("events");
    if (it != body.end() && it->is_array()) return *it;
    throw Error(ExitCode::usage, "the body is a JSON object without an \"events\" array; send [event, ...] or {\"events\":[event, ...]}",
                "invalid_body");
  }
  throw Error(ExitCode::usage, std::string("the body is a JSON ") + body.type_name() +
                                   "; send an array of events or {\"events\":[...]}",
              "invalid_body");
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;  // the parser already checked UTF-8
    }
  }
  out += '"';
}

}  // namespace

Limits limits_from(const config::Config& config) {
  Limits limits;
  const auto max_batch = config.get_int("events.max_batch");
  const auto max_age_days = config.get_int("events.max_age_days");
  const auto max_future_s = config.get_int("events.max_future_s");
  if (max_batch < 1) fail_usage("events.max_batch must be at least 1, got " + std::to_string(max_batch));
  if (max_age_days < 0 || max_future_s < 0)
    fail_usage("events.max_age_days and events.max_future_s must not be negative");
  limits.max_batch = static_cast<size_t>(max_batch);
  limits.max_age_ms = max_age_days * 24 * 3600 * 1000;
  limits.max_future_ms = max_future_s * 1000;
  return limits;
}

ParsedBatch parse_batch(std::string_view body, uint64_t user_id, const Limits& limits, int64_t now_ms) {
  if (auto plain = parse_plain_batch(body, user_id, limits, now_ms)) return std::move(*plain);
  return parse_batch_tree(body, user_id, limits, now_ms);
}

ParsedBatch parse_batch_tree(std::string_view body, uint64_t user_id, const Limits& limits, int64_t now_ms) {
  Json document;
  try {
    document = Json::parse(body);
  } catch (const Json::parse_error& e) {
    throw Error(ExitCode::usage, std::string("the body is not valid JSON: ") + e.what(), "invalid_json");
  }
  const Json& array = events_array(document);
  if (array.empty()) throw Error(ExitCode::usage, "the batch has no events", "empty_batch");
  if (array.size() > limits.max_batch)
    throw Error(ExitCode::usage,
                "the batch has " + std::to_string(array.size()) + " events, at most " +
                    std::to_string(limits.max_batch) + " are accepted per request; split it",
                "too_many_events");

  ParsedBatch batch;
  batch.valid.reserve(array.size());
  for (size_t index = 0; index < array.size(); ++index) {
    Event event;
    event.index = index;
    auto reason = check_event(array[index], user_id, limits, now_ms, event);
    if (reason.empty())
      batch.valid.push_back(std::move(event));
    else
      batch.rejected.push_back({index, std::move(reason)});
  }
  if (batch.valid.empty()) {
    std::string message = "every event was refused: ";
    for (size_t i = 0; i < batch.rejected.size() && i < kQuotedReasons; ++i)
      message += (i ? "; " : "") + std::to_string(batch.rejected[i].index) + ": " + batch.rejected[i].error;
    if (batch.rejected.size() > kQuotedReasons)
      message += "; and " + std::to_string(batch.rejected.size() - kQuotedReasons) + " more";
    throw Error(ExitCode::usage, message, "invalid_events");
  }
  return batch;
}

std::string_view rejection_reason(std::string_view error) {
  static constexpr std::pair<std::string_view, std::string_view> kByField[] = {
      {"event_id:", "invalid_event_id"}, {"post_id:", "invalid_post_id"},   {"action:", "invalid_action"},
      {"ts:", "invalid_ts"},             {"dwell_ms:", "invalid_dwell_ms"}, {"user_id:", "user_mismatch"},
  };
  for (const auto& [field, reason] : kByField)
    if (error.starts_with(field)) return reason;
  return "invalid_event";
}

const std::vector<std::string_view>& rejection_reasons() {
  static const std::vector<std::string_view> reasons = {
      "invalid_event_id", "invalid_post_id", "invalid_action", "invalid_ts",      "invalid_dwell_ms",
      "user_mismatch",    "invalid_event",   "invalid_json",   "invalid_body",    "empty_batch",
      "too_many_events",  "invalid_events"};
  return reasons;
}

std::string event_message(uint64_t user_id, const Event& event) {
  std::string out;
  out.reserve(96 + event.event_id.size());
  out += "{\"event_id\":";
  append_json_string(out, event.event_id);
  out += ",\"user_id\":";
  out += std::to_string(user_id);
  out += ",\"post_id\":";
  out += std::to_string(event.post_id);
  out += ",\"action\":";
  append_json_string(out, event.action);
  out += ",\"ts\":";
  out += std::to_string(event.ts_ms);
  out += ",\"dwell_ms\":";
  out += std::to_string(event.dwell_ms);
  out += '}';
  return out;
}

}  // namespace nf::events
