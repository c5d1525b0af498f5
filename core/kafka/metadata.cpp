#include "core/kafka/metadata.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "core/error/error.hpp"
#include "core/kafka/handle.hpp"

namespace nf::kafka {
namespace {

bool means_unreachable(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__RESOLVE ||
         err == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE;
}

ClusterMetadata copy_metadata(const rd_kafka_metadata_t& md) {
  ClusterMetadata out;
  for (int i = 0; i < md.broker_cnt; ++i)
    out.brokers.push_back({md.brokers[i].id, md.brokers[i].host ? md.brokers[i].host : "", md.brokers[i].port});
  for (int i = 0; i < md.topic_cnt; ++i) {
    const auto& t = md.topics[i];
    TopicInfo topic;
    topic.name = t.topic;
    if (t.err) topic.error = rd_kafka_err2str(t.err);
    for (int p = 0; p < t.partition_cnt; ++p) {
      const auto& part = t.partitions[p];
      topic.partitions.push_back({part.id, part.leader, part.replica_cnt, part.isr_cnt,
                                  part.err ? rd_kafka_err2str(part.err) : ""});
    }
    out.topics.push_back(std::move(topic));
  }
  return out;
}

}  // namespace

const TopicInfo* ClusterMetadata::find_topic(std::string_view name) const {
  for (const auto& topic : topics)
    if (topic.name == name) return &topic;
  return nullptr;
}

ClusterMetadata fetch_metadata(const Settings& settings) {
  // A producer is the lightest client (no group membership). Its own connection failures
  // are reported once, in the error below, instead of as log lines (an operator's
  // -X log_level still wins).
  Handle handle(RD_KAFKA_PRODUCER, make_conf(settings, {{"log_level", "2", "default"}}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings.timeout_ms);

  // Asked in short slices, so that when every bootstrap broker has refused the
  // connection ("1/1 brokers are down") the answer comes at once instead of at the
  // timeout. A slow or partly reachable cluster still gets the whole timeout.
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const int slice = static_cast<int>(std::clamp<long>(left.count(), 1, 250));
    err = rd_kafka_metadata(handle.get(), 1, nullptr, &raw, slice);
    if (!err) break;
    handle.poll(0);
    const auto last = handle.last_error();
    const bool all_down = last && last->code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
    if (all_down || std::chrono::steady_clock::now() >= deadline || !means_unreachable(err)) break;
  }
  if (err) {
    std::string message = "Kafka at " + bootstrap_servers(settings);
    message += means_unreachable(err) ? " is unreachable: " : " refused the metadata request: ";
    message += "metadata request failed: ";
    message += rd_kafka_err2str(err);
    if (std::chrono::steady_clock::now() >= deadline)
      message += " (no answer within " + std::to_string(settings.timeout_ms) + " ms, kafka.timeout_ms)";
    const auto errors = handle.recent_errors();
    for (size_t i = 0; i < errors.size(); ++i) message += (i == 0 ? "; broker errors: " : "; ") + errors[i].reason;
    if (means_unreachable(err)) fail_unreachable(message);
    fail_check(message);
  }
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> metadata(raw, rd_kafka_metadata_destroy);
  ClusterMetadata out = copy_metadata(*metadata);

  // Known from the metadata answer just received, so these return at once; the time
  // left is their bound all the same.
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  const int left_ms = static_cast<int>(std::max<long>(0, left.count()));
  if (char* id = rd_kafka_clusterid(handle.get(), left_ms)) {
    out.cluster_id = id;
    rd_kafka_mem_free(handle.get(), id);
  }
  out.controller_id = rd_kafka_controllerid(handle.get(), left_ms);
  return out;
}

}  // namespace nf::kafka
