#include "core/feed/explanation.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/feed/text_format.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::feed {

namespace {

constexpr size_t kDroppedShown = 10;  // per reason, in text; JSON has them all

using text::format;
using text::source_label;

std::string describe_source_counts(const std::vector<SourceCount>& sources) {
  std::string out;
  for (const auto& s : sources)
    out += format("  %-9s %4zu fetched  %4zu after own/seen/duplicate removal  %3zu in feed\n",
                  source_label(s.source).c_str(), s.fetched, s.kept, s.in_feed);
  return out;
}

std::string describe_timings(const std::vector<StageTiming>& timings) {
  std::string out = "timings:";
  double total = 0;
  for (const auto& t : timings) {
    out += format("  %s %.1f ms;", t.stage.c_str(), t.ms);
    total += t.ms;
  }
  return out + format("  total %.1f ms\n", total);
}

std::string describe_params(const ranking::Params& p) {
  return format(
      "params: score = %.2f*freshness + %.2f*engagement + %.2f*affinity; freshness = exp(-%.2f*age_h); windows: "
      "follow %lldh, trending %lldh, affinity %lldh, seen %lldh, N over %lld days\n",
      p.weight_freshness, p.weight_engagement, p.weight_affinity, p.decay_per_hour,
      static_cast<long long>(p.follow_window_h), static_cast<long long>(p.trending_window_h),
      static_cast<long long>(p.affinity_window_h), static_cast<long long>(p.seen_window_h),
      static_cast<long long>(p.affinity_days));
}

std::string render_ranked(const Explanation& e) {
  std::string out = format("%5s %5s %20s %20s %-9s %7s %5s %5s %5s %6s %5s %6s %6s %6s %7s\n", "pos", "rank", "post",
                           "author", "source", "age_h", "L", "C", "S", "I", "N", "fresh", "engage", "affin", "score");
  size_t position = 0;
  for (const auto& post : e.result.feed) {
    const auto& f = post.features;
    // '*': author saturation placed it later than its score rank.
    out += format("%5zu %4zu%c %20llu %20llu %-9s %7.2f %5llu %5llu %5llu %6llu %5llu %6.3f %6.3f %6.3f %7.4f\n",
                  ++position, post.rank + 1, post.deferred ? '*' : ' ', static_cast<unsigned long long>(post.post.id),
                  static_cast<unsigned long long>(post.post.author_id), source_label(post.source).c_str(),
                  ranking::age_hours(e.now_ms, post.post.created_at_ms),
                  static_cast<unsigned long long>(f.counts.likes), static_cast<unsigned long long>(f.counts.comments),
                  static_cast<unsigned long long>(f.counts.shares),
                  static_cast<unsigned long long>(f.counts.impressions),
                  static_cast<unsigned long long>(f.author_interactions), f.freshness, f.engagement, f.affinity,
                  f.score);
  }
  if (e.result.feed.empty()) out += "  (empty: no candidate survived; see below)\n";
  if (std::any_of(e.result.feed.begin(), e.result.feed.end(), [](const auto& p) { return p.deferred; }))
    out += "  * placed after its rank by author saturation (one post per author in the first 5, 3 apart after)\n";

  // Why dropped, grouped by reason.
  std::map<ranking::DropReason, std::vector<const ranking::DroppedPost*>> by_reason;
  for (const auto& dropped : e.result.dropped) by_reason[dropped.reason].push_back(&dropped);
  out += "\nwhy dropped:\n";
  if (by_reason.empty()) out += "  nothing was dropped\n";
  static const std::map<ranking::DropReason, const char*> kWhy = {
      {ranking::DropReason::seen, "u had an event on it in the seen window"},
      {ranking::DropReason::own_post, "written by u"},
      {ranking::DropReason::duplicate, "also found by a source of higher priority"},
      {ranking::DropReason::below_top, "scored below the best feed_size"},
  };
  for (const auto& [reason, posts] : by_reason) {
    out += format("  %s (%zu): %s\n", std::string(ranking::drop_reason_name(reason)).c_str(), posts.size(),
                  kWhy.at(reason));
    for (size_t i = 0; i < posts.size() && i < kDroppedShown; ++i) {
      const auto& d = *posts[i];
      std::string line = format("    post %llu by %llu from %s", static_cast<unsigned long long>(d.post.id),
                                static_cast<unsigned long long>(d.post.author_id), source_label(d.source).c_str());
      if (d.kept_by) line += ", kept by " + source_label(*d.kept_by);
      if (d.features) line += format(", score %.4f", d.features->score);
      out += line + "\n";
    }
    if (posts.size() > kDroppedShown) out += format("    ... and %zu more\n", posts.size() - kDroppedShown);
  }
  return out;
}

std::string render_timeline(const Explanation& e) {
  std::string out = format("%5s %20s %20s %-9s %7s\n", "pos", "post", "author", "source", "age_h");
  size_t position = 0;
  for (const auto& item : e.timeline)
    out += format("%5zu %20llu %20llu %-9s %7.2f\n", ++position, static_cast<unsigned long long>(item.post_id),
                  static_cast<unsigned long long>(item.author_id), source_label(item.source).c_str(),
                  ranking::age_hours(e.now_ms, item.created_at_ms));
  if (e.timeline.empty()) out += "  (empty: u follows nobody with live posts)\n";
  return out;
}

}  // namespace

