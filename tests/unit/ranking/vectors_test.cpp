// Runs every ranking vector under tests/data/ranking/ (see its README.md): SPEC §3 worked
// by hand, one JSON file per case.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/ranking/ranking.hpp"
#include "tests/support/run.hpp"

namespace {

using Json = nlohmann::json;
namespace rk = nf::ranking;

std::vector<std::string> vector_files() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(nf::test::source_dir() + "/tests/data/ranking"))
    if (entry.path().extension() == ".json") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

rk::Params params_of(const Json& test_case) {
  rk::Params params;
  const Json overrides = test_case.value("params", Json::object());
  for (const auto& [key, value] : overrides.items()) {
    if (key == "weight_freshness") params.weight_freshness = value.get<double>();
    else if (key == "weight_engagement") params.weight_engagement = value.get<double>();
    else if (key == "weight_affinity") params.weight_affinity = value.get<double>();
    else if (key == "trend_weight_engagement") params.trend_weight_engagement = value.get<double>();
    else if (key == "trend_weight_freshness") params.trend_weight_freshness = value.get<double>();
    else if (key == "decay_per_hour") params.decay_per_hour = value.get<double>();
    else if (key == "feed_size") params.feed_size = value.get<size_t>();
    else if (key == "saturation_head") params.saturation_head = value.get<size_t>();
    else if (key == "saturation_gap") params.saturation_gap = value.get<size_t>();
    else FAIL("unknown params key " << key);
  }
  return params;
}

std::vector<rk::Post> posts_of(const Json& list) {
  std::vector<rk::Post> posts;
  for (const auto& item : list)
    posts.push_back({item.at("id").get<uint64_t>(), item.at("author_id").get<uint64_t>(),
                     item.at("created_at_ms").get<int64_t>()});
  return posts;
}

std::unordered_map<uint64_t, rk::Engagement> engagement_of(const Json& map) {
  std::unordered_map<uint64_t, rk::Engagement> counts;
  for (const auto& [id, value] : map.items())
    counts[std::stoull(id)] = {value.value("likes", uint64_t{0}), value.value("comments", uint64_t{0}),
                               value.value("shares", uint64_t{0}), value.value("impressions", uint64_t{0})};
  return counts;
}

rk::RankInput rank_input_of(const Json& input) {
  rk::RankInput result;
  result.user_id = input.at("user_id").get<uint64_t>();
  result.now_ms = input.at("now_ms").get<int64_t>();
  result.sources.follow = posts_of(input.at("follow"));
  result.sources.trending = posts_of(input.at("trending"));
  result.sources.affinity = posts_of(input.at("affinity"));
  for (const auto& id : input.at("seen")) result.seen.insert(id.get<uint64_t>());
  result.engagement = engagement_of(input.at("engagement"));
  for (const auto& [author, n] : input.at("author_interactions").items())
    result.author_interactions[std::stoull(author)] = n.get<uint64_t>();
  return result;
}

// Each feature the vector names must match; the ones it leaves out are not checked.
void check_features(const Json& expected, const rk::Features& got) {
  const std::pair<const char*, double> fields[] = {
      {"freshness", got.freshness}, {"engagement", got.engagement}, {"affinity", got.affinity}, {"score", got.score}};
  for (const auto& [name, value] : fields)
    if (expected.contains(name)) {
      INFO(name);
      CHECK(value == Approx(expected[name].get<double>()).epsilon(1e-9));
    }
}

