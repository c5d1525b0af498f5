#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "core/schema/checksum.hpp"
#include "core/schema/embedded.hpp"
#include "core/schema/migration.hpp"
#include "tests/support/run.hpp"

TEST_CASE("schema: sha256_hex matches the FIPS 180-2 test vectors") {
  CHECK(nf::schema::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(nf::schema::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(nf::schema::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("schema: a migration's checksum is stable and changes with any byte of the file") {
  const std::vector<nf::schema::EmbeddedFile> original = {{"postgres/0001_a.sql", "CREATE TABLE a (id int);\n"}};
  const std::vector<nf::schema::EmbeddedFile> edited = {{"postgres/0001_a.sql", "CREATE TABLE a (id int); \n"}};
  const auto first = nf::schema::load_migrations(nf::schema::Target::postgres, original);
  const auto again = nf::schema::load_migrations(nf::schema::Target::postgres, original);
  const auto changed = nf::schema::load_migrations(nf::schema::Target::postgres, edited);
  REQUIRE(first.size() == 1);
  CHECK(first[0].checksum == nf::schema::sha256_hex("CREATE TABLE a (id int);\n"));
  CHECK(first[0].checksum == again[0].checksum);
  CHECK(first[0].checksum != changed[0].checksum);
}

TEST_CASE("schema: embedded migrations are byte for byte the files under schema/, so checksums are of the stored file") {
  const auto& files = nf::schema::embedded_files();
  REQUIRE(files.size() >= 5);
  for (const auto& file : files) {
    INFO(file.path);
    std::ifstream in(nf::test::source_dir() + "/schema/" + file.path, std::ios::binary);
    REQUIRE(in);
    std::stringstream content;
    content << in.rdbuf();
    CHECK(nf::schema::sha256_hex(file.content) == nf::schema::sha256_hex(content.str()));
  }
}
