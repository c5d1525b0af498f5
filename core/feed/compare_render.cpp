// `novafeed feed --compare`'s report, as aligned text and as JSON (the same facts).
#include <cstdio>

#include "core/feed/compare.hpp"
#include "core/feed/text_format.hpp"
#include "core/time/rfc3339.hpp"

namespace nf::feed {

namespace {

using text::format;
using text::source_label;

std::string describe_tau(const std::optional<double>& tau) { return tau ? format("%.3f", *tau) : "undefined"; }

// "post 12 (follow, 0.8123)"
std::string cell(const std::vector<FeedItem>& items, size_t index) {
  if (index >= items.size()) return format("%-36s", "-");
  const auto& item = items[index];
  return format("%20llu %-9s %6.4f", static_cast<unsigned long long>(item.post_id), source_label(item.source).c_str(),
                item.score.value_or(0.0));
}

std::string settings_text(const Comparison& c) {
  std::string out;
  for (const auto& o : c.overrides)
    out += "  " + o.key + " " + o.before + " (" + o.before_origin + ") -> " + o.after + "\n";
  return out + "  candidates " + c.candidates + "\n  " + c.trending + "\n";
}

std::string user_text(const Comparison& c, const UserComparison& u) {
  std::string out = "feed of user " + std::to_string(u.user_id) + " ranked fresh twice at " +
                    time::format_rfc3339(c.now_ms, false) + " (no cache read or written), top " +
                    std::to_string(c.depth) + ":\n" + settings_text(c);
  if (u.changes.none() && u.after.items.empty()) {
    out += "NO CHANGE: both feeds are empty\n";
  } else if (u.changes.none()) {
    out += "NO CHANGE: the same " + std::to_string(u.after.items.size()) +
           " posts at the same positions (scores may differ)\n";
  } else {
    out += format("CHANGED: %zu entered, %zu left, %zu moved, %zu unchanged; overlap %.3f, Kendall tau-b %s\n",
                  u.changes.entered.size(), u.changes.left.size(), u.changes.moved.size(), u.changes.unchanged,
                  u.overlap, describe_tau(u.tau).c_str());
  }
  const size_t rows = std::max(u.before.items.size(), u.after.items.size());
  if (rows == 0) return out;
  out += format("%4s  %-36s  %-36s  %s\n", "pos", "before: post, source, score", "after: post, source, score",
                "change (of the after post)");
  for (size_t i = 0; i < rows; ++i) {
    std::string change;
    if (i < u.after.items.size()) {
      change = "=";
      const auto post = u.after.items[i].post_id;
      for (const auto& m : u.changes.moved)
        if (m.post_id == post)
          change = format("%s %ld (was %zu)", m.places() > 0 ? "up" : "down", std::labs(m.places()), m.from);
      for (const auto& e : u.changes.entered)
        if (e.post_id == post) change = "entered";
    }
    out += format("%4zu  %s  %s  %s\n", i + 1, cell(u.before.items, i).c_str(), cell(u.after.items, i).c_str(),
                  change.c_str());
  }
  if (!u.changes.left.empty()) {
    out += "left the top " + std::to_string(c.depth) + ":";
    for (const auto& l : u.changes.left)
      out += format(" %llu (was %zu)", static_cast<unsigned long long>(l.post_id), l.position);
    out += "\n";
  }
  return out;
}

std::string sample_text(const Comparison& c, const SampleSummary& s) {
  std::string out = "compare over the " + std::to_string(s.active) + " most active users of the 24 h before " +
                    time::format_rfc3339(c.now_ms, false) + " (--sample " + std::to_string(s.asked) +
                    "), each ranked fresh twice, top " + std::to_string(c.depth) + ":\n" + settings_text(c);
  if (s.compared == 0) return out + "no user to compare (no events in the last 24 h, or every feed empty)\n";
  out += format("users compared        %zu (%zu with an empty feed on both sides left out)\n", s.compared,
                s.active - s.compared);
  out += format("top %-2zu changed        %zu of %zu users\n", c.depth, s.changed, s.compared);
  out += format("top %-2zu overlap        mean %.3f, min %.3f (share of the posts kept)\n", c.depth, s.mean_overlap,
                s.min_overlap);
  out += format("rank correlation      mean %s over %zu users: Kendall tau-b over the union of both top %zu, a post "
                "missing from one side tied just below its last\n",
                describe_tau(s.mean_tau).c_str(), s.tau_users, c.depth);
  out += format("source mix of the top %zu   before    after\n", c.depth);
  const auto mix_row = [&](const char* name, size_t before, size_t after) {
    out += format("  %-24s %6.1f %%  %6.1f %%\n", name, 100 * s.before.share(before), 100 * s.after.share(after));
  };
  mix_row("follow", s.before.follow, s.after.follow);
  mix_row("trending", s.before.trending, s.after.trending);
  mix_row("affinity", s.before.affinity, s.after.affinity);
  return out;
}

nlohmann::json items_json(const std::vector<FeedItem>& items) {
  auto out = nlohmann::json::array();
  for (size_t i = 0; i < items.size(); ++i)
    out.push_back({{"position", i + 1},
                   {"post_id", items[i].post_id},
                   {"author_id", items[i].author_id},
                   {"created_at", time::format_rfc3339(items[i].created_at_ms, false)},
                   {"score", items[i].score ? nlohmann::json(*items[i].score) : nlohmann::json(nullptr)},
                   {"source", ranking::source_name(items[i].source)}});
  return out;
}

nlohmann::json changes_json(const RankChanges& changes) {
  auto entered = nlohmann::json::array(), left = nlohmann::json::array(), moved = nlohmann::json::array();
  for (const auto& e : changes.entered) entered.push_back({{"post_id", e.post_id}, {"position", e.position}});
  for (const auto& l : changes.left) left.push_back({{"post_id", l.post_id}, {"position", l.position}});
  for (const auto& m : changes.moved)
    moved.push_back({{"post_id", m.post_id}, {"from", m.from}, {"to", m.to}, {"places_up", m.places()}});
  return {{"changed", !changes.none()},
          {"entered", std::move(entered)},
          {"left", std::move(left)},
          {"moved", std::move(moved)},
          {"unchanged", changes.unchanged}};
}

nlohmann::json mix_json(const SourceMix& mix) {
  return {{"follow", mix.share(mix.follow)},
          {"trending", mix.share(mix.trending)},
          {"affinity", mix.share(mix.affinity)},
          {"items", mix.total()}};
}

nlohmann::json tau_json(const std::optional<double>& tau) {
  return tau ? nlohmann::json(*tau) : nlohmann::json(nullptr);
}

}  // namespace

std::string render_compare_text(const Comparison& comparison) {
  if (comparison.sample) return sample_text(comparison, *comparison.sample);
  std::string out;
  for (const auto& user : comparison.users) out += user_text(comparison, user);
  return out;
}

nlohmann::json to_json(const Comparison& c) {
  auto overrides = nlohmann::json::array();
  for (const auto& o : c.overrides)
    overrides.push_back({{"key", o.key}, {"before", o.before}, {"before_origin", o.before_origin}, {"after", o.after}});
  nlohmann::json out = {{"now", time::format_rfc3339(c.now_ms, true)},
                        {"depth", c.depth},
                        {"overrides", std::move(overrides)},
                        {"candidates", c.candidates},
                        {"trending", c.trending},
                        {"rank_correlation", "kendall_tau_b over the union of both lists; a post missing from one "
                                             "side ranks just below its last, tied with the others missing"}};
  if (!c.sample) {
    const auto& u = c.users.at(0);
    out["user_id"] = u.user_id;
    out["before"] = items_json(u.before.items);
    out["after"] = items_json(u.after.items);
    out["changes"] = changes_json(u.changes);
    out["overlap"] = u.overlap;
    out["kendall_tau_b"] = tau_json(u.tau);
    return out;
  }
  const auto& s = *c.sample;
  auto users = nlohmann::json::array();
  for (const auto& u : c.users)
    users.push_back({{"user_id", u.user_id},
                     {"items_before", u.before.items.size()},
                     {"items_after", u.after.items.size()},
                     {"entered", u.changes.entered.size()},
                     {"left", u.changes.left.size()},
                     {"moved", u.changes.moved.size()},
                     {"overlap", u.overlap},
                     {"kendall_tau_b", tau_json(u.tau)}});
  out["sample"] = {{"asked", s.asked},
                   {"active_users", s.active},
                   {"compared", s.compared},
                   {"changed", s.changed},
                   {"mean_overlap", s.mean_overlap},
                   {"min_overlap", s.min_overlap},
                   {"mean_kendall_tau_b", tau_json(s.mean_tau)},
                   {"kendall_users", s.tau_users},
                   {"source_mix_before", mix_json(s.before)},
                   {"source_mix_after", mix_json(s.after)},
                   {"users", std::move(users)}};
  return out;
}

}  // namespace nf::feed
