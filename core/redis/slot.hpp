#pragma once
// The Redis Cluster hash slot of a key, as CLUSTER KEYSLOT computes it: CRC16 (XMODEM) of
// the key, or of its hash tag (the text between the first '{' and the next '}', when not
// empty), modulo 16384. A multi-key command (DEL k1 k2, EVAL with several KEYS, MGET) is
// valid on a cluster only when all its keys are in one slot; novafeed keeps that rule by
// sending one command per key, or by a hash tag where the keys of a command belong to one
// user (the dedup EVAL's two sets, dedup:events:{<user>}:<generation>). The unit tests
// hold every multi-key command novafeed builds to it without a server;
// tests/integration/redis_cluster_test.cpp on a real one.

#include <cstdint>
#include <string_view>

namespace nf::redis {

inline constexpr uint16_t kClusterSlots = 16384;

// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), as Redis Cluster's keyHashSlot.
uint16_t crc16(std::string_view bytes);

// The key's slot, 0..16383.
uint16_t key_slot(std::string_view key);

}  // namespace nf::redis
