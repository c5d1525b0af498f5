// The invalidation messages Redis pushes (RESP2, as on the wire), read by hiredis's own
// reader: what invalidated_keys makes of each.

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include "core/redis/key_watch.hpp"

namespace {

nf::redis::Reply parse(const std::string& wire) {
  redisReader* reader = redisReaderCreate();
  REQUIRE(redisReaderFeed(reader, wire.data(), wire.size()) == REDIS_OK);
  void* reply = nullptr;
  REQUIRE(redisReaderGetReply(reader, &reply) == REDIS_OK);
  redisReaderFree(reader);
  REQUIRE(reply);
  return nf::redis::Reply(static_cast<redisReply*>(reply));
}

}  // namespace

TEST_CASE("key watch: invalidation messages name their keys, a flush is every key", "[redis]") {
  // What Redis 7.0 sent for `DEL feed:v1:42` (captured from redis-server 7 on loopback).
  const auto one = nf::redis::invalidated_keys(
      *parse("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$10\r\nfeed:v1:42\r\n"));
  REQUIRE(one);
  CHECK(*one == std::vector<std::string>{"feed:v1:42"});
  const auto two = nf::redis::invalidated_keys(
      *parse("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*2\r\n$9\r\nfeed:v1:1\r\n$9\r\nfeed:v1:2\r\n"));
  REQUIRE(two);
  CHECK(*two == std::vector<std::string>{"feed:v1:1", "feed:v1:2"});
  // FLUSHALL / FLUSHDB: a nil key list.
  CHECK_FALSE(nf::redis::invalidated_keys(*parse("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n")));
  // The subscribe confirmation and other channels are not invalidations.
  const auto confirmation =
      nf::redis::invalidated_keys(*parse("*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n"));
  REQUIRE(confirmation);
  CHECK(confirmation->empty());
  const auto other = nf::redis::invalidated_keys(*parse("*3\r\n$7\r\nmessage\r\n$5\r\nother\r\n*1\r\n$1\r\nx\r\n"));
  REQUIRE(other);
  CHECK(other->empty());
}
