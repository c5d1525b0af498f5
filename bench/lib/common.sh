# shellcheck shell=bash disable=SC2034
# (the variables set here are for the sourcing script)
# Shared by the bench/ scripts (sourced): tools, the stack and the binary, and the data a
# benchmark measures. Each function says what it needs; none stops the shared stack.
# Needs: BENCH_NAME (for messages), ROOT (the project root).

say() { echo "$BENCH_NAME: $*" >&2; }
die() { echo "$BENCH_NAME: error: $*" >&2; exit 1; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# bc with a leading zero (".5" is not JSON): calc EXPR [DECIMALS]
calc() { echo "scale=6; $1" | bc | awk -v d="${2:-3}" '{printf "%.*f\n", d, $1}'; }

# bench_tools PACKAGE:COMMAND...: installs the Debian packages whose command is missing
# (dpkg first, apt-get only for what is missing, like scripts/deps).
bench_tools() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair#*:}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair#*:}" ] && continue
    dpkg-query -W -f='${Status}' "${pair%%:*}" 2>/dev/null | grep -q "install ok installed" || missing+=("${pair%%:*}")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# bench_stack_and_binary BUILD_DIR: the local stack up, its endpoints exported, and
# NOVAFEED set to NOVAFEED_BIN or a Release build in BUILD_DIR; the schema applied and the
# connector RUNNING.
bench_stack_and_binary() {
  "$ROOT/scripts/stack" up >&2
  set -a
  # shellcheck disable=SC1091
  . "${NOVAFEED_STACK_DIR:-$ROOT/.stack}/env"
  set +a
  if [ -n "${NOVAFEED_BIN:-}" ]; then
    NOVAFEED=$NOVAFEED_BIN
  else
    say "building novafeed (Release) in $1"
    cmake -S "$ROOT" -B "$ROOT/$1" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C "$ROOT/$1" -j2 novafeed >&2
    NOVAFEED=$ROOT/$1/novafeed
  fi
  [ -x "$NOVAFEED" ] || die "$NOVAFEED is not an executable novafeed (set NOVAFEED_BIN or --build)"
  say "schema apply, connectors apply --wait"
  "$NOVAFEED" schema apply >&2
  "$NOVAFEED" connectors apply --wait >&2
}

PG() { psql -X -q -At -v ON_ERROR_STOP=1 "$NOVAFEED_POSTGRES_URL" "$@"; }
CH() { curl -sS --fail-with-body "$NOVAFEED_CLICKHOUSE_URL/?database=$NOVAFEED_CLICKHOUSE_DATABASE" --data-binary "$1"; }

# bench_seed_if_needed SCALE RESEED WORK: seeds `novafeed seed --scale SCALE --truncate
# --seed 1` when the stack has fewer users than the scale (the integration tests of a
# shared stack truncate and seed smaller data) or RESEED is 1; then copies PostgreSQL to
# ClickHouse with backfill (seconds even at spec scale; CDC replays the same versions
# afterwards, which ReplacingMergeTree keeps once). Sets SEED_EVENTS (0: not seeded now).
bench_seed_if_needed() {
  local scale=$1 reseed=$2 work=$3 users seed_users
  SEED_STARTED=
  users=$(PG -c "SELECT count(*) FROM users")
  seed_users=$([ "$scale" = spec ] && echo 100000 || echo 1000)
  SEED_EVENTS=0
  if ((users < seed_users || reseed)); then
    ((reseed)) && say "--reseed: replacing the data of this stack with a $scale-scale seed"
    say "seeding at $scale scale (novafeed seed --scale $scale --truncate --seed 1)"
    SEED_STARTED=$(date +%s)
    "$NOVAFEED" --json seed --scale "$scale" --truncate --seed 1 >"$work/seed.json"
    SEED_EVENTS=$(jq -r '.events.delivered // 0' "$work/seed.json")
  else
    say "reusing the data present ($users users; --reseed replaces it)"
  fi
  say "novafeed backfill --table all (ClickHouse from PostgreSQL)"
  "$NOVAFEED" backfill --table all >"$work/backfill.txt" 2>&1 || { cat "$work/backfill.txt" >&2; die "backfill failed"; }
}

# bench_wait_backlog SCALE: waits until the whole backlog is in ClickHouse, so nothing is
# measured while the ingest still drains (and invalidates feeds for) the seed: first
# Debezium has confirmed the WAL written up to now (the seed's millions of CDC messages are
# on Kafka), then the ingest group has read every partition of the events and cdc topics
# to its end. Sets BACKLOG_S (seconds waited) and, after a seed made now, SEED_INGEST_S
# (seed start to all of it in ClickHouse).
bench_wait_backlog() {
  local timeout=${SETUP_TIMEOUT:-$([ "$1" = spec ] && echo 3600 || echo 900)} started deadline lsn lag last=-1
  local group=${NOVAFEED_INGEST_GROUP:-novafeed-ingest} brokers=${NOVAFEED_KAFKA_BROKERS:-127.0.0.1:19092}
  started=$(date +%s)
  deadline=$((started + timeout))
  lsn=$(PG -c "SELECT pg_current_wal_lsn()")
  say "waiting for Debezium to confirm the WAL up to $lsn (up to $timeout s)"
  until [ "$(PG -c "SELECT coalesce(bool_and(confirmed_flush_lsn >= '$lsn'), false) FROM pg_replication_slots
                     WHERE slot_type = 'logical' AND database = current_database()")" = t ]; do
    (($(date +%s) < deadline)) || die "Debezium has not confirmed WAL $lsn within $timeout s (novafeed connectors status)"
    sleep 2
  done
  local partitions
  partitions=$(kcat -b "$brokers" -L -J 2>/dev/null |
    jq -r '.topics[] | select(.topic == "events" or (.topic | startswith("cdc.")) and .topic != "cdc.dlq")
           | .topic as $t | .partitions[] | "\($t):\(.partition):-1"')
  [ -n "$partitions" ] || die "no events or cdc.* topics on Kafka at $brokers"
  say "waiting for ingest group $group to reach the end of $(wc -l <<<"$partitions") partitions"
  while :; do
    # shellcheck disable=SC2046  # one -t per partition
    lag=$( {
      kcat -b "$brokers" -Q $(sed 's/^/-t /' <<<"$partitions") 2>/dev/null |
        awk '{ gsub(/[\[\]]/, "", $2); print "end", $1, $2, $4 }'
      CH "SELECT 'done', topic, partition, max(next_offset) FROM ingest_offsets
          WHERE consumer_group = '$group' GROUP BY topic, partition FORMAT TSV" | tr '\t' ' '
    } | awk '$1 == "end" { end[$2 " " $3] = $4 } $1 == "done" { done[$2 " " $3] = $4 }
             END { lag = 0; for (k in end) if (end[k] > done[k]) lag += end[k] - done[k]; print lag }')
    ((lag == 0)) && break
    (($(date +%s) < deadline)) || die "the ingest is still $lag messages behind after $timeout s"
    ((lag != last)) && say "  $lag messages to ingest"
    last=$lag
    sleep 3
  done
  BACKLOG_S=$(($(date +%s) - started))
  [ -n "${SEED_STARTED:-}" ] && SEED_INGEST_S=$(($(date +%s) - SEED_STARTED))
  say "backlog drained in $BACKLOG_S s${SEED_INGEST_S:+ (seed + ingest: $SEED_INGEST_S s)}"
}

# bench_data_sizes: D_USERS D_FOLLOWS D_POSTS72 D_EVENTS and DATA_SCALE (spec, demo or
# custom: named by what is there, whatever --scale said).
bench_data_sizes() {
  read -r D_USERS D_FOLLOWS D_POSTS72 < <(PG -F ' ' -c "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM follows),
    (SELECT count(*) FROM posts WHERE deleted_at IS NULL AND created_at > now() - interval '72 hours')")
  D_EVENTS=$(CH "SELECT count() FROM events")
  if ((D_USERS >= 100000 && D_FOLLOWS >= 4000000)); then DATA_SCALE=spec
  elif ((D_USERS <= 2000)); then DATA_SCALE=demo
  else DATA_SCALE=custom; fi
}
