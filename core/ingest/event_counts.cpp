#include "core/ingest/event_counts.hpp"

#include <algorithm>

#include "core/error/error.hpp"
#include "core/events/contract.hpp"

namespace nf::ingest {

namespace {

using Key = std::tuple<uint64_t, uint8_t, std::string>;

Key owned_key(const CountedEvent& e) { return {e.post_id, e.action, e.event_id}; }

const char* action_name(uint8_t code) { return events::kActions.at(code - 1).data(); }

}  // namespace

std::optional<CountedEvent> counted_event(const Event& event, uint64_t author_id) {
  const auto it = std::find(events::kActions.begin(), events::kActions.end(), event.action);
  if (it == events::kActions.end() || event.action == "view") return std::nullopt;
  return CountedEvent{event.post_id, static_cast<uint8_t>(it - events::kActions.begin() + 1), event.event_id,
                      event.user_id, author_id, event.ts};
}

std::vector<CountedEvent> unique_keys(std::vector<CountedEvent> events) {
  std::set<Key> seen;
  std::vector<CountedEvent> out;
  out.reserve(events.size());
  for (auto& e : events)
    if (seen.insert(owned_key(e)).second) out.push_back(std::move(e));
  return out;
}

ch::Query counted_already_query(const std::vector<CountedEvent>& events) {
  ch::ExternalTable keys{"nf_keys", "post_id UInt64, action UInt8, event_id String", {}};
  for (const auto& e : events)
    keys.rows += std::to_string(e.post_id) + '\t' + std::to_string(e.action) + '\t' + ch::tsv_field(e.event_id) + '\n';
  // The inner IN reads one granule of event_keys per event (it is ordered by the hash);
  // the outer one matches post and action too.
  return {"SELECT post_id, action, event_id FROM nf_keys WHERE (post_id, action, sipHash64(event_id)) IN "
          "(SELECT post_id, action, event_hash FROM event_keys WHERE event_hash IN (SELECT sipHash64(event_id) FROM nf_keys))",
          {std::move(keys)}};
}

std::vector<CountedEvent> not_counted(std::vector<CountedEvent> events, const std::vector<nlohmann::json>& counted_rows) {
  if (counted_rows.empty()) return events;
  std::set<Key> counted;
  try {
    for (const auto& row : counted_rows)
      counted.emplace(ch::as_u64(row.at("post_id")), static_cast<uint8_t>(ch::as_u64(row.at("action"))),
                      row.at("event_id").get<std::string>());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail_check(std::string("event_keys lookup: unexpected row shape: ") + e.what());
  }
  std::erase_if(events, [&](const CountedEvent& e) { return counted.count(owned_key(e)) > 0; });
  return events;
}

std::string count_stored_events_sql(const std::string& where) {
  // The keys looked up by hash (event_keys' order), not the whole table read into a set.
  const std::string matching = "FROM events WHERE (" + where + ") AND action != 'view'";
  return "INSERT INTO event_keys_in SELECT post_id, action, event_id, any(user_id), any(author_id), min(ts) " +
         matching + " AND (post_id, CAST(action AS UInt8), sipHash64(event_id)) NOT IN"
         " (SELECT post_id, action, event_hash FROM event_keys WHERE event_hash IN (SELECT sipHash64(event_id) " +
         matching + ")) GROUP BY post_id, action, event_id";
}

std::string event_keys_in_body(const std::vector<CountedEvent>& events) {
  std::string body;
  for (const auto& e : events) {
    body += std::to_string(e.post_id);
    body += '\t';
    body += action_name(e.action);
    body += '\t';
    body += ch::tsv_field(e.event_id);
    body += '\t';
    body += std::to_string(e.user_id);
    body += '\t';
    body += std::to_string(e.author_id);
    body += '\t';
    body += std::to_string(e.ts);
    body += '\n';
  }
  return body;
}

}  // namespace nf::ingest
