#include <catch2/catch.hpp>

#include "core/error/error.hpp"
#include "core/time/duration.hpp"

using std::chrono::milliseconds;

TEST_CASE("durations parse with units, a bare number is seconds") {
  CHECK(nf::time::parse_duration("120s", "--timeout") == milliseconds(120000));
  CHECK(nf::time::parse_duration("90", "--timeout") == milliseconds(90000));
  CHECK(nf::time::parse_duration("2m", "--timeout") == milliseconds(120000));
  CHECK(nf::time::parse_duration("1h30m", "--timeout") == milliseconds(5400000));
  CHECK(nf::time::parse_duration("500ms", "--timeout") == milliseconds(500));
  CHECK(nf::time::parse_duration("7d", "--since") == milliseconds(7LL * 24 * 3600 * 1000));
  CHECK(nf::time::parse_duration("0s", "--timeout") == milliseconds(0));
}

TEST_CASE("a malformed duration is a usage error naming the option") {
  for (const char* text : {"", "s", "10x", "1.5s", "-5s", "10 5", "5s3", "99999999999999s"}) {
    INFO("'" << text << "'");
    try {
      nf::time::parse_duration(text, "--timeout");
      FAIL("expected an error");
    } catch (const nf::Error& e) {
      CHECK(e.code() == nf::ExitCode::usage);
      CHECK_THAT(e.what(), Catch::Contains("--timeout"));
    }
  }
}

TEST_CASE("durations describe themselves for messages") {
  CHECK(nf::time::describe_duration(milliseconds(850)) == "850 ms");
  CHECK(nf::time::describe_duration(milliseconds(4200)) == "4.2 s");
  CHECK(nf::time::describe_duration(milliseconds(125000)) == "2 min 5 s");
}
