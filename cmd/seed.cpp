#include "cmd/global_options.hpp"
#include "core/error/error.hpp"
#include "core/seed/report.hpp"
#include "core/seed/seed.hpp"

void register_seed(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("seed", "Load deterministic synthetic data at a chosen scale");
  auto request = std::make_shared<nf::seed::Request>();
  auto& sizes = request->sizes;
  with_choices(cmd->add_option("--scale", sizes.scale,
                               "preset sizes: spec (SPEC §6: 100k users, 5M follows, 300k posts, 10M events), "
                               "demo (default: 1000 users, 20k follows, 5k posts, 50k events), small (tests)"),
               nf::seed::scale_names());
  cmd->add_option("--users", sizes.users, "users, ids 1..N, usernames user<id>")->type_name("N");
  cmd->add_option("--follows-per-user", sizes.follows_per_user,
                  "average accounts each user follows (follows = users x M, power-law popularity)")
      ->type_name("M");
  cmd->add_option("--posts", sizes.posts, "posts, spread over the last --hours")->type_name("N");
  cmd->add_option("--hours", sizes.hours, "the window posts and events fall in (default 72)")->type_name("H");
  cmd->add_option("--likes", sizes.likes, "likes, unique per user and post (default 10 per post)")->type_name("N");
  cmd->add_option("--comments", sizes.comments, "comments (default 2 per post)")->type_name("N");
  cmd->add_option("--events", sizes.events, "events produced to kafka.events_topic (0: no Kafka needed)")
      ->type_name("N");
  cmd->add_option("--seed", request->seed, "random seed: the same seed, sizes and --now give the same data")
      ->type_name("S");
  cmd->add_option("--now", request->now,
                  "end of the window, epoch seconds or 2026-11-23T09:00:00Z (default: the start of this UTC hour)")
      ->type_name("TIME");
  cmd->add_flag("--truncate", request->truncate,
                "replace the world: empty users, follows, posts, likes and comments in PostgreSQL (TRUNCATE ... "
                "CASCADE), ClickHouse's data tables (not ingest_offsets) and novafeed's Redis keys first; without "
                "it seed refuses (exit 2) when the PostgreSQL tables hold rows");
  cmd->footer(
      "PostgreSQL rows are loaded with COPY, one transaction per table, then the identity sequences are moved\n"
      "past the seeded ids. Events go to the events topic (docs/events.md) with acks=all and the idempotent\n"
      "producer; seed exits 1 when any event is not acknowledged. Event ids are seed<S>-<n>. Progress per table\n"
      "is drawn on stderr when it is a terminal; the summary (rows, time, rows/s) goes to stdout.\n"
      "\nExamples:\n"
      "  novafeed seed                                   # demo scale into an empty database\n"
      "  novafeed seed --scale spec --truncate           # SPEC §6 sizes, replacing what is there\n"
      "  novafeed seed --scale small --seed 7 --events 0 # PostgreSQL only, no Kafka\n"
      "  novafeed seed --users 5000 --follows-per-user 80 --posts 20000 --hours 24 --truncate\n"
      "  novafeed --json seed --scale small --truncate --now 2026-11-23T09:00:00Z | jq '.postgres.tables'");
  cmd->callback([&global, request] {
    const auto config = global.load_config();
    const auto report = nf::seed::run(config, *request);
    print_result(global, nf::seed::report_text(report), nf::seed::report_json(report).dump(2));
    if (report.events_failed())
      throw nf::Error::after_report(nf::ExitCode::check_failed, nf::seed::events_failure_summary(report));
  });
}
