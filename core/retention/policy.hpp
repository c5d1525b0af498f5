#pragma once
// What the retention job keeps, table by table, and the exact rule for dropping a partition
// of a table that has no TTL (ClickHouse 18.16, or a table made there and kept through an
// upgrade). Pure: no server, so every rule is unit tested.
//
// A row stands for a span of time that starts at its time column's value:
//   events           ts    one event, to the second        [ts, ts + 1 s)
//   post_metrics_1h  hour  the events of that hour          [hour, hour + 1 h)
//   post_metrics_1d  day   the events of that server day    [day, day + 1 day)
//   user_author_90d  day   the events of that server day    [day, day + 1 day)
//   user_seen        day   the events of that server day    [day, day + 1 day)
//   event_keys       ts    one counted event, to the second [ts, ts + 1 s)
//   post_counts, user_author_counts: day, as post_metrics_1d
// The window is [cutoff, now] with cutoff = now - days: a row at exactly the cutoff is
// inside (the ranking reads `ts >= now() - INTERVAL 30 DAY`). A row has expired only when
// its whole span ends at or before the cutoff, because only then can no event it counts be
// inside the window. A partition is dropped only when its NEWEST row has expired (so all
// of them have); a partition with one row inside the window straddles the edge and stays
// whole until a later run finds it expired. The rule needs nothing of the partition key:
// whatever the key, a partition whose newest row has expired holds only expired rows.
//
// Per table, with the newest row of the partition:
//   events           dropped iff max(ts) + 1 s <= cutoff, i.e. max(ts) < cutoff.
//   post_metrics_1h  dropped iff max(hour) + 3600 <= cutoff. Bucket h holds events at
//                    h .. h + 3599; one of them is inside the window iff h + 3599 >= cutoff,
//                    i.e. h + 3600 > cutoff. So exactly the buckets the ranking reads
//                    (`hour >= toStartOfHour(now() - INTERVAL 30 DAY)`) are kept, and the
//                    bucket starting before the cutoff that holds it (up to 59 min 59 s of
//                    events outside the window) is kept with them.
//   event_keys       as events.
//   post_metrics_1d, user_author_90d, user_seen, post_counts, user_author_counts (days)
//                    dropped iff max(day) + 1 <= the cutoff's date, in days. Bucket d holds
//                    the events with toDate(ts) = d in the SERVER's time zone (the
//                    materialized view's toDate), so the cutoff's date must be the server's
//                    toDate(cutoff) too, never computed here. An event inside the window has
//                    toDate(ts) >= toDate(cutoff), so bucket d may hold one iff d >= that
//                    date. The ranking reads `day > today() - 90`, a day less than is kept.
//
// Times are compared as numbers: DateTime columns as epoch seconds (toUInt32), Date columns
// as days since 1970 (toUInt16), so no time zone is involved on this side.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nf::retention {

// What one value of a table's time column stands for (the span a row covers).
enum class TimeBucket {
  second,  // an instant (DateTime): events.ts
  hour,    // an hour starting there (DateTime): post_metrics_1h.hour
  day,     // a server-local day (Date): user_author_90d.day
};

std::string_view bucket_name(TimeBucket bucket);  // "second", "hour", "day"

struct RetentionPolicy {
  std::string table;        // in the client's database; a plain identifier
  std::string time_column;  // a plain identifier
  int64_t days = 0;         // the window: rows of the last `days` days are kept
  TimeBucket bucket = TimeBucket::second;
};

// events, post_metrics_1h, post_metrics_1d, event_keys and post_counts 30 days,
// user_author_90d and user_author_counts 90 days (SPEC §2, the schema's TTLs in
// schema/clickhouse/0002, 0005 and 0006), user_seen 2 days (the seen filter's 24 h, 0004).
const std::vector<RetentionPolicy>& default_policies();

// Where the window starts.
struct Cutoff {
  int64_t at_s = 0;  // now - days, epoch seconds: a row at this instant is inside the window
  int64_t day = 0;   // the server's date of at_s, days since 1970 (used for day buckets)
};

// now_s - days * 86400.
int64_t cutoff_instant(int64_t now_s, int64_t days);

// One partition as the job sees it: SELECT _partition_id, max(time column), count().
struct Partition {
  std::string id;      // _partition_id: "20261103" (toDate), "202611" (toYYYYMM)
  int64_t newest = 0;  // max of the time column: epoch seconds, or days since 1970 for `day`
  uint64_t rows = 0;
};

// The end of the span that `value` starts, in the same unit (seconds, or days for `day`).
int64_t bucket_end(TimeBucket bucket, int64_t value);

// True when every row of a partition whose newest time value is `newest` lies before the
// window: its newest row's span ends at or before the cutoff.
bool partition_expired(TimeBucket bucket, int64_t newest, const Cutoff& cutoff);

struct PartitionSplit {
  std::vector<Partition> expired;  // to drop
  std::vector<Partition> kept;     // at least one row may be inside the window
};

// Sorts `partitions` by id (chronological for date keys) and splits them by partition_expired.
PartitionSplit split_partitions(std::vector<Partition> partitions, TimeBucket bucket, const Cutoff& cutoff);

}  // namespace nf::retention
