#include <catch2/catch.hpp>

#include "core/catalog/tables.hpp"
#include "core/verify/row_hash.hpp"

using namespace nf::verify;
using nf::catalog::table;

TEST_CASE("text enters the hash as MD5 bytes 8..11 big-endian, as both databases compute it") {
  // md5("abc") = 900150983cd24fb0 d6963f7d 28e17f72: PostgreSQL's
  // ('x' || substr(md5('abc'), 17, 8))::bit(32)::bigint and ClickHouse's
  // bitShiftRight(reinterpretAsUInt64(reverse(MD5('abc'))), 32) are both 3600170877.
  CHECK(text_hash32("abc") == 0xd6963f7dULL);
  CHECK(text_hash32("abc") == 3600170877ULL);
}

TEST_CASE("the row hash folds the fields: h = ((h XOR f) * 1000003) mod (2^31 - 1)") {
  const auto& follows = table("follows");
  // By hand: 12 → 12000036; XOR 34, · 1000003 mod P → …; the C++ fold below is that loop.
  uint64_t h = 0;
  for (uint64_t f : {12ULL, 34ULL, 1763890185ULL % kHashModulus, 1763890186ULL % kHashModulus, 0ULL})
    h = ((h ^ f) * kHashMultiplier) % kHashModulus;
  CHECK(row_hash(follows, {"12", "34", "1763890185", "1763890186"}, false) == h);
  CHECK(((0 ^ 12ULL) * kHashMultiplier) % kHashModulus == 12000036);
  CHECK(h < kHashModulus);

  // Any single field change, the delete flag included, changes the hash.
  const auto& posts = table("posts");
  const std::vector<std::optional<std::string>> row = {"7", "1", "hello", "1763890185", "1763890186", std::nullopt};
  const uint64_t base = row_hash(posts, row, false);
  CHECK(row_hash(posts, row, true) != base);
  for (size_t i = 0; i < row.size(); ++i) {
    auto changed = row;
    changed[i] = i == 2 ? std::optional<std::string>("hellO") : std::optional<std::string>("1763890100");
    CHECK(row_hash(posts, changed, false) != base);
  }
  // NULL and epoch 0 differ (NULL → 0, a time → epoch + 1).
  auto at_zero = row;
  at_zero[5] = "0";
  CHECK(row_hash(posts, at_zero, false) != base);

  // Values swapped between two rows change the sum (the fold is not linear).
  const uint64_t a = row_hash(follows, {"1", "10", "100", "100"}, false) + row_hash(follows, {"2", "20", "100", "100"}, false);
  const uint64_t b = row_hash(follows, {"1", "20", "100", "100"}, false) + row_hash(follows, {"2", "10", "100", "100"}, false);
  CHECK(a != b);
}

TEST_CASE("canonical text: length-prefixed text, epoch seconds, empty for NULL, delete flag last") {
  const auto& posts = table("posts");
  const auto fields = canonical_fields(posts, {"12", "7", "hi, there", "1763890185", "1763890186", std::nullopt}, false);
  CHECK(canonical_text(fields) == "12,7,9:hi, there,1763890185,1763890186,,0");
  CHECK(field_names(posts).back() == "deleted");
  CHECK(field_names(posts).size() == fields.size());
  // Moving a separator between two text columns changes the text (no ambiguity).
  const auto& users = table("users");
  CHECK(canonical_text(canonical_fields(users, {"1", "a,", "b", "0", "0"}, false)) !=
        canonical_text(canonical_fields(users, {"1", "a", ",b", "0", "0"}, false)));
}

TEST_CASE("both SQL renderings build the same fold over the same fields") {
  const auto& posts = table("posts");
  const auto pg = pg_field_expressions(posts);
  const auto ch = ch_field_expressions(posts);
  REQUIRE(pg.size() == field_names(posts).size());
  REQUIRE(ch.size() == pg.size());
  CHECK(pg[2] == "octet_length(caption)::text || ':' || caption");
  CHECK(ch[2] == "concat(toString(length(caption)), ':', caption)");  // length() is bytes in ClickHouse
  CHECK(pg[5] == "coalesce(floor(date_part('epoch', deleted_at))::bigint::text, '')");
  CHECK(ch[5] == "ifNull(toString(toUInt32(deleted_at)), '')");
  CHECK(pg[6] == "(deleted_at IS NOT NULL)::int::text");
  CHECK(ch[6] == "toString(_deleted)");
  CHECK(pg_field_expressions(table("follows")).back() == "'0'");

  const std::string P = "2147483647";
  CHECK(pg_row_hash(table("likes")) ==
        "(((((((((((((((0 # (user_id % " + P + ")) * 1000003) % " + P + ") # (post_id % " + P + ")) * 1000003) % " + P +
            ") # (floor(date_part('epoch', created_at))::bigint % " + P + ")) * 1000003) % " + P +
            ") # (floor(date_part('epoch', updated_at))::bigint % " + P + ")) * 1000003) % " + P + ") # 0) * 1000003) % " +
            P + ")");
  CHECK(ch_row_hash(table("likes")) ==
        "((bitXor(((bitXor(((bitXor(((bitXor(((bitXor(0, (user_id % " + P + ")) * 1000003) % " + P + "), (post_id % " + P +
            ")) * 1000003) % " + P + "), (toUInt32(created_at) % " + P + ")) * 1000003) % " + P +
            "), (toUInt32(updated_at) % " + P + ")) * 1000003) % " + P + "), _deleted) * 1000003) % " + P + ")");
  const std::string pg_posts = pg_row_hash(posts), ch_posts = ch_row_hash(posts);
  CHECK(pg_posts.find("(('x' || substr(md5(caption), 17, 8))::bit(32)::bigint % " + P + ")") != std::string::npos);
  CHECK(ch_posts.find("(bitShiftRight(reinterpretAsUInt64(reverse(MD5(caption))), 32) % " + P + ")") != std::string::npos);
  CHECK(pg_posts.find("(coalesce(floor(date_part('epoch', deleted_at))::bigint + 1, 0) % " + P + ")") != std::string::npos);
  CHECK(ch_posts.find("(ifNull(toUInt32(deleted_at) + 1, 0) % " + P + ")") != std::string::npos);
  CHECK(pg_posts.find("(deleted_at IS NOT NULL)::int::bigint") != std::string::npos);
}
