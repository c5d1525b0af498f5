#include <catch2/catch.hpp>

#include <cstdint>

#include "core/time/rfc3339.hpp"

using nf::time::days_from_civil;
using nf::time::format_rfc3339;
using nf::time::parse_rfc3339_ms;

namespace {
constexpr int64_t kDayMs = 86'400'000;
}

TEST_CASE("time: RFC 3339 in UTC to epoch milliseconds", "[time]") {
  CHECK(parse_rfc3339_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00Z") == 1795430400000);
  // Lower-case separators and a space instead of T are RFC 3339 too.
  CHECK(parse_rfc3339_ms("2026-11-23t10:40:00z") == 1795430400000);
  CHECK(parse_rfc3339_ms("2026-11-23 10:40:00Z") == 1795430400000);
  CHECK(parse_rfc3339_ms("1969-12-31T23:59:59Z") == -1000);
}

TEST_CASE("time: RFC 3339 offsets are taken off to reach UTC", "[time]") {
  // 01:00 at +01:00 is midnight UTC; 18:30 at -05:30 is midnight UTC the next day.
  CHECK(parse_rfc3339_ms("1970-01-01T01:00:00+01:00") == 0);
  CHECK(parse_rfc3339_ms("1969-12-31T18:30:00-05:30") == 0);
  CHECK(parse_rfc3339_ms("2026-11-23T12:40:00+02:00") == 1795430400000);
  CHECK(parse_rfc3339_ms("2026-11-23T05:10:00-05:30") == 1795430400000);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00+00:00") == 1795430400000);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00-00:00") == 1795430400000);
}

TEST_CASE("time: RFC 3339 fractions of 1 to 9 digits, cut to milliseconds", "[time]") {
  const int64_t base = 1795430400000;
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.1Z") == base + 100);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.12Z") == base + 120);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.123Z") == base + 123);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.1239Z") == base + 123);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.12399Z") == base + 123);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.123999Z") == base + 123);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.1239999Z") == base + 123);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.12399999Z") == base + 123);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.999999999Z") == base + 999);
  CHECK(parse_rfc3339_ms("2026-11-23T10:40:00.5+02:00") == base - 2 * 3600 * 1000 + 500);
  CHECK(parse_rfc3339_ms("1970-01-01 00:00:01.0009Z") == 1000);
}

TEST_CASE("time: RFC 3339 leap days exist only in leap years", "[time]") {
  // 2000-02-29 is day 11016 (30 years incl. 7 leap days + 59).
  CHECK(parse_rfc3339_ms("2000-02-29T00:00:00.5Z") == 11016 * kDayMs + 500);
  CHECK(parse_rfc3339_ms("2024-02-29T00:00:00Z") == 1709164800000);
  CHECK_FALSE(parse_rfc3339_ms("2001-02-29T00:00:00Z").has_value());
  CHECK_FALSE(parse_rfc3339_ms("1900-02-29T00:00:00Z").has_value());  // divisible by 100, not by 400
}

TEST_CASE("time: what is not an RFC 3339 date-time is nullopt", "[time]") {
  for (const char* text : {
           "",
           "garbage",
           "2026-13-01T00:00:00Z",       // month 13
           "2026-00-01T00:00:00Z",       // month 0
           "2026-02-30T00:00:00Z",       // Feb 30
           "2026-04-31T00:00:00Z",       // April has 30 days
           "2026-11-00T00:00:00Z",       // day 0
           "2026-11-23T24:00:00Z",       // hour 24
           "2026-11-23T10:60:00Z",       // minute 60
           "2026-11-23T10:40:60Z",       // no leap seconds
           "2026-11-23T10:40:00",        // no zone: ambiguous
           "2026-11-23",                 // a date alone
           "2026-11-23T10:40Z",          // no seconds
           "2026-11-23T10:40:00.Z",      // a dot without digits
           "2026-11-23T10:40:00Zjunk",   // trailing text
           "2026-11-23T10:40:00+0200",   // offset without colon
           "2026-11-23T10:40:00+02",     // offset without minutes
           "2026-11-23T10:40:00+24:00",  // offset hour 24
           "2026-11-23X10:40:00Z",       // bad separator
           "2026/11/23T10:40:00Z",
           "26-11-23T10:40:00Z",
           " 2026-11-23T10:40:00Z",
       }) {
    INFO("'" << text << "'");
    CHECK_FALSE(parse_rfc3339_ms(text).has_value());
  }
}

TEST_CASE("time: days_from_civil counts days from 1970-01-01", "[time]") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(2026, 11, 23) == 20780);
}

TEST_CASE("time: epoch milliseconds formatted as RFC 3339 UTC", "[time]") {
  CHECK(format_rfc3339(0, false) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(0, true) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1795430400000, false) == "2026-11-23T10:40:00Z");
  CHECK(format_rfc3339(1795430400123, true) == "2026-11-23T10:40:00.123Z");
  CHECK(format_rfc3339(1795430400999, false) == "2026-11-23T10:40:00Z");  // cut, not rounded
  CHECK(format_rfc3339(1709164800000, true) == "2024-02-29T00:00:00.000Z");
  // Before 1970 the second is floored, so the milliseconds stay positive.
  CHECK(format_rfc3339(-1, true) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(-1, false) == "1969-12-31T23:59:59Z");
}

TEST_CASE("time: format then parse gives the same instant back", "[time]") {
  for (const int64_t ms : {int64_t(0), int64_t(-1), int64_t(951782400000), int64_t(1795430400123),
                           int64_t(253402300799999)}) {  // the last millisecond of 9999
    INFO(ms);
    CHECK(parse_rfc3339_ms(format_rfc3339(ms, true)) == ms);
    CHECK(parse_rfc3339_ms(format_rfc3339(ms, false)) == ms - ((ms % 1000) + 1000) % 1000);
  }
}
