#include "core/retention/policy.hpp"

#include <algorithm>

namespace nf::retention {

std::string_view bucket_name(TimeBucket bucket) {
  switch (bucket) {
    case TimeBucket::second: return "second";
    case TimeBucket::hour: return "hour";
    case TimeBucket::day: return "day";
  }
  return "?";
}

const std::vector<RetentionPolicy>& default_policies() {
  static const std::vector<RetentionPolicy> policies = {
      {"events", "ts", 30, TimeBucket::second},
      {"post_metrics_1h", "hour", 30, TimeBucket::hour},
      {"user_author_90d", "day", 90, TimeBucket::day},
      {"post_metrics_1d", "day", 30, TimeBucket::day},
      {"user_seen", "day", 2, TimeBucket::day},
      {"event_keys", "ts", 30, TimeBucket::second},
      {"post_counts", "day", 30, TimeBucket::day},
      {"user_author_counts", "day", 90, TimeBucket::day},
  };
  return policies;
}

int64_t cutoff_instant(int64_t now_s, int64_t days) { return now_s - days * 86400; }

int64_t bucket_end(TimeBucket bucket, int64_t value) {
  switch (bucket) {
    case TimeBucket::second: return value + 1;  // DateTime has whole seconds
    case TimeBucket::hour: return value + 3600;
    case TimeBucket::day: return value + 1;     // in days
  }
  return value;
}

bool partition_expired(TimeBucket bucket, int64_t newest, const Cutoff& cutoff) {
  const int64_t limit = bucket == TimeBucket::day ? cutoff.day : cutoff.at_s;
  return bucket_end(bucket, newest) <= limit;
}

PartitionSplit split_partitions(std::vector<Partition> partitions, TimeBucket bucket, const Cutoff& cutoff) {
  std::sort(partitions.begin(), partitions.end(), [](const Partition& a, const Partition& b) { return a.id < b.id; });
  PartitionSplit split;
  for (auto& partition : partitions)
    (partition_expired(bucket, partition.newest, cutoff) ? split.expired : split.kept).push_back(std::move(partition));
  return split;
}

}  // namespace nf::retention
