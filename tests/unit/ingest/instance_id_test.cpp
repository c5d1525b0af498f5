// ingest.instance_id: which ids Kafka accepts, what "auto" derives, and the claim that keeps
// an id to one process per host (abstract Unix sockets: no server, no files).
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "core/config/config.hpp"
#include "core/error/error.hpp"
#include "core/ingest/instance_id.hpp"
#include "core/time/clock.hpp"

namespace {

using nf::ingest::claim_instance_id;

// A group name of this test run only, so claims of a parallel run cannot collide.
std::string test_group(const std::string& name) { return "instance-id-test-" + name + "-" + std::to_string(nf::time::now_ms()); }

nf::ExitCode exit_code_of(const std::function<void()>& call, std::string& message) {
  try {
    call();
  } catch (const nf::Error& e) {
    message = e.what();
    return e.code();
  }
  FAIL("no nf::Error was thrown");
  return nf::ExitCode::ok;
}

}  // namespace

TEST_CASE("instance id: Kafka's characters and length are accepted, anything else is named") {
  using nf::ingest::instance_id_problem;
  CHECK(instance_id_problem("web-3.example.com-events-0") == "");
  CHECK(instance_id_problem("ingest_A.1") == "");
  CHECK(instance_id_problem(std::string(249, 'a')) == "");
  CHECK_THAT(instance_id_problem(std::string(250, 'a')), Catch::Contains("250 characters") && Catch::Contains("249"));
  CHECK_THAT(instance_id_problem("my ingest"), Catch::Contains("' '") && Catch::Contains("letters, digits"));
  CHECK_THAT(instance_id_problem("host/1"), Catch::Contains("'/'"));
  CHECK_THAT(instance_id_problem(".."), Catch::Contains("not a name Kafka accepts"));
  CHECK_THAT(instance_id_problem(""), Catch::Contains("empty"));
}

TEST_CASE("instance id: auto derives <host>-<streams>-<slot>, the host name made acceptable and cut to fit") {
  using nf::ingest::derived_instance_id;
  CHECK(derived_instance_id("web-3.example.com", "events", 0) == "web-3.example.com-events-0");
  CHECK(derived_instance_id("web-3", "all", 12) == "web-3-all-12");
  CHECK(derived_instance_id("odd host/name", "cdc", 1) == "odd-host-name-cdc-1");
  CHECK(derived_instance_id("", "all", 0) == "unknown-host-all-0");
  const std::string id = derived_instance_id(std::string(300, 'h'), "events", 7);
  CHECK(id.size() == 249);
  CHECK_THAT(id, Catch::EndsWith("hhh-events-7"));
  CHECK(nf::ingest::instance_id_problem(id) == "");
}

TEST_CASE("instance id: claim names depend on group and id only, and fit an abstract socket address") {
  using nf::ingest::claim_name;
  CHECK(claim_name("g", "a") == claim_name("g", "a"));
  CHECK(claim_name("g", "a") != claim_name("g", "b"));
  CHECK(claim_name("g1", "a") != claim_name("g2", "a"));
  CHECK(claim_name("ga", "b") != claim_name("g", "ab"));  // the separator counts
  CHECK(claim_name(std::string(500, 'g'), std::string(249, 'i')).size() < 107);
  CHECK_THAT(claim_name("g", "a"), Catch::StartsWith("novafeed-ingest-instance:"));
}

TEST_CASE("instance id: empty is dynamic membership, no id and no claim") {
  CHECK_FALSE(claim_instance_id("", test_group("empty"), "all", "host-a").has_value());
}

TEST_CASE("instance id: auto takes the lowest free slot on this host, and a released slot is taken again") {
  const std::string group = test_group("auto");
  auto first = claim_instance_id("auto", group, "events", "host-a");
  REQUIRE(first.has_value());
  CHECK(first->id == "host-a-events-0");
  CHECK(first->derived);
  {
    auto second = claim_instance_id("auto", group, "events", "host-a");
    REQUIRE(second.has_value());
    CHECK(second->id == "host-a-events-1");
    // Other streams, or another group, are other ids: slot 0 is theirs to take.
    CHECK(claim_instance_id("auto", group, "cdc", "host-a")->id == "host-a-cdc-0");
    CHECK(claim_instance_id("auto", group + "-other", "events", "host-a")->id == "host-a-events-0");
  }
  // The second process is gone (its claim closed, as the kernel closes a killed one's):
  // the next one gets its slot, and so its id, back.
  auto third = claim_instance_id("auto", group, "events", "host-a");
  REQUIRE(third.has_value());
  CHECK(third->id == "host-a-events-1");
  first.reset();
  CHECK(claim_instance_id("auto", group, "events", "host-a")->id == "host-a-events-0");
}

TEST_CASE("instance id: a fixed id is taken as it is, once per group on this host") {
  const std::string group = test_group("fixed");
  auto held = claim_instance_id("ingest-a", group, "events", "host-a");
  REQUIRE(held.has_value());
  CHECK(held->id == "ingest-a");
  CHECK_FALSE(held->derived);

  std::string message;
  CHECK(exit_code_of([&] { claim_instance_id("ingest-a", group, "cdc", "host-b"); }, message) == nf::ExitCode::usage);
  CHECK_THAT(message, Catch::Contains("'ingest-a' is already used in group " + group) &&
                          Catch::Contains("another process on this host") && Catch::Contains("ss -xap | grep " + held->claim) &&
                          Catch::Contains("ingest.instance_id=auto"));
  // In another group the same id is another member.
  CHECK(claim_instance_id("ingest-a", group + "-other", "events", "host-a").has_value());
  held.reset();
  CHECK(claim_instance_id("ingest-a", group, "events", "host-a").has_value());
}

TEST_CASE("instance id: an id Kafka would refuse is a usage error naming the setting") {
  std::string message;
  CHECK(exit_code_of([&] { claim_instance_id("my ingest", test_group("bad"), "all", "h"); }, message) == nf::ExitCode::usage);
  CHECK_THAT(message, Catch::StartsWith("ingest.instance_id: 'my ingest' has ' '") && Catch::Contains("auto"));
}

TEST_CASE("instance id: the setting is declared, empty (dynamic membership) by default") {
  const auto* spec = nf::config::find_spec("ingest.instance_id");
  REQUIRE(spec != nullptr);
  CHECK(spec->default_value.empty());
  CHECK(nf::config::env_name("ingest.instance_id") == "NOVAFEED_INGEST_INSTANCE_ID");
}

TEST_CASE("instance id: fencing is a usage error with its own reason, saying who took the id and what to do") {
  const auto fenced = [](bool derived) {
    try {
      nf::ingest::fail_fenced("novafeed-ingest", "web-3-all-0", derived, "Broker: Static consumer fenced by other consumer");
    } catch (const nf::Error& e) {
      return e;
    }
    FAIL("fail_fenced returned");
    return nf::Error(nf::ExitCode::ok, "");
  };
  const auto fixed = fenced(false);
  CHECK(fixed.code() == nf::ExitCode::usage);
  CHECK(fixed.reason() == nf::ingest::kFencedReason);
  CHECK_THAT(std::string(fixed.what()),
             Catch::Contains("fenced this ingest out of group novafeed-ingest") &&
                 Catch::Contains("same instance id 'web-3-all-0'") && Catch::Contains("Static consumer fenced") &&
                 Catch::Contains("give each its own ingest.instance_id"));
  CHECK_THAT(std::string(fixed.what()), !Catch::Contains("host name"));
  CHECK_THAT(std::string(fenced(true).what()), Catch::Contains("does another machine have the same host name"));
}
