#include "core/ingest/offset_store.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

namespace nf::ingest {

void record_offsets(const ch::Client& client, const std::string& group, const std::map<TopicPartition, int64_t>& next_offsets) {
  if (next_offsets.empty()) return;
  std::string body;
  const auto now = static_cast<uint32_t>(std::time(nullptr));
  for (const auto& [tp, next] : next_offsets)
    body += nlohmann::json{{"consumer_group", group}, {"topic", tp.topic}, {"partition", tp.partition},
                           {"next_offset", next}, {"updated_at", now}}
                .dump() +
            "\n";
  client.insert("ingest_offsets", "JSONEachRow", body);
}

std::map<TopicPartition, int64_t> recorded_offsets(const ch::Client& client, const std::string& group) {
  std::map<TopicPartition, int64_t> out;
  const auto rows = client.query("SELECT topic, partition, max(next_offset) AS next_offset FROM ingest_offsets "
                                 "WHERE consumer_group = " + ch::quote(group) + " GROUP BY topic, partition");
  for (const auto& row : rows)
    out[{row.at("topic").get<std::string>(), static_cast<int32_t>(ch::as_u64(row.at("partition")))}] =
        static_cast<int64_t>(ch::as_u64(row.at("next_offset")));
  return out;
}

}  // namespace nf::ingest
