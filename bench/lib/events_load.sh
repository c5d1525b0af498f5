# shellcheck shell=bash
# The events load of bench/serve (figure 3) and bench/latency: POST /api/v1/events with
# bench/serve.d/events.lua, as bench-only users on bench-only posts, so the load changes
# nobody's feed. Sourced after common.sh (uses PG, CH, say, die, NOVAFEED).
#
# The load posts as users EVENTS_USER_BASE+1.. (no such users: their "seen" and affinity
# concern nobody) on EVENTS_POSTS posts EVENTS_USER_BASE+1.. by user EVENTS_USER_BASE,
# created 30 days ago: older than every candidate window (72 h, 7 d), so the millions of
# events a run adds to their counts never reach a ranking query.
EVENTS_USER_BASE=900000000
EVENTS_POSTS=100
EVENTS_USERS=16
EVENTS_BATCH=100

# The load writes millions of "view" events of the bench-only users; they would stay in
# ClickHouse (events, user_seen, the counters) and only cost storage and merges. Removed
# before a run (leftovers of an earlier one) and after it.
events_load_purge() {
  local users="> $EVENTS_USER_BASE AND user_id <= $((EVENTS_USER_BASE + EVENTS_USERS))"
  local posts="> $EVENTS_USER_BASE AND post_id <= $((EVENTS_USER_BASE + EVENTS_POSTS))"
  CH "ALTER TABLE events DELETE WHERE user_id $users"
  CH "ALTER TABLE user_author_90d DELETE WHERE user_id $users"
  CH "ALTER TABLE post_metrics_1h DELETE WHERE post_id $posts"
  # Tables of later migrations, when the stack has them.
  if [ "$(CH "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'user_seen'")" = 1 ]; then
    CH "ALTER TABLE user_seen DELETE WHERE user_id $users"
  fi
  if [ "$(CH "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'post_metrics_1d'")" = 1 ]; then
    CH "ALTER TABLE post_metrics_1d DELETE WHERE post_id $posts"
  fi
  if [ "$(CH "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'post_counts'")" = 1 ]; then
    CH "ALTER TABLE post_counts DELETE WHERE post_id $posts"
    CH "ALTER TABLE event_keys DELETE WHERE post_id $posts"
    CH "ALTER TABLE user_author_counts DELETE WHERE user_id $users"
  fi
  # Their dedup marks too: a run must not start with the millions of ids earlier runs left
  # in these users' sets (two hours' worth), which makes every lookup a cache miss.
  local user
  for user in $(seq $((EVENTS_USER_BASE + 1)) $((EVENTS_USER_BASE + EVENTS_USERS))); do
    redis-cli -u "$NOVAFEED_REDIS_URL" --scan --pattern "dedup:events:{$user}:*"
  done | xargs -r -n 20 redis-cli -u "$NOVAFEED_REDIS_URL" UNLINK >/dev/null
  local deadline=$(($(date +%s) + 300))
  until [ "$(CH "SELECT count() FROM system.mutations WHERE database = '$NOVAFEED_CLICKHOUSE_DATABASE' AND is_done = 0")" = 0 ]; do
    (($(date +%s) < deadline)) || die "ClickHouse did not finish deleting the bench events within 300 s"
    sleep 1
  done
}

# The bench-only author and posts in PostgreSQL (CDC brings them to ClickHouse: ingest
# resolves each event's author there), then no leftovers of an earlier run.
events_load_prepare() {
  PG -c "INSERT INTO users (id, username) VALUES ($EVENTS_USER_BASE, 'bench_serve') ON CONFLICT DO NOTHING" \
    -c "INSERT INTO posts (id, author_id, caption, created_at, updated_at)
        SELECT $EVENTS_USER_BASE + p, $EVENTS_USER_BASE, 'bench/serve events target', now() - interval '30 days', now()
        FROM generate_series(1, $EVENTS_POSTS) p ON CONFLICT DO NOTHING"
  say "removing bench events left in ClickHouse by earlier runs"
  events_load_purge
}

# events_load_files WORK: the post ids, users and their tokens events.lua reads.
events_load_files() {
  seq $((EVENTS_USER_BASE + 1)) $((EVENTS_USER_BASE + EVENTS_POSTS)) >"$1/posts"
  seq $((EVENTS_USER_BASE + 1)) $((EVENTS_USER_BASE + EVENTS_USERS)) >"$1/event_users"
  xargs -I{} "$NOVAFEED" token --user {} <"$1/event_users" >"$1/event_tokens"
}
