#include "core/seed/event_json.hpp"

#include "core/seed/copy_format.hpp"

#include <charconv>

namespace nf::seed {

std::string event_id(uint64_t seed, uint64_t number) {
  return "seed" + std::to_string(seed) + "-" + std::to_string(number);
}

void append_event_json(std::string& out, uint64_t seed, const EventRow& event) {
  out += "{\"event_id\":\"seed";
  append_number(out, seed);
  out += '-';
  append_number(out, event.number);
  out += "\",\"user_id\":";
  append_number(out, event.user_id);
  out += ",\"post_id\":";
  append_number(out, event.post_id);
  out += ",\"author_id\":";
  append_number(out, event.author_id);
  out += ",\"action\":\"";
  out += action_name(event.action);
  out += "\",\"ts\":";
  append_number(out, static_cast<uint64_t>(event.ts_ms));
  out += ",\"dwell_ms\":";
  append_number(out, event.dwell_ms);
  out += '}';
}

void append_event_key(std::string& out, const EventRow& event) { append_number(out, event.user_id); }

}  // namespace nf::seed
