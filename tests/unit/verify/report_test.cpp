#include <catch2/catch.hpp>

#include "core/verify/verify.hpp"

using namespace nf::verify;

TEST_CASE("the repair command is a targeted backfill of the drifted keys, or a full one") {
  CHECK(repair_command("posts", {12, 13}, true, 1000) == "novafeed backfill --table posts --ids 12,13");
  CHECK(repair_command("posts", {12, 13}, true, 1) == "novafeed backfill --table posts");
  CHECK(repair_command("follows", {}, false, 1000) == "novafeed backfill --table follows");
}

TEST_CASE("the text report names the table, the counts, the ids and the repair") {
  VerifyReport report;
  report.now_epoch_s = 1763890215;
  report.cutoff_epoch_s = 1763890185;
  TableVerdict ok;
  ok.table = "users";
  ok.pg_rows = ok.ch_rows = 1200;
  TableVerdict drift;
  drift.table = "posts";
  drift.pg_rows = 10;
  drift.ch_rows = 10;
  drift.mismatched_buckets = 2;
  drift.missing = 1;
  drift.missing_ids = {"12"};
  drift.different = 1;
  drift.different_ids = {{"13", {"caption", "updated_at"}}};
  drift.repair = "novafeed backfill --table posts --ids 12,13";
  report.tables = {ok, drift};
  CHECK_FALSE(report.consistent());
  const std::string text = render_text(report);
  CHECK(text.find("users     OK") != std::string::npos);
  CHECK(text.find("posts     DRIFT") != std::string::npos);
  CHECK(text.find("missing in ClickHouse (1): 12\n") != std::string::npos);
  CHECK(text.find("different (1): 13 (caption, updated_at)\n") != std::string::npos);
  CHECK(text.find("repair: novafeed backfill --table posts --ids 12,13\n") != std::string::npos);
  CHECK(text.find("result: DRIFT in 1 of 2 tables") != std::string::npos);
  const auto json = render_json(report);
  CHECK(json["consistent"] == false);
  CHECK(json["tables"][1]["missing_in_clickhouse"]["ids"][0] == "12");
  CHECK(json["tables"][1]["repair"] == "novafeed backfill --table posts --ids 12,13");
  CHECK(json["tables"][0]["repair"].is_null());
}

TEST_CASE("the text report shows a sample of ids, JSON carries them all (up to max_ids)") {
  VerifyReport report;
  TableVerdict t;
  t.table = "users";
  t.pg_rows = 30;
  t.mismatched_buckets = 30;
  t.missing = 30;
  for (int i = 1; i <= 30; ++i) t.missing_ids.push_back(std::to_string(i));
  t.repair = "novafeed backfill --table users --ids 1,2";
  report.tables = {t};
  const std::string text = render_text(report);
  CHECK(text.find("missing in ClickHouse (30): 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 … "
                  "(10 more; --json lists up to verify.max_ids)\n") != std::string::npos);
  CHECK(render_json(report)["tables"][0]["missing_in_clickhouse"]["ids"].size() == 30);
}
