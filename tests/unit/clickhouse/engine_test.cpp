#include <catch2/catch.hpp>

#include <set>

#include "core/clickhouse/client.hpp"
#include "core/clickhouse/engine.hpp"
#include "core/error/error.hpp"

using nf::ch::parse_version;

TEST_CASE("clickhouse: versions parse from what the servers print, and order") {
  const auto debian = parse_version("18.16.1");
  CHECK(debian.major == 18);
  CHECK(debian.minor == 16);
  CHECK(debian.patch == 1);
  const auto current = parse_version("26.7.2.1");
  CHECK(current.major == 26);
  CHECK(current.minor == 7);
  CHECK(current.text == "26.7.2.1");
  CHECK(debian < current);
  CHECK_FALSE(current < debian);
  CHECK(parse_version("23.3").major == 23);
  CHECK_THROWS_AS(parse_version("ClickHouse"), nf::Error);
  CHECK_THROWS_AS(parse_version(""), nf::Error);
}

TEST_CASE("clickhouse: engine features follow the version: TTL from 19.6 on") {
  CHECK_FALSE(nf::ch::features_of(parse_version("18.16.1")).ttl);
  CHECK_FALSE(nf::ch::features_of(parse_version("19.5.4")).ttl);
  CHECK(nf::ch::features_of(parse_version("19.6.1")).ttl);
  CHECK(nf::ch::features_of(parse_version("23.8.2.7")).ttl);
  CHECK(nf::ch::features_of(parse_version("26.7.2.1")).ttl);
  CHECK(nf::ch::features_of(parse_version("18.16.1")).names().empty());
  CHECK(nf::ch::features_of(parse_version("26.7.2.1")).names() == std::vector<std::string>{"ttl"});
}

TEST_CASE("clickhouse: every statement pins the settings whose defaults changed since 18.16, and the cache of "
          "small reads") {
  const std::string& parameters = nf::ch::pinned_settings_parameters();
  CHECK(parameters == "output_format_json_quote_64bit_integers=1&input_format_skip_unknown_fields=0&"
                      "date_time_input_format=basic&use_uncompressed_cache=1&");
  std::set<std::string_view> names;
  for (const auto& [name, value] : nf::ch::kPinnedSettings) names.insert(name);
  CHECK(names.size() == std::size(nf::ch::kPinnedSettings));  // no setting twice
}

TEST_CASE("clickhouse: external tables travel as multipart/form-data parts named after the table") {
  const auto ids = nf::ch::id_table("ids", "id", std::vector<uint64_t>{3, 1, 18446744073709551615ULL});
  CHECK(ids.structure == "id UInt64");
  CHECK(ids.rows == "3\n1\n18446744073709551615\n");
  CHECK(nf::ch::id_table("none", "id", std::vector<uint64_t>{}).rows.empty());

  const auto [body, content_type] =
      nf::ch::external_tables_body({ids, {"weights", "author_id UInt64, n UInt64", "7\t2\n"}});
  const std::string boundary = content_type.substr(content_type.find("boundary=") + 9);
  CHECK_THAT(content_type, Catch::StartsWith("multipart/form-data; boundary="));
  CHECK_FALSE(boundary.empty());
  CHECK(body == "--" + boundary + "\r\n"
                "Content-Disposition: form-data; name=\"ids\"; filename=\"ids\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n"
                "3\n1\n18446744073709551615\n\r\n"
                "--" + boundary + "\r\n"
                "Content-Disposition: form-data; name=\"weights\"; filename=\"weights\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n"
                "7\t2\n\r\n"
                "--" + boundary + "--\r\n");
}
