#include "core/serve/config_reload.hpp"

#include <pthread.h>

#include <ctime>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"

namespace nf::serve {

namespace {

constexpr std::string_view kPercentKey = "feed.ranked_percent";

sigset_t hangup_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

// "'10' (from file:/etc/novafeed.toml)"; a secret's value is never shown.
std::string shown(const std::string& key, const config::Value* value) {
  if (!value) return "(unset)";
  const auto* spec = config::find_spec(key);
  const std::string text = spec && spec->secret ? "<secret>" : "'" + value->value + "'";
  return text + " (from " + value->origin + ")";
}

const config::Value* find_value(const std::map<std::string, config::Value, std::less<>>& values,
                                std::string_view key) {
  const auto found = values.find(key);
  return found == values.end() ? nullptr : &found->second;
}

// The keys of `a` and `b` whose value differs (origins alone do not count).
std::vector<std::string> changed_keys(const std::map<std::string, config::Value, std::less<>>& a,
                                      const std::map<std::string, config::Value, std::less<>>& b) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : a) {
    const auto* other = find_value(b, key);
    if (!other || other->value != value.value) keys.push_back(key);
  }
  for (const auto& [key, value] : b)
    if (!find_value(a, key)) keys.push_back(key);
  return keys;
}

}  // namespace

HangupSignal::HangupSignal() {
  const sigset_t set = hangup_set();
  pthread_sigmask(SIG_BLOCK, &set, &previous_mask_);
}

HangupSignal::~HangupSignal() { pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr); }

bool HangupSignal::received() {
  const sigset_t set = hangup_set();
  const timespec now = {0, 0};
  bool any = false;
  while (sigtimedwait(&set, nullptr, &now) == SIGHUP) any = true;
  return any;
}

std::vector<ReloadNote> apply_reload(const config::Config& before, const config::Config& after, feed::Canary& canary,
                                     config::Config& in_force) {
  std::vector<ReloadNote> notes;
  in_force = after;
  for (const auto& key : changed_keys(before.values, after.values)) {
    const auto* old_value = find_value(before.values, key);
    const auto* new_value = find_value(after.values, key);
    const std::string change = key + " " + shown(key, old_value) + " -> " + shown(key, new_value);
    if (key != kPercentKey) {
      notes.push_back({true, change + ": not applied, takes effect at the next start"});
      continue;
    }
    try {
      const int percent = feed::ranked_percent_from(after);
      canary.set_percent(percent);
      notes.push_back({false, change + ": applied, " + std::to_string(percent) +
                                  " % of users now get the ranked feed"});
    } catch (const Error& e) {
      if (old_value) in_force.values[key] = *old_value;
      notes.push_back({true, std::string(e.what()) + "; keeping feed.ranked_percent = " +
                                 std::to_string(canary.percent())});
    }
  }
  for (const auto& key : changed_keys(before.kafka_properties, after.kafka_properties))
    notes.push_back({true, "kafka property " + key + " changed: not applied, takes effect at the next start"});
  if (notes.empty())
    notes.push_back({false, "nothing changed (feed.ranked_percent = " + std::to_string(canary.percent()) + ")"});
  return notes;
}

config::Config reload_config(const config::Config& before, const std::function<config::Config()>& load,
                             feed::Canary& canary) {
  if (!load) {
    spdlog::warn("SIGHUP: this serve cannot re-read its configuration (no loader); nothing changed");
    return before;
  }
  config::Config after;
  try {
    after = load();
  } catch (const std::exception& e) {  // a bad file must never stop the server
    spdlog::warn("SIGHUP: configuration not reloaded, nothing changed (feed.ranked_percent stays {}): {}",
                 canary.percent(), e.what());
    return before;
  }
  config::Config in_force;
  for (const auto& note : apply_reload(before, after, canary, in_force)) {
    if (note.warning)
      spdlog::warn("SIGHUP: {}", note.text);
    else
      spdlog::info("SIGHUP: {}", note.text);
  }
  return in_force;
}

}  // namespace nf::serve