std::vector<SourceCount> count_sources(const ranking::RankInput& input, const ranking::RankResult& result) {
  std::vector<SourceCount> counts = {{ranking::Source::follow, input.sources.follow.size(), 0, 0},
                                     {ranking::Source::trending, input.sources.trending.size(), 0, 0},
                                     {ranking::Source::affinity, input.sources.affinity.size(), 0, 0}};
  auto of = [&counts](ranking::Source source) -> SourceCount& {
    return counts[static_cast<size_t>(source) - 1];
  };
  for (auto& c : counts) c.kept = c.fetched;
  for (const auto& d : result.dropped)
    if (d.reason != ranking::DropReason::below_top) --of(d.source).kept;
  for (const auto& post : result.feed) ++of(post.source).in_feed;
  return counts;
}

nlohmann::json to_json(const Explanation& e) {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : e.sources)
    sources.push_back(
        {{"source", ranking::source_name(s.source)}, {"fetched", s.fetched}, {"kept", s.kept}, {"in_feed", s.in_feed}});
  nlohmann::json timings = nlohmann::json::array();
  for (const auto& t : e.timings) timings.push_back({{"stage", t.stage}, {"ms", t.ms}});
  const auto& p = e.params;
  nlohmann::json json = {
      {"user_id", e.user_id},
      {"now", time::format_rfc3339(e.now_ms, true)},
      {"algo", e.algo},
      {"fallback_why", e.fallback_why ? nlohmann::json(*e.fallback_why) : nlohmann::json(nullptr)},
      {"params",
       {{"weight_freshness", p.weight_freshness},
        {"weight_engagement", p.weight_engagement},
        {"weight_affinity", p.weight_affinity},
        {"decay_per_hour", p.decay_per_hour},
        {"follow_window_h", p.follow_window_h},
        {"trending_window_h", p.trending_window_h},
        {"affinity_window_h", p.affinity_window_h},
        {"affinity_days", p.affinity_days},
        {"seen_window_h", p.seen_window_h},
        {"feed_size", p.feed_size}}},
      {"sources", std::move(sources)},
      {"timings", std::move(timings)},
  };
  if (e.algo == "ranked") {
    json["trending"] = {{"from_cache", e.trending_from_cache},
                        {"computed_at", time::format_rfc3339(e.trending_computed_at_ms, true)}};
    nlohmann::json feed = nlohmann::json::array();
    size_t position = 0;
    for (const auto& post : e.result.feed) {
      auto item = ranking::to_json(post);
      item["position"] = ++position;
      item["age_hours"] = ranking::age_hours(e.now_ms, post.post.created_at_ms);
      feed.push_back(std::move(item));
    }
    nlohmann::json dropped = nlohmann::json::object();
    for (const auto& d : e.result.dropped) {
      const std::string reason(ranking::drop_reason_name(d.reason));
      if (!dropped.contains(reason)) dropped[reason] = nlohmann::json::array();
      dropped[reason].push_back(ranking::to_json(d));
    }
    json["feed"] = std::move(feed);
    json["dropped"] = std::move(dropped);
  } else {
    FeedPage page;
    page.items = e.timeline;
    json["feed"] = to_json(page)["items"];
    json["dropped"] = nlohmann::json::object();
  }
  return json;
}

std::string render_explain_text(const Explanation& e) {
  std::string out = format("feed of user %llu at %s: ", static_cast<unsigned long long>(e.user_id),
                           time::format_rfc3339(e.now_ms, true).c_str());
  if (e.algo != "ranked") {
    out += "TIMELINE (not ranked): ClickHouse is unavailable";
    if (e.fallback_why) out += " (" + *e.fallback_why + ")";
    out += format(".\nShowing the PostgreSQL timeline: the newest %zu live posts by the authors u follows.\n\n",
                  e.timeline.size());
    return out + render_timeline(e) + "\n" + describe_timings(e.timings);
  }
  out += format("ranked, %zu posts\n", e.result.feed.size());
  out += describe_params(e.params);
  out += "sources (trending: " +
         std::string(e.trending_from_cache ? "the Redis hot-posts list of" : "computed live at") + " " +
         time::format_rfc3339(e.trending_computed_at_ms, false) + "):\n";
  out += describe_source_counts(e.sources);
  out += describe_timings(e.timings) + "\n";
  return out + render_ranked(e);
}

}  // namespace nf::feed
