#pragma once
// Calendar arithmetic, proleptic Gregorian in UTC (Howard Hinnant's algorithms), in one
// place: RFC 3339 parsing (rfc3339.hpp), the ingest's Debezium timestamps and the seed's
// COPY text all build on it.

#include <cstdint>

namespace nf::time {

inline constexpr int64_t kDayMs = 86'400'000;

// Days since 1970-01-01 of a date; negative before 1970. The date is not checked: the
// caller validates month and day (days_in_month).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d);

bool is_leap_year(int64_t y);
// 28..31; m in 1..12.
int days_in_month(int64_t y, int64_t m);

struct CivilTime {
  int64_t year, month, day, hour, minute, second, millis;
};
// The UTC calendar date and time of an instant (before 1970 too).
CivilTime civil_from_epoch_ms(int64_t epoch_ms);

}  // namespace nf::time
