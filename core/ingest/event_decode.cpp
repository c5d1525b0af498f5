#include "core/ingest/event_decode.hpp"

#include <array>

#include "core/events/contract.hpp"
#include "core/ingest/timestamps.hpp"

namespace nf::ingest {
namespace {

using Json = nlohmann::json;

using events::kMaxDwellMs;
using events::kMaxEventIdBytes;
using events::kMaxId;

std::string type_of(const Json& value) {
  if (value.is_number_float()) return "a fractional number";
  if (value.is_number_integer()) return "an integer";
  return value.type_name();
}

tl::expected<uint64_t, std::string> positive_id(const Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return tl::unexpected(std::string(name) + " is missing");
  if (it->is_number_unsigned() && it->get<uint64_t>() > 0 && it->get<uint64_t>() <= kMaxId) return it->get<uint64_t>();
  if (it->is_number_unsigned() && it->get<uint64_t>() > 0)
    return tl::unexpected(std::string(name) + ": " + it->dump() + " is above " + std::to_string(kMaxId));
  if (it->is_number_integer()) return tl::unexpected(std::string(name) + ": " + it->dump() + " is not positive");
  return tl::unexpected(std::string(name) + ": expected a positive integer, got " + type_of(*it));
}

tl::expected<uint32_t, std::string> event_time(const Json& object) {
  const auto it = object.find("ts");
  if (it == object.end() || it->is_null()) return tl::unexpected(std::string("ts is missing"));
  tl::expected<uint32_t, std::string> seconds = tl::unexpected(std::string());
  if (it->is_number_integer()) seconds = epoch_millis_to_seconds(it->get<int64_t>());
  else if (it->is_string()) seconds = parse_iso8601_seconds(it->get_ref<const std::string&>());
  else return tl::unexpected("ts: expected epoch milliseconds (an integer), got " + type_of(*it));
  if (!seconds) return tl::unexpected("ts: " + seconds.error());
  return *seconds;
}

}  // namespace

tl::expected<Event, std::string> decode_event(std::string_view value) {
  const Json object = Json::parse(value, nullptr, false);
  if (object.is_discarded()) return tl::unexpected(std::string("value is not JSON"));
  if (!object.is_object()) return tl::unexpected("value: expected a JSON object, got " + type_of(object));

  Event event;
  const auto id = object.find("event_id");
  if (id == object.end() || id->is_null()) return tl::unexpected(std::string("event_id is missing"));
  if (!id->is_string()) return tl::unexpected("event_id: expected a string, got " + type_of(*id));
  event.event_id = id->get<std::string>();
  if (event.event_id.empty()) return tl::unexpected(std::string("event_id is empty"));
  if (event.event_id.size() > kMaxEventIdBytes)
    return tl::unexpected("event_id is " + std::to_string(event.event_id.size()) + " bytes (at most " +
                          std::to_string(kMaxEventIdBytes) + ")");

  auto user = positive_id(object, "user_id");
  if (!user) return tl::unexpected(user.error());
  event.user_id = *user;
  auto post = positive_id(object, "post_id");
  if (!post) return tl::unexpected(post.error());
  event.post_id = *post;
  if (const auto author = object.find("author_id"); author != object.end() && !author->is_null()) {
    auto author_id = positive_id(object, "author_id");
    if (!author_id) return tl::unexpected(author_id.error());
    event.author_id = *author_id;
  }

  const auto action = object.find("action");
  if (action == object.end() || action->is_null()) return tl::unexpected(std::string("action is missing"));
  if (!action->is_string()) return tl::unexpected("action: expected a string, got " + type_of(*action));
  event.action = action->get<std::string>();
  if (!events::is_action(event.action))
    return tl::unexpected("action: '" + event.action + "' is not one of " + events::action_list());

  auto ts = event_time(object);
  if (!ts) return tl::unexpected(ts.error());
  event.ts = *ts;

  if (const auto dwell = object.find("dwell_ms"); dwell != object.end() && !dwell->is_null()) {
    if (!dwell->is_number_integer())
      return tl::unexpected("dwell_ms: expected a non-negative integer, got " + type_of(*dwell));
    if (!dwell->is_number_unsigned()) return tl::unexpected("dwell_ms: " + dwell->dump() + " is negative");
    if (dwell->get<uint64_t>() > kMaxDwellMs)
      return tl::unexpected("dwell_ms: " + dwell->dump() + " is too large (at most " + std::to_string(kMaxDwellMs) + ")");
    event.dwell_ms = static_cast<uint32_t>(dwell->get<uint64_t>());
  }
  return event;
}

nlohmann::json event_row(const Event& event, uint64_t author_id, uint32_t received_at) {
  return {{"event_id", event.event_id}, {"user_id", event.user_id}, {"post_id", event.post_id},
          {"author_id", author_id},     {"action", event.action},   {"ts", event.ts},
          {"dwell_ms", event.dwell_ms}, {"received_at", received_at}};
}

}  // namespace nf::ingest
