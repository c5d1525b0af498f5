#include "cmd/global_options.hpp"
#include "core/feed/feed_command.hpp"
#include "core/time/clock.hpp"

void register_feed(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("feed", "Show a user's ranked feed; --explain says why each post is there");
  auto request = std::make_shared<nf::feed::FeedRequest>();
  cmd->add_option("--user", request->user_id, "user id (required, except with --sample)")->type_name("ID");
  cmd->add_option("--limit", request->limit, "number of posts (1..50, default 20); with --compare, the positions compared")
      ->type_name("N");
  cmd->add_flag("--explain", request->explain,
                "recompute and show each post's source, features and score, and why other posts were dropped");
  cmd->add_flag("--no-cache", request->no_cache, "recompute instead of reading the cached feed (the cache is left as is)");
  cmd->add_option("--compare", request->compare,
                  "rank fresh under the current settings and under these ranking.* changes, side by side, e.g. "
                  "--compare ranking.weight_engagement=0.5 (repeatable)")
      ->type_name("KEY=VALUE");
  cmd->add_option("--sample", request->sample,
                  "with --compare, instead of --user: summarise the change over the N most active users of the last "
                  "24 h (overlap, rank correlation, source mix)")
      ->type_name("N");
  cmd->footer(
      "Prints the page GET /api/v1/feed would serve that user: one line per post with its position, post and "
      "author ids, age in hours, source (follow, trending, affinity) and score. It reads the cached feed "
      "(feed:v1:{user} in Redis) like the API; --no-cache recomputes. When ClickHouse is unavailable it prints the "
      "PostgreSQL timeline (not ranked) and says so.\n"
      "Canary: the first line says which side of feed.ranked_percent the user is on (splitmix64(user id) % 100 "
      "below the percent: ranked; else the PostgreSQL timeline, as the API serves them); --json has it as "
      "\"canary\". See docs/canary.md.\n"
      "\"Why is this in my feed?\": run with --explain. It always recomputes and shows the parameters, each source "
      "before and after filtering, every post's L/C/S/I, N, freshness, engagement, affinity and score, the posts "
      "author saturation moved down, and the dropped posts grouped by reason (seen, own_post, duplicate, "
      "below_top). --json prints the same facts as one document.\n"
      "\"What would this weight change do?\": --compare KEY=VALUE (ranking.* keys: weights, decay, windows) ranks "
      "the feed fresh twice at the same moment, under the settings in force and with the changes, never reading or "
      "writing the cache, and shows each position under both, which posts entered, left or moved and by how "
      "many places (the top --limit). With --sample N instead of --user it summarises over the N most active "
      "users of the last 24 h (most active first): the mean overlap of the top --limit, the mean Kendall tau-b over "
      "the union of both lists (a post missing from one side ranks just below its end) and the source mix before and "
      "after. With the settings in force "
      "given as the changes, it shows no change.\n"
      "Exit 0 on success (the timeline fallback included), 2 for a bad --user, --limit, --compare or "
      "feed.ranked_percent, 3 when ClickHouse AND PostgreSQL are both down (--compare: when ClickHouse is).\n"
      "Examples: novafeed feed --user 42 --explain | less -S\n"
      "          novafeed feed --user 42 --compare ranking.weight_engagement=0.5\n"
      "          novafeed --json feed --sample 200 --compare ranking.decay_per_hour=0.05 | jq .sample");
  cmd->callback([&global, request] {
    const auto config = global.load_config();
    const auto now_ms = nf::time::now_ms();
    const auto output = nf::feed::run_feed_command(config, *request, now_ms);
    print_result(global, output.text, output.json);
  });
}
