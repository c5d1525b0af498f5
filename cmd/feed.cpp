#include "cmd/global_options.hpp"
#include "core/feed/feed_command.hpp"
#include "core/time/clock.hpp"

void register_feed(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("feed", "Show a user's ranked feed; --explain says why each post is there");
  auto request = std::make_shared<nf::feed::FeedRequest>();
  cmd->add_option("--user", request->user_id, "user id")->type_name("ID")->required();
  cmd->add_option("--limit", request->limit, "number of posts (1..50, default 20)")->type_name("N");
  cmd->add_flag("--explain", request->explain,
                "recompute and show each post's source, features and score, and why other posts were dropped");
  cmd->add_flag("--no-cache", request->no_cache, "recompute instead of reading the cached feed (the cache is left as is)");
  cmd->footer(
      "Prints the page GET /api/v1/feed would serve that user: one line per post with its position, post and "
      "author ids, age in hours, source (follow, trending, affinity) and score. It reads the cached feed "
      "(feed:v1:{user} in Redis) like the API; --no-cache recomputes. When ClickHouse is unavailable it prints the "
      "PostgreSQL timeline (not ranked) and says so.\n"
      "\"Why is this in my feed?\": run with --explain. It always recomputes and shows the parameters, each source "
      "before and after filtering, every post's L/C/S/I, N, freshness, engagement, affinity and score, the posts "
      "author saturation moved down, and the dropped posts grouped by reason (seen, own_post, duplicate, "
      "below_top). --json prints the same facts as one document.\n"
      "Exit 0 on success (the timeline fallback included), 2 for a bad --user or --limit, 3 when ClickHouse AND "
      "PostgreSQL are both down.\n"
      "Example: novafeed feed --user 42 --explain | less -S");
  cmd->callback([&global, request] {
    const auto config = global.load_config();
    const auto now_ms = nf::time::now_ms();
    const auto output = nf::feed::run_feed_command(config, *request, now_ms);
    print_result(global, output.text, output.json);
  });
}
