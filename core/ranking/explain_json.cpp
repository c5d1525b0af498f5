// The ranking's decisions as JSON, for `novafeed feed --explain --json` and the tests.
#include "core/ranking/ranking.hpp"

namespace nf::ranking {

namespace {

nlohmann::json post_json(const Post& post, Source source) {
  return {{"post_id", post.id},
          {"author_id", post.author_id},
          {"created_at_ms", post.created_at_ms},
          {"source", source_name(source)}};
}

}  // namespace

nlohmann::json to_json(const Features& features) {
  return {{"likes", features.counts.likes},
          {"comments", features.counts.comments},
          {"shares", features.counts.shares},
          {"impressions", features.counts.impressions},
          {"author_interactions", features.author_interactions},
          {"freshness", features.freshness},
          {"engagement", features.engagement},
          {"affinity", features.affinity},
          {"score", features.score}};
}

nlohmann::json to_json(const RankedPost& post) {
  auto json = post_json(post.post, post.source);
  json["rank"] = post.rank;
  json["deferred"] = post.deferred;
  json["features"] = to_json(post.features);
  return json;
}

nlohmann::json to_json(const DroppedPost& post) {
  auto json = post_json(post.post, post.source);
  json["reason"] = drop_reason_name(post.reason);
  if (post.kept_by) json["kept_by"] = source_name(*post.kept_by);
  if (post.features) json["features"] = to_json(*post.features);
  return json;
}

nlohmann::json to_json(const RankResult& result) {
  auto feed = nlohmann::json::array();
  for (const auto& post : result.feed) feed.push_back(to_json(post));
  auto dropped = nlohmann::json::array();
  for (const auto& post : result.dropped) dropped.push_back(to_json(post));
  return {{"feed", std::move(feed)}, {"dropped", std::move(dropped)}};
}

}  // namespace nf::ranking
