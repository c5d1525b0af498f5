#include "core/events/intake.hpp"

#include <future>

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"
#include "core/events/dedup.hpp"
#include "core/kafka/settings.hpp"

namespace nf::events {

namespace {

// A Redis outage would otherwise log once per request.
constexpr auto kDedupWarningEvery = std::chrono::seconds(30);

}  // namespace

nlohmann::json to_json(const IntakeResult& result) {
  auto rejected = nlohmann::json::array();
  for (const auto& rejection : result.rejected) rejected.push_back({{"index", rejection.index}, {"error", rejection.error}});
  return {{"accepted", result.accepted}, {"duplicates", result.duplicates}, {"rejected", std::move(rejected)}};
}

Intake::Intake(const config::Config& config, redis::Pool& redis)
    : limits_(limits_from(config)),
      dedup_window_s_(config.get_int("events.dedup_window_s")),
      retry_after_s_(config.get_int("events.retry_after_s")),
      topic_(config.get("kafka.events_topic")),
      redis_(redis) {
  const auto delivery_timeout = config.get_int("events.delivery_timeout_ms");
  if (dedup_window_s_ < 1) fail_usage("events.dedup_window_s must be at least 1 s");
  if (delivery_timeout < 1) fail_usage("events.delivery_timeout_ms must be at least 1 ms");
  producer_ = std::make_unique<Producer>(kafka::settings_from(config), topic_,
                                         std::chrono::milliseconds(delivery_timeout));
}

void Intake::submit(uint64_t user_id, std::string_view body, int64_t now_ms, Done done) {
  ParsedBatch batch;
  try {
    batch = parse_batch(body, user_id, limits_, now_ms);
  } catch (const Error&) {
    count_rejected(1);  // a whole refused request counts as one
    throw;
  }
  IntakeResult result;
  result.rejected = std::move(batch.rejected);
  count_rejected(result.rejected.size());

  if (producer_->known_down()) {
    // Fail fast, and leave Redis alone: there is nothing to mark or unmark.
    ++unavailable_;
    throw unavailable("Kafka is " + producer_->state());
  }

  result.duplicates = drop_repeated_ids(batch.valid);
  const auto keys = dedup_keys(user_id, now_ms, dedup_window_s_);
  const auto fresh = mark_new(redis_, keys, batch.valid, dedup_window_s_);
  if (!fresh) warn_dedup_skipped(batch.valid.size());

  std::vector<Event> produced;  // the events this call marked (or all, without Redis)
  produced.reserve(batch.valid.size());
  for (size_t i = 0; i < batch.valid.size(); ++i) {
    if (fresh && !(*fresh)[i])
      ++result.duplicates;
    else
      produced.push_back(std::move(batch.valid[i]));
  }

  std::vector<Outgoing> messages;
  messages.reserve(produced.size());
  const std::string key = std::to_string(user_id);
  for (const auto& event : produced) messages.push_back({key, event_message(user_id, event)});
  result.accepted_events = std::move(produced);
  const bool marked = fresh.has_value();
  producer_->send(messages, [this, user_id, keys, marked, result = std::move(result), done = std::move(done)](
                                SendResult sent) mutable {
    if (!sent.delivered) {
      ++unavailable_;
      // On the report thread: one Redis round trip, only when a batch failed.
      if (marked && !unmark(redis_, keys, result.accepted_events))
        spdlog::error("events: could not remove the dedup marks of a refused batch of user {} ({}); its retry within "
                      "{} s will be counted as duplicates",
                      user_id, redis_.last_error(), dedup_window_s_);
      return done({{}, unavailable(sent.error)});
    }
    result.accepted = result.accepted_events.size();
    accepted_ += result.accepted;
    duplicates_ += result.duplicates;
    done({std::move(result), std::nullopt});
  });
}

IntakeResult Intake::submit(uint64_t user_id, std::string_view body, int64_t now_ms) {
  std::promise<Outcome> answer;
  auto outcome = answer.get_future();
  submit(user_id, body, now_ms, [&answer](Outcome done) { answer.set_value(std::move(done)); });
  auto settled = outcome.get();
  if (settled.unavailable) throw *settled.unavailable;
  return std::move(settled.result);
}

Error Intake::unavailable(const std::string& reason) const {
  return Error(ExitCode::unreachable,
               "Kafka at " + producer_->brokers() + " did not acknowledge the events (topic " + topic_ + "): " + reason +
                   "; nothing was accepted, retry after " + std::to_string(retry_after_s_) + " s",
               "kafka_unavailable");
}

IntakeFigures Intake::figures() const {
  return {accepted_.load(), duplicates_.load(), rejected_.load(), unavailable_.load(), dedup_skipped_.load()};
}

void Intake::count_rejected(size_t events) { rejected_ += events; }

void Intake::warn_dedup_skipped(size_t events) {
  dedup_skipped_ += events;
  std::lock_guard lock(warn_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now < next_dedup_warning_) return;
  next_dedup_warning_ = now + kDedupWarningEvery;
  spdlog::warn("events: Redis unavailable ({}); accepting events without the dedup check (ClickHouse still counts "
               "each event_id once)",
               redis_.last_error());
}

}  // namespace nf::events
