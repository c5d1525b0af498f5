#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "core/events/dedup.hpp"
#include "core/redis/keys.hpp"
#include "core/redis/slot.hpp"

using nf::redis::key_slot;

TEST_CASE("redis slot: CRC16 and CLUSTER KEYSLOT check values") {
  // The CRC16/XMODEM check value, and the Redis Cluster specification's own examples.
  CHECK(nf::redis::crc16("123456789") == 0x31C3);
  CHECK(nf::redis::crc16("") == 0);
  CHECK(key_slot("foo") == 12182);
  CHECK(key_slot("bar") == 5061);
  CHECK(key_slot("123456789") == 0x31C3 % 16384);
}

TEST_CASE("redis slot: a hash tag is the text between the first '{' and the next '}', when not empty") {
  CHECK(key_slot("{user1000}.following") == key_slot("user1000"));
  CHECK(key_slot("{user1000}.following") == key_slot("{user1000}.followers"));
  CHECK(key_slot("foo{}{bar}") == nf::redis::crc16("foo{}{bar}") % 16384);  // an empty tag: the whole key
  CHECK(key_slot("foo{}{bar}") != key_slot("bar"));
  CHECK(key_slot("foo{{bar}}zap") == key_slot("{bar"));  // the first '{', the next '}'
  CHECK(key_slot("foo{bar}{zap}") == key_slot("bar"));
  CHECK(key_slot("no{close") == nf::redis::crc16("no{close") % 16384);
}

TEST_CASE("redis slot: a user's two dedup sets share the user's slot, so one EVAL covers the batch on a cluster") {
  std::set<uint16_t> slots;
  const int64_t now_ms = 1'764'880'000'123;  // generation 490244 of a 3600 s window
  for (const uint64_t user : {1ULL, 42ULL, 7'300'000'001ULL}) {
    INFO("user " << user);
    const auto keys = nf::events::dedup_keys(user, now_ms, 3600);
    CHECK(keys.current == "dedup:events:{" + std::to_string(user) + "}:490244");
    CHECK(keys.previous == "dedup:events:{" + std::to_string(user) + "}:490243");
    CHECK(key_slot(keys.current) == key_slot(std::to_string(user)));
    CHECK(key_slot(keys.previous) == key_slot(std::to_string(user)));
    slots.insert(key_slot(keys.current));
  }
  CHECK(slots.size() == 3);
  // The generation turns at a window's boundary, not in between.
  CHECK(nf::events::dedup_keys(1, 3'600'000 * 5 - 1, 3600).current == "dedup:events:{1}:4");
  CHECK(nf::events::dedup_keys(1, 3'600'000 * 5, 3600).current == "dedup:events:{1}:5");
  CHECK(nf::events::dedup_keys(1, 3'600'000 * 5, 3600).previous == "dedup:events:{1}:4");
}

TEST_CASE("redis slot: feed keys of different users fall in different slots, so their UNLINKs go one key each") {
  // `feed:v1:{user}` in SPEC §3 names the id, not a hash tag: the feeds spread over the
  // cluster, and a many-key UNLINK of followers' feeds would be refused (CROSSSLOT).
  std::set<uint16_t> slots;
  for (uint64_t user = 1; user <= 1000; ++user) slots.insert(key_slot(nf::redis::feed_key(user)));
  CHECK(slots.size() > 900);
  CHECK(nf::redis::feed_key(42).find('{') == std::string::npos);
}
