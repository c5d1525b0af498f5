#include <catch2/catch.hpp>

#include "core/schema/statements.hpp"

using Statements = std::vector<std::string>;

namespace {
Statements split(std::string_view sql) {
  auto result = nf::schema::split_statements(sql);
  if (!result) FAIL("unexpected split error: " << result.error());
  return *result;
}
}  // namespace

TEST_CASE("schema: statements split at semicolons and are trimmed") {
  CHECK(split("SELECT 1; SELECT 2;") == Statements{"SELECT 1", "SELECT 2"});
  CHECK(split("\n  CREATE TABLE t (x UInt8)\n  ENGINE = Log ;\n") == Statements{"CREATE TABLE t (x UInt8)\n  ENGINE = Log"});
}

TEST_CASE("schema: a last statement needs no semicolon, and trailing blanks or comments make no statement") {
  CHECK(split("SELECT 1; SELECT 2") == Statements{"SELECT 1", "SELECT 2"});
  CHECK(split("SELECT 1;\n\n   \n") == Statements{"SELECT 1"});
  CHECK(split("SELECT 1;\n-- the end; really\n/* and; this */\n") == Statements{"SELECT 1"});
  CHECK(split(";;SELECT 1;;") == Statements{"SELECT 1"});
  CHECK(split("").empty());
  CHECK(split("-- only a comment; nothing else").empty());
}

TEST_CASE("schema: a semicolon inside quotes does not split") {
  CHECK(split("SELECT 'a;b'; SELECT 2") == Statements{"SELECT 'a;b'", "SELECT 2"});
  CHECK(split("SELECT 'it\\'s; fine'; SELECT 2") == Statements{"SELECT 'it\\'s; fine'", "SELECT 2"});
  CHECK(split("SELECT 'it''s; fine'; SELECT 2") == Statements{"SELECT 'it''s; fine'", "SELECT 2"});
  CHECK(split("SELECT 1 AS \"a;b\"; SELECT 1 AS `c;d`") == Statements{"SELECT 1 AS \"a;b\"", "SELECT 1 AS `c;d`"});
  CHECK(split("SELECT '\\\\'; SELECT 2") == Statements{"SELECT '\\\\'", "SELECT 2"});
}

TEST_CASE("schema: -- and /* inside quotes are not comments, and quotes inside comments are not quotes") {
  CHECK(split("SELECT '-- x; y'; SELECT 2") == Statements{"SELECT '-- x; y'", "SELECT 2"});
  CHECK(split("SELECT '/* x; */'; SELECT 2") == Statements{"SELECT '/* x; */'", "SELECT 2"});
  CHECK(split("SELECT 1 -- it's; a comment\n; SELECT 2") == Statements{"SELECT 1 -- it's; a comment", "SELECT 2"});
  CHECK(split("SELECT /* don't; */ 1; SELECT 2") == Statements{"SELECT /* don't; */ 1", "SELECT 2"});
}

TEST_CASE("schema: comments stay with the statement they precede") {
  CHECK(split("-- header\nCREATE TABLE a (x UInt8) ENGINE = Log;\n\n-- about b\nCREATE TABLE b (x UInt8) ENGINE = Log;") ==
        Statements{"-- header\nCREATE TABLE a (x UInt8) ENGINE = Log", "-- about b\nCREATE TABLE b (x UInt8) ENGINE = Log"});
}

TEST_CASE("schema: an unterminated quote or block comment is an error naming its line") {
  const auto quote = nf::schema::split_statements("SELECT 1;\nSELECT 'oops;\nSELECT 3;");
  REQUIRE_FALSE(quote);
  CHECK_THAT(quote.error(), Catch::Contains("unterminated") && Catch::Contains("line 2"));
  const auto comment = nf::schema::split_statements("SELECT 1;\n\n/* never closed; SELECT 2;");
  REQUIRE_FALSE(comment);
  CHECK_THAT(comment.error(), Catch::Contains("line 3"));
  const auto backslash_at_end = nf::schema::split_statements("SELECT 'a\\");
  CHECK_FALSE(backslash_at_end);
}
