#include <catch2/catch.hpp>

#include "core/ingest/timestamps.hpp"

using nf::ingest::epoch_millis_to_seconds;
using nf::ingest::parse_iso8601_seconds;

TEST_CASE("ingest: ISO-8601 timestamps become whole UTC seconds") {
  CHECK(parse_iso8601_seconds("1970-01-01T00:00:00Z").value() == 0);
  CHECK(parse_iso8601_seconds("2026-11-23T09:29:48Z").value() == 1795426188);
  CHECK(parse_iso8601_seconds("2026-11-23T09:29:48.999999Z").value() == 1795426188);  // rounded down
  CHECK(parse_iso8601_seconds("2026-11-23 09:29:48,5Z").value() == 1795426188);
  CHECK(parse_iso8601_seconds("2026-11-23T11:29:48+02:00").value() == 1795426188);
  CHECK(parse_iso8601_seconds("2026-11-23T04:29:48-0500").value() == 1795426188);
  CHECK(parse_iso8601_seconds("2024-02-29T00:00:00Z").value() == 1709164800);  // a leap day
  CHECK(parse_iso8601_seconds("2106-02-07T06:28:15Z").value() == 4294967295u);  // DateTime's last second
}

TEST_CASE("ingest: malformed or unrepresentable timestamps are refused with a reason") {
  CHECK_THAT(parse_iso8601_seconds("2026-11-23T09:29:48").error(), Catch::Contains("no time zone"));
  CHECK_THAT(parse_iso8601_seconds("2026-02-30T00:00:00Z").error(), Catch::Contains("no such date"));
  CHECK_THAT(parse_iso8601_seconds("2023-02-29T00:00:00Z").error(), Catch::Contains("no such date"));
  CHECK_THAT(parse_iso8601_seconds("2026-11-23T24:00:00Z").error(), Catch::Contains("no such date"));
  CHECK_THAT(parse_iso8601_seconds("2026-11-23").error(), Catch::Contains("expected YYYY-MM-DDTHH:MM:SS"));
  CHECK_THAT(parse_iso8601_seconds("2026-11-23T09:29:48.Z").error(), Catch::Contains("no digits"));
  CHECK_THAT(parse_iso8601_seconds("2026-11-23T09:29:48Zjunk").error(), Catch::Contains("trailing"));
  CHECK_THAT(parse_iso8601_seconds("1969-12-31T23:59:59Z").error(), Catch::Contains("outside"));
  CHECK_THAT(parse_iso8601_seconds("2106-02-07T06:28:16Z").error(), Catch::Contains("outside"));
}

TEST_CASE("ingest: epoch milliseconds become whole seconds, rounded down") {
  CHECK(epoch_millis_to_seconds(0).value() == 0);
  CHECK(epoch_millis_to_seconds(999).value() == 0);
  CHECK(epoch_millis_to_seconds(1795426188999).value() == 1795426188);
  CHECK_FALSE(epoch_millis_to_seconds(-1).has_value());
  CHECK_FALSE(epoch_millis_to_seconds(4294967296000).has_value());
}
