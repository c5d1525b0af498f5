# shellcheck shell=bash disable=SC2034,SC2086
# (service lists are space-separated words on purpose; render() reads variables by name)
# Common settings and helpers for scripts/stack (sourced, not executed).

# ---------------------------------------------------------------- configuration
STACK="${NOVAFEED_STACK_DIR:-$PROJECT_ROOT/.stack}"
case "$STACK" in /*) ;; *) STACK="$PWD/$STACK" ;; esac

PG_PORT="${NOVAFEED_PG_PORT:-15432}"
CH_HTTP_PORT="${NOVAFEED_CH_HTTP_PORT:-18123}"
CH_TCP_PORT="${NOVAFEED_CH_TCP_PORT:-19000}"
CH_INTERSERVER_PORT="${NOVAFEED_CH_INTERSERVER_PORT:-19009}"
CH_CURRENT_HTTP_PORT="${NOVAFEED_CH_CURRENT_HTTP_PORT:-28123}"
CH_CURRENT_TCP_PORT="${NOVAFEED_CH_CURRENT_TCP_PORT:-29000}"
REDIS_PORT="${NOVAFEED_REDIS_PORT:-16379}"
KAFKA_PORT="${NOVAFEED_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${NOVAFEED_KAFKA_CONTROLLER_PORT:-19093}"
CONNECT_PORT="${NOVAFEED_CONNECT_PORT:-18083}"
EVENTS_PARTITIONS="${NOVAFEED_EVENTS_PARTITIONS:-6}"
KAFKA_HEAP_OPTS="${NOVAFEED_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
CONNECT_HEAP_OPTS="${NOVAFEED_CONNECT_HEAP_OPTS:--Xms256m -Xmx768m}"
STACK_TIMEOUT="${NOVAFEED_STACK_TIMEOUT:-180}"
# service_load: Connect finds plugins through their ServiceLoader manifests instead of
# scanning every class of every jar (much faster start); Debezium ships the manifests.
CONNECT_PLUGIN_DISCOVERY="${NOVAFEED_CONNECT_PLUGIN_DISCOVERY:-service_load}"

PG_BIN="/usr/lib/postgresql/15/bin"
CLICKHOUSE_SERVER_BIN="${NOVAFEED_CLICKHOUSE_SERVER:-}"

# The engine of the service `clickhouse`: Debian's clickhouse-server 18.16 ("debian"), or
# the current ClickHouse engine ("current": libchdb.so from the npm package below, run by
# stack/chdb/chdb_server.c). "both": `clickhouse` on Debian's engine, and the side service
# `clickhouse-current` (always the current engine) in the default service list too.
CLICKHOUSE_MODE="${NOVAFEED_CLICKHOUSE:-debian}"
case "$CLICKHOUSE_MODE" in
    current) CH_ENGINE_WANTED=current ;;
    *) CH_ENGINE_WANTED=debian ;;
esac
CHDB_PACKAGE="@chdb/lib-linux-x64-gnu"
CHDB_VERSION="26.7.3-stable.1"   # pinned: the `latest` tag is older, without the listeners

LOG_DIR="$STACK/logs"
RUN_DIR="$STACK/run"
PG_DATA="$STACK/pg"
PG_SOCKET_DIR="$RUN_DIR/postgres"
CH_DIR="$STACK/clickhouse"
CH_CURRENT_DIR="$STACK/clickhouse-current"   # the current engine's data, either service
CH_ENGINE_FILE="$RUN_DIR/clickhouse.engine"  # the engine of the running `clickhouse`
REDIS_DIR="$STACK/redis"
KAFKA_DIR="$STACK/kafka"
CONNECT_DIR="$STACK/connect"
CONF_DIR="$STACK/conf"
KAFKA_LIB="$STACK/lib/kafka"
PLUGIN_DIR="$STACK/plugins"
DEBEZIUM_DIR="$PLUGIN_DIR/debezium-connector-postgres"
CHDB_LIB_DIR="$STACK/lib/chdb/$CHDB_VERSION"  # libchdb.so and chdb-server (kept by purge)
CHDB_SERVER_BIN="$CHDB_LIB_DIR/chdb-server"

# every service, in start order; the default list leaves out the side service
ALL_SERVICES="postgres redis clickhouse clickhouse-current kafka connect"
if [ "$CLICKHOUSE_MODE" = both ]; then
    DEFAULT_SERVICES="$ALL_SERVICES"
else
    DEFAULT_SERVICES="postgres redis clickhouse kafka connect"
fi

# The unix socket path (dir + "/.s.PGSQL.<port>") must fit in sun_path (107 bytes).
if [ $(( ${#PG_SOCKET_DIR} + 20 )) -gt 100 ]; then
    PG_SOCKET_DIR="/tmp/novafeed-pg-$(printf '%s' "$STACK" | sha256sum | cut -c1-12)"
fi

# ---------------------------------------------------------------- output
is_ci() { case "${CI:-}" in true|1|yes) return 0 ;; *) return 1 ;; esac; }

say() { printf 'stack: %s\n' "$*" >&2; }
# progress details: hidden under CI unless NOVAFEED_STACK_VERBOSE=1
info() {
    if [ "${NOVAFEED_STACK_VERBOSE:-0}" = 1 ] || ! is_ci; then
        printf 'stack: %s\n' "$*" >&2
    fi
}
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

# fail_with_log MESSAGE LOGFILE...: the error, the log paths and their last lines.
fail_with_log() {
    local msg="$1" f first=1
    shift
    printf 'stack: error: %s\n' "$msg" >&2
    for f in "$@"; do
        if [ -s "$f" ]; then
            printf 'stack: --- last lines of %s ---\n' "$f" >&2
            tail -n 40 "$f" | sed 's/^/stack: | /' >&2
        elif [ "$first" = 1 ]; then
            printf 'stack: (log %s is empty or missing)\n' "$f" >&2
        fi
        first=0
    done
    exit 1
}

# ---------------------------------------------------------------- settings
check_settings() {
    case "$CLICKHOUSE_MODE" in
        debian|current|both) ;;
        *) die "NOVAFEED_CLICKHOUSE='$CLICKHOUSE_MODE': expected debian, current or both (see scripts/stack --help)" ;;
    esac
}

# ---------------------------------------------------------------- services
resolve_services() {
    local out="" s
    if [ $# -eq 0 ]; then
        echo "$DEFAULT_SERVICES"
        return
    fi
    for s in "$@"; do
        case "$s" in
            postgres|pg|postgresql) s=postgres ;;
            clickhouse|ch) s=clickhouse ;;
            clickhouse-current|ch-current) s=clickhouse-current ;;
            redis) s=redis ;;
            kafka) s=kafka ;;
            connect|kafka-connect) s=connect ;;
            all) s="$DEFAULT_SERVICES" ;;
            *) die "unknown service '$s' (one of: $ALL_SERVICES)" ;;
        esac
        out="$out $s"
    done
    # canonical order, no duplicates
    local ordered="" x
    for x in $ALL_SERVICES; do
        case " $out " in *" $x "*) ordered="$ordered $x" ;; esac
    done
    echo "${ordered# }"
}

add_dependencies() {
    local want=" $* "
    case "$want" in *" connect "*) want="$want kafka " ;; esac
    resolve_services $want
}

# with_running_side_service SERVICE...: the list, plus clickhouse-current when it runs
# (`down` and `restart` without a service list)
with_running_side_service() {
    if ! has " $* " clickhouse-current && svc_running clickhouse-current; then
        resolve_services "$@" clickhouse-current
    else
        echo "$*"
    fi
}

reverse_words() {
    local out="" w
    for w in "$@"; do out="$w $out"; done
    echo "${out% }"
}

# ---------------------------------------------------------------- files and templates
stack_prepare_dirs() {
    mkdir -p "$STACK" "$LOG_DIR" "$RUN_DIR" "$CONF_DIR"
    chmod 755 "$STACK" "$LOG_DIR" "$RUN_DIR"
}

# render TEMPLATE OUTPUT VAR...: replace @VAR@ by the value of $VAR; write only on change.
render() {
    local tpl="$1" out="$2" content v
    shift 2
    [ -f "$tpl" ] || die "template $tpl is missing"
    content="$(cat "$tpl")"
    for v in "$@"; do
        content="${content//@${v}@/${!v}}"
    done
    if printf '%s' "$content" | grep -qE '@[A-Z_]+@'; then
        die "template $tpl: unreplaced placeholder(s): $(printf '%s' "$content" | grep -oE '@[A-Z_]+@' | sort -u | tr '\n' ' ')"
    fi
    if [ -f "$out" ] && [ "$(cat "$out")" = "$content" ]; then
        return 0
    fi
    printf '%s\n' "$content" > "$out.tmp"
    mv -f "$out.tmp" "$out"
}

# ---------------------------------------------------------------- processes
# pid_alive PID PATTERN: the process exists and its command line contains PATTERN
pid_alive() {
    local pid="$1" pattern="$2" cmdline
    [ -n "$pid" ] || return 1
    case "$pid" in *[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    cmdline="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)"
    case "$cmdline" in *"$pattern"*) return 0 ;; *) return 1 ;; esac
}

read_pidfile() {
    local f="$1" pid=""
    [ -f "$f" ] && read -r pid < "$f" 2>/dev/null || true
    echo "$pid"
}

# port_in_use PORT: something accepts TCP connections on 127.0.0.1:PORT
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_owner() {
    ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1
}

ensure_port_free() {
    local port="$1" svc="$2" owner
    if port_in_use "$port"; then
        owner="$(port_owner "$port")"
        die "$svc: port 127.0.0.1:$port is already used by another process${owner:+ ($owner)}; stop it or choose another port (see scripts/stack --help)"
    fi
}

# stop_pid PID PATTERN NAME TIMEOUT: SIGTERM, wait, SIGKILL after TIMEOUT seconds
stop_pid() {
    local pid="$1" pattern="$2" name="$3" timeout="${4:-60}"
    pid_alive "$pid" "$pattern" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" "$pattern" "$name" "$timeout"
}

# wait_gone PID PATTERN NAME TIMEOUT: wait for the process to end; SIGKILL after TIMEOUT seconds
wait_gone() {
    local pid="$1" pattern="$2" name="$3" timeout="${4:-60}" i=0
    while pid_alive "$pid" "$pattern"; do
        if [ "$i" -ge $(( timeout * 5 )) ]; then
            say "$name (pid $pid) did not stop within ${timeout}s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.2
        i=$(( i + 1 ))
    done
}

# ---------------------------------------------------------------- locking
# Serialize concurrent runs (tests calling scripts/stack in parallel).
with_lock() {
    mkdir -p "$STACK"
    exec 9>"$STACK/.lock"
    if ! flock -w 900 9; then
        die "another scripts/stack is still running after 900s (lock $STACK/.lock)"
    fi
    "$@"
    flock -u 9
    exec 9>&-
}

# ---------------------------------------------------------------- env
# The dev stack's HS256 secret for `serve` and `token`: random, made once, kept in
# .stack/ (never in the repository), handed over as a file so it never shows in `ps`.
ensure_jwt_secret() {
    if [ ! -s "$STACK/jwt_secret" ]; then
        mkdir -p "$STACK"
        (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$STACK/jwt_secret.tmp")
        mv "$STACK/jwt_secret.tmp" "$STACK/jwt_secret"
    fi
}

# NOVAFEED_STACK_*: facts about the stack for scripts and tests (novafeed ignores them).
# The engine is the running server's, else the one `up` would start.
print_env() {
    ensure_jwt_secret
    local engine="$CH_ENGINE_WANTED"
    if svc_running clickhouse; then engine="$(clickhouse_running_engine)"; fi
    cat <<EOF
export NOVAFEED_POSTGRES_URL=postgresql://novafeed:novafeed@127.0.0.1:$PG_PORT/novafeed
export NOVAFEED_CLICKHOUSE_URL=http://127.0.0.1:$CH_HTTP_PORT
export NOVAFEED_CLICKHOUSE_DATABASE=novafeed
export NOVAFEED_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export NOVAFEED_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export NOVAFEED_CONNECT_URL=http://127.0.0.1:$CONNECT_PORT
export NOVAFEED_AUTH_JWT_SECRET_FILE=$STACK/jwt_secret
export NOVAFEED_STACK_CLICKHOUSE_ENGINE=$engine
export NOVAFEED_STACK_CLICKHOUSE_CURRENT_URL=http://127.0.0.1:$CH_CURRENT_HTTP_PORT
EOF
}
