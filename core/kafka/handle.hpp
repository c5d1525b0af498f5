#pragma once
// RAII around librdkafka's C API: a Conf built from novafeed's settings, and a Handle
// (rd_kafka_t) that owns it. Producers, consumers and the metadata helper all start here,
// so every client gets the same bootstrap servers, pass-through properties and logging.
// librdkafka's own error text is kept unchanged and prefixed with what was being done.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "core/kafka/settings.hpp"

namespace nf::kafka {

// An rd_kafka_conf_t that frees itself unless handed to a Handle.
class Conf {
 public:
  Conf();
  Conf(Conf&&) noexcept = default;
  Conf& operator=(Conf&&) noexcept = default;

  // Sets one property; throws nf::Error(usage) naming the key, where it came from and
  // librdkafka's reason ("No such configuration property: ...").
  void set(const Property& property);
  // The current value as librdkafka reads it back; nullopt for an unknown key.
  std::optional<std::string> value(std::string_view key) const;

  rd_kafka_conf_t* get() const { return conf_.get(); }
  rd_kafka_conf_t* release() { return conf_.release(); }

 private:
  struct Destroy {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
  };
  std::unique_ptr<rd_kafka_conf_t, Destroy> conf_;
};

// A Conf holding client_properties(settings, role_properties), in that order.
Conf make_conf(const Settings& settings, const std::vector<Property>& role_properties = {});

// An error librdkafka reported through its error callback.
struct ClientError {
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string reason;  // librdkafka's text, e.g. "1/1 brokers are down"
};

// An rd_kafka_t. Its log lines go to spdlog (stderr), and the last error librdkafka
// reported through its error callback is kept, so a failed request can say why (e.g.
// "Connect to ipv4#127.0.0.1:19092 failed: Connection refused"). librdkafka queues
// these callbacks until the application polls: see poll().
// The handle's opaque pointer is its own; pass per-message opaques for delivery reports.
class Handle {
 public:
  // Throws nf::Error(usage) with librdkafka's text when the client cannot be created
  // (e.g. conflicting properties).
  Handle(rd_kafka_type_t type, Conf conf);

  rd_kafka_t* get() const { return rk_.get(); }
  // Serves queued callbacks (errors, delivery reports) for up to `timeout_ms`; returns
  // how many were served. For producers and plain handles, not a subscribed consumer.
  int poll(int timeout_ms = 0) const;
  // The last error reported by librdkafka's error callback, as of the last poll().
  std::optional<ClientError> last_error() const;
  // The last few distinct errors, oldest first ("Connect to ... failed: Connection
  // refused", then "1/1 brokers are down"), for a message that says why.
  std::vector<ClientError> recent_errors() const;

 private:
  struct Callbacks {
    mutable std::mutex mutex;
    std::vector<ClientError> recent;  // distinct reasons, at most kRecentErrors
  };
  static constexpr size_t kRecentErrors = 4;
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message);

  struct Destroy {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  };
  std::unique_ptr<Callbacks> callbacks_;  // declared first: outlives the client calling it
  std::unique_ptr<rd_kafka_t, Destroy> rk_;
};

// An owned librdkafka topic-partition list (freed with it), for the ingest and doctor.
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;
inline PartitionList new_partition_list(int size) {
  return {rd_kafka_topic_partition_list_new(size), &rd_kafka_topic_partition_list_destroy};
}
inline PartitionList copy_partition_list(const rd_kafka_topic_partition_list_t* list) {
  return {rd_kafka_topic_partition_list_copy(list), &rd_kafka_topic_partition_list_destroy};
}

// "[kafka.properties] in FILE", "-X", ... for messages.
std::string describe_origin(std::string_view origin);

}  // namespace nf::kafka
