#pragma once
// Events as the `events` topic carries them (docs/events.md): key = the user id as
// decimal text, value = one JSON object with event_id, user_id, post_id, author_id,
// action, ts (epoch ms) and dwell_ms.

#include <cstdint>
#include <string>

#include "core/seed/rows.hpp"

namespace nf::seed {

// "seed<S>-<n>": the same seed and event number give the same id, so a repeated seed
// is deduplicated downstream like any resent event.
std::string event_id(uint64_t seed, uint64_t number);

// Written by hand rather than through a JSON library: 10M of them at SPEC scale, and
// every field is a number or one of a few fixed words.
void append_event_json(std::string& out, uint64_t seed, const EventRow& event);
void append_event_key(std::string& out, const EventRow& event);

}  // namespace nf::seed
