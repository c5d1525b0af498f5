#include "core/kafka/handle.hpp"

#include <spdlog/spdlog.h>

#include "core/error/error.hpp"

namespace nf::kafka {

std::string describe_origin(std::string_view origin) {
  if (origin == "flag") return "-X";
  if (origin.starts_with("file:")) return "[kafka.properties] in " + std::string(origin.substr(5));
  return std::string(origin);
}

Conf::Conf() : conf_(rd_kafka_conf_new()) {}

void Conf::set(const Property& property) {
  char reason[512] = {0};
  const auto result =
      rd_kafka_conf_set(conf_.get(), property.key.c_str(), property.value.c_str(), reason, sizeof reason);
  if (result != RD_KAFKA_CONF_OK)
    fail_usage("Kafka property '" + property.key + "' (from " + describe_origin(property.origin) +
               ") is refused by librdkafka: " + reason +
               " (properties: https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md)");
}

std::optional<std::string> Conf::value(std::string_view key) const {
  const std::string name(key);
  size_t size = 0;
  if (rd_kafka_conf_get(conf_.get(), name.c_str(), nullptr, &size) != RD_KAFKA_CONF_OK) return std::nullopt;
  std::string text(size, '\0');
  rd_kafka_conf_get(conf_.get(), name.c_str(), text.data(), &size);
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

Conf make_conf(const Settings& settings, const std::vector<Property>& role_properties) {
  Conf conf;
  for (const auto& property : client_properties(settings, role_properties)) conf.set(property);
  return conf;
}

Handle::Handle(rd_kafka_type_t type, Conf conf) : callbacks_(std::make_unique<Callbacks>()) {
  rd_kafka_conf_set_opaque(conf.get(), callbacks_.get());
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_log_cb(conf.get(), on_log);
  char reason[512] = {0};
  rk_.reset(rd_kafka_new(type, conf.get(), reason, sizeof reason));
  if (!rk_)
    fail_usage(std::string("cannot create the Kafka ") + (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") +
               ": " + reason);
  conf.release();  // rd_kafka_new took it
}

int Handle::poll(int timeout_ms) const { return rd_kafka_poll(rk_.get(), timeout_ms); }

std::optional<ClientError> Handle::last_error() const {
  std::lock_guard lock(callbacks_->mutex);
  if (callbacks_->recent.empty()) return std::nullopt;
  return callbacks_->recent.back();
}

std::vector<ClientError> Handle::recent_errors() const {
  std::lock_guard lock(callbacks_->mutex);
  return callbacks_->recent;
}

void Handle::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* callbacks = static_cast<Callbacks*>(opaque);
  {
    std::lock_guard lock(callbacks->mutex);
    auto& recent = callbacks->recent;
    std::erase_if(recent, [&](const ClientError& e) { return e.reason == reason; });
    recent.push_back({static_cast<rd_kafka_resp_err_t>(err), reason});
    if (recent.size() > kRecentErrors) recent.erase(recent.begin());
  }
  // Most of these are transient (librdkafka retries by itself); the caller decides what
  // a failed request means and reports it with last_error().
  if (err == RD_KAFKA_RESP_ERR__FATAL)
    spdlog::error("kafka {}: fatal: {}", rd_kafka_name(rk), reason);
  else
    spdlog::debug("kafka {}: {}: {}", rd_kafka_name(rk), rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)),
                  reason);
}

void Handle::on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  // librdkafka uses syslog levels (0 emerg .. 7 debug).
  const auto spd_level = level <= 2   ? spdlog::level::critical
                         : level == 3 ? spdlog::level::err
                         : level == 4 ? spdlog::level::warn
                         : level == 5 ? spdlog::level::info
                         : level == 6 ? spdlog::level::debug
                                      : spdlog::level::trace;
  spdlog::log(spd_level, "kafka {} {}: {}", rd_kafka_name(rk), facility, message);
}

}  // namespace nf::kafka