void run_rank_feed(const Json& test_case) {
  const auto result = rk::rank_feed(params_of(test_case), rank_input_of(test_case.at("input")));
  INFO("got " << rk::to_json(result).dump());
  const auto& feed = test_case.at("expect").at("feed");
  REQUIRE(result.feed.size() == feed.size());
  for (size_t i = 0; i < feed.size(); ++i) {
    INFO("feed position " << i);
    const auto& want = feed[i];
    const auto& got = result.feed[i];
    CHECK(got.post.id == want.at("post_id").get<uint64_t>());
    if (want.contains("source")) CHECK(rk::source_name(got.source) == want["source"].get<std::string>());
    if (want.contains("rank")) CHECK(got.rank == want["rank"].get<size_t>());
    if (want.contains("deferred")) CHECK(got.deferred == want["deferred"].get<bool>());
    check_features(want, got.features);
  }
  const auto& dropped = test_case.at("expect").at("dropped");
  REQUIRE(result.dropped.size() == dropped.size());
  for (size_t i = 0; i < dropped.size(); ++i) {
    INFO("dropped entry " << i);
    const auto& want = dropped[i];
    const auto& got = result.dropped[i];
    CHECK(got.post.id == want.at("post_id").get<uint64_t>());
    CHECK(rk::source_name(got.source) == want.at("source").get<std::string>());
    CHECK(rk::drop_reason_name(got.reason) == want.at("reason").get<std::string>());
    if (want.contains("kept_by")) {
      REQUIRE(got.kept_by.has_value());
      CHECK(rk::source_name(*got.kept_by) == want["kept_by"].get<std::string>());
    } else {
      CHECK_FALSE(got.kept_by.has_value());
    }
    // below_top drops carry what they scored; the others were never scored.
    CHECK(got.features.has_value() == (got.reason == rk::DropReason::below_top));
    if (got.features) check_features(want, *got.features);
  }
}

void run_saturation(const Json& test_case) {
  std::vector<rk::RankedPost> ranked;
  for (const auto& pair : test_case.at("input").at("posts")) {
    rk::RankedPost post;
    post.post.id = pair.at(0).get<uint64_t>();
    post.post.author_id = pair.at(1).get<uint64_t>();
    ranked.push_back(post);
  }
  const auto placed = rk::apply_author_saturation(params_of(test_case), ranked);
  std::vector<uint64_t> order, deferred;
  for (const auto& post : placed) {
    order.push_back(post.post.id);
    if (post.deferred) deferred.push_back(post.post.id);
  }
  std::sort(deferred.begin(), deferred.end());
  CHECK(order == test_case.at("expect").at("order").get<std::vector<uint64_t>>());
  CHECK(deferred == test_case.at("expect").at("deferred").get<std::vector<uint64_t>>());
  // rank is the place in the input (score) order, whatever saturation did.
  for (const auto& post : placed) CHECK(ranked.at(post.rank).post.id == post.post.id);
}

void run_trending(const Json& test_case) {
  const auto& input = test_case.at("input");
  const auto items = rk::trending(params_of(test_case), input.at("now_ms").get<int64_t>(), posts_of(input.at("posts")),
                                  engagement_of(input.at("engagement")), test_case.at("limit").get<size_t>());
  const auto& expected = test_case.at("expect").at("items");
  REQUIRE(items.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("item " << i);
    CHECK(items[i].post.id == expected[i].at("post_id").get<uint64_t>());
    if (expected[i].contains("trend")) CHECK(items[i].trend == Approx(expected[i]["trend"].get<double>()).epsilon(1e-9));
    check_features(expected[i], items[i].features);
  }
}

}  // namespace

TEST_CASE("ranking: the hand-worked vectors in tests/data/ranking hold", "[ranking]") {
  const auto files = vector_files();
  REQUIRE(files.size() >= 14);
  for (const auto& name : files) {
    DYNAMIC_SECTION(name) {
      const Json test_case = Json::parse(nf::test::read_data_file("ranking/" + name));
      REQUIRE(test_case.contains("arithmetic"));  // every vector shows its hand work
      const auto kind = test_case.at("kind").get<std::string>();
      if (kind == "rank_feed") run_rank_feed(test_case);
      else if (kind == "saturation") run_saturation(test_case);
      else if (kind == "trending") run_trending(test_case);
      else FAIL("unknown kind " << kind);
    }
  }
}
