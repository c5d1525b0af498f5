# shellcheck shell=bash disable=SC2034,SC2086
# (service lists are space-separated words on purpose; render() reads variables by name)
# scripts/stack: start, wait, stop and status of each service (sourced, not executed).

# ---------------------------------------------------------------- per-service facts
svc_pidfile() {
    case "$1" in
        postgres) echo "$PG_DATA/postmaster.pid" ;;
        *) echo "$RUN_DIR/$1.pid" ;;
    esac
}

# a string the service's /proc/PID/cmdline must contain (guards against pid reuse)
svc_pattern() {
    case "$1" in
        postgres) echo "postgres" ;;
        clickhouse)
            if [ "$(clickhouse_running_engine)" = current ]; then
                chc_config clickhouse
            else
                echo "$CH_DIR/config.xml"
            fi ;;
        clickhouse-current) chc_config clickhouse-current ;;
        redis) echo "redis-server" ;;
        kafka) echo "$KAFKA_DIR/server.properties" ;;
        connect) echo "$CONNECT_DIR/worker.properties" ;;
    esac
}

svc_port() {
    case "$1" in
        postgres) echo "$PG_PORT" ;;
        clickhouse) echo "$CH_HTTP_PORT" ;;
        clickhouse-current) echo "$CH_CURRENT_HTTP_PORT" ;;
        redis) echo "$REDIS_PORT" ;;
        kafka) echo "$KAFKA_PORT" ;;
        connect) echo "$CONNECT_PORT" ;;
    esac
}

svc_ports_desc() {
    case "$1" in
        postgres) echo "127.0.0.1:$PG_PORT" ;;
        clickhouse) echo "127.0.0.1:$CH_HTTP_PORT (http) :$CH_TCP_PORT (tcp)" ;;
        clickhouse-current) echo "127.0.0.1:$CH_CURRENT_HTTP_PORT (http) :$CH_CURRENT_TCP_PORT (tcp)" ;;
        redis) echo "127.0.0.1:$REDIS_PORT" ;;
        kafka) echo "127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)" ;;
        connect) echo "127.0.0.1:$CONNECT_PORT" ;;
    esac
}

svc_log() { echo "$LOG_DIR/$1.log"; }

# all the files worth showing when the service fails
svc_logs() {
    case "$1" in
        postgres) echo "$LOG_DIR/postgres.log" ;;
        clickhouse|clickhouse-current) echo "$LOG_DIR/$1.err.log $LOG_DIR/$1.out" ;;
        redis) echo "$LOG_DIR/redis.log" ;;
        kafka) echo "$LOG_DIR/kafka.log $LOG_DIR/kafka.out" ;;
        connect) echo "$LOG_DIR/connect.log $LOG_DIR/connect.out" ;;
    esac
}

svc_pid() { read_pidfile "$(svc_pidfile "$1")"; }

svc_running() {
    local pid
    pid="$(svc_pid "$1")"
    pid_alive "$pid" "$(svc_pattern "$1")"
}

# svc_fail SERVICE MESSAGE: error with the service's logs
svc_fail() {
    local svc="$1" msg="$2"
    # shellcheck disable=SC2046
    fail_with_log "$svc: $msg (log: $(svc_log "$svc"))" $(svc_logs "$svc")
}

# wait_until SERVICE TIMEOUT CHECK...: poll CHECK every 0.5 s; fail if the process dies
# or the time runs out.
wait_until() {
    local svc="$1" timeout="$2" start now
    shift 2
    start="$(date +%s)"
    while true; do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if ! svc_running "$svc"; then
            sleep 0.3
            "$@" >/dev/null 2>&1 && return 0
            svc_fail "$svc" "the process exited before it was ready"
        fi
        now="$(date +%s)"
        if [ $(( now - start )) -ge "$timeout" ]; then
            svc_fail "$svc" "not ready after ${timeout}s"
        fi
        sleep 0.5
    done
}

# start a long-running command in its own session, detached from this script;
# PIDFILE receives the pid of the command itself (bash execs it).
# Every server is started with fd 9 (the lock of with_lock) closed: a daemon holding it
# would block the next scripts/stack run after a failed one.
spawn_detached() {
    local pidfile="$1" out="$2"
    shift 2
    rm -f "$pidfile"
    # shellcheck disable=SC2016
    setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$out" 2>&1 9>&- &
    local i=0
    while [ ! -s "$pidfile" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$(( i + 1 )); done
    [ -s "$pidfile" ] || die "could not start $*"
}

java_server_opts() {
    local logname="$1"
    echo "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35" \
         "-XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true" \
         "-Dlog4j2.configurationFile=$CONF_DIR/log4j2.xml -Dnovafeed.log.file=$LOG_DIR/$logname.log" \
         "-Dkafka.logs.dir=$LOG_DIR"
}

java_tool_opts() {
    echo "-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto" \
         "-Djava.awt.headless=true -Dlog4j2.configurationFile=$CONF_DIR/log4j2.xml" \
         "-Dnovafeed.log.file=$LOG_DIR/kafka-tools.log"
}

# ================================================================ PostgreSQL
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

pg_psql() {
    as_postgres "$PG_BIN/psql" -X -q -t -A -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" "$@"
}

# postgres must reach $STACK: add the traverse bit (o+x, not read) where it is missing
pg_ensure_traversable() {
    if as_postgres test -x "$STACK"; then return 0; fi
    local d="$STACK"
    while [ "$d" != "/" ] && [ -n "$d" ]; do
        if [ "$(( $(stat -c '%a' "$d" | sed 's/^.*\(.\)$/\1/') & 1 ))" = 0 ]; then
            say "postgres: chmod o+x $d (the postgres user must traverse it)"
            chmod o+x "$d"
        fi
        d="$(dirname "$d")"
    done
    as_postgres test -x "$STACK" || die "postgres: the postgres user cannot reach $STACK"
}

pg_prepare() {
    [ "$(id -u)" = 0 ] || die "postgres: scripts/stack must run as root (it runs PostgreSQL as the postgres user)"
    id postgres >/dev/null 2>&1 || die "postgres: no 'postgres' user (is postgresql-15 installed?)"
    [ -x "$PG_BIN/pg_ctl" ] || die "postgres: $PG_BIN/pg_ctl missing (is postgresql-15 installed?)"
    pg_ensure_traversable
    mkdir -p "$PG_SOCKET_DIR"
    chown postgres:postgres "$PG_SOCKET_DIR"
    chmod 755 "$PG_SOCKET_DIR"
    touch "$LOG_DIR/postgres.log"
    chown postgres:postgres "$LOG_DIR/postgres.log"

    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        local tmp="$STACK/pg.init"
        rm -rf "$tmp" "$PG_DATA"
        mkdir -p "$tmp"
        chown postgres:postgres "$tmp"
        chmod 700 "$tmp"
        say "postgres: initdb $PG_DATA"
        if ! as_postgres "$PG_BIN/initdb" -D "$tmp" -U postgres -E UTF8 --locale=C.UTF-8 \
                --auth-local=peer --auth-host=scram-sha-256 --no-instructions \
                >"$LOG_DIR/postgres-initdb.log" 2>&1; then
            fail_with_log "postgres: initdb failed" "$LOG_DIR/postgres-initdb.log"
        fi
        mkdir -p "$tmp/conf.d"
        chown postgres:postgres "$tmp/conf.d"
        printf "\n# novafeed: settings of scripts/stack\ninclude_dir = 'conf.d'\n" >> "$tmp/postgresql.conf"
        mv "$tmp" "$PG_DATA"
    fi

    mkdir -p "$PG_DATA/conf.d"
    cat > "$PG_DATA/conf.d/novafeed.conf" <<EOF
# written by scripts/stack on every start
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
synchronous_commit = off
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    cat > "$PG_DATA/pg_hba.conf" <<'EOF'
# written by scripts/stack on every start
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  peer
host    all          all   127.0.0.1/32   scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
EOF
    chown -R postgres:postgres "$PG_DATA/conf.d" "$PG_DATA/pg_hba.conf"
}

start_postgres() {
    pg_prepare
    ensure_port_free "$PG_PORT" postgres
    info "postgres: starting on 127.0.0.1:$PG_PORT"
    if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t "$STACK_TIMEOUT" \
            -s start >/dev/null 2>>"$LOG_DIR/postgres.log" 9>&-; then
        svc_fail postgres "pg_ctl start failed"
    fi
}

wait_postgres() {
    wait_until postgres "$STACK_TIMEOUT" as_postgres "$PG_BIN/pg_isready" -q -h "$PG_SOCKET_DIR" -p "$PG_PORT"
    local out
    if ! out="$(pg_psql -d postgres 2>&1 <<'EOF'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'novafeed') THEN
    CREATE ROLE novafeed LOGIN SUPERUSER REPLICATION PASSWORD 'novafeed';
  ELSE
    ALTER ROLE novafeed LOGIN SUPERUSER REPLICATION PASSWORD 'novafeed';
  END IF;
END
$$;
EOF
)"; then
        svc_fail postgres "could not create the role novafeed: $out"
    fi
    if [ "$(pg_psql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'novafeed'")" != 1 ]; then
        out="$(pg_psql -d postgres -c 'CREATE DATABASE novafeed OWNER novafeed' 2>&1)" ||
            svc_fail postgres "could not create the database novafeed: $out"
        info "postgres: created database novafeed"
    fi
}

stop_postgres() {
    if [ -f "$PG_DATA/postmaster.pid" ] && svc_running postgres; then
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 -s stop >/dev/null 2>&1 ||
            stop_pid "$(svc_pid postgres)" postgres postgres 30
    fi
}

# ================================================================ ClickHouse
# Two engines. Debian's clickhouse-server 18.16 runs as `clickhouse` (the default). The
# current engine (ClickHouse 26.7: libchdb.so run by chdb-server, see stack/chdb/) runs as
# `clickhouse` with NOVAFEED_CLICKHOUSE=current, on the same ports, or as the side service
# `clickhouse-current` on its own ports. Data: $CH_DIR (Debian's), $CH_CURRENT_DIR (the
# current engine's, either service: so only one of the two runs it at a time).

# the engine of the running `clickhouse`, as recorded at its start (a server started
# before the record existed is Debian's)
clickhouse_running_engine() {
    local e
    e="$(read_pidfile "$CH_ENGINE_FILE")"
    case "$e" in current) echo current ;; *) echo debian ;; esac
}

# the engine `status` and `env` name: the running one, else the one `up` would start
svc_engine() {
    case "$1" in
        clickhouse)
            if svc_running clickhouse; then clickhouse_running_engine; else echo "$CH_ENGINE_WANTED"; fi ;;
        clickhouse-current) echo current ;;
    esac
}

# "current (26.7)": the engine of a ClickHouse service and, when it runs, its version (the
# server's own); nothing for the other services
svc_engine_desc() {
    case "$1" in clickhouse|clickhouse-current) ;; *) return 0 ;; esac
    local engine v=""
    engine="$(svc_engine "$1")"
    if svc_running "$1"; then
        v="$(ch_query 'SELECT version()' "$(svc_port "$1")" 2 2>/dev/null | cut -d. -f1,2)" || v=""
    fi
    printf '%s%s' "$engine" "${v:+ ($v)}"
}

clickhouse_bin() {
    if [ -n "$CLICKHOUSE_SERVER_BIN" ]; then echo "$CLICKHOUSE_SERVER_BIN"; return; fi
    local c
    for c in "$(command -v clickhouse-server 2>/dev/null || true)" /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
        [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return; }
    done
    die "clickhouse: clickhouse-server not found (is the clickhouse-server package installed?)"
}

# ch_ping [PORT], ch_query SQL [PORT [TIMEOUT]]: over HTTP (default: the port of `clickhouse`)
ch_ping() { [ "$(curl -fsS --max-time 2 "http://127.0.0.1:${1:-$CH_HTTP_PORT}/ping" 2>/dev/null)" = "Ok." ]; }

ch_query() {
    curl -fsS --max-time "${3:-30}" "http://127.0.0.1:${2:-$CH_HTTP_PORT}/" --data-binary "$1"
}

# ch_wait_ready SERVICE PORT: answers, and has the database novafeed
ch_wait_ready() {
    local svc="$1" port="$2" out
    wait_until "$svc" "$STACK_TIMEOUT" ch_ping "$port"
    out="$(ch_query 'CREATE DATABASE IF NOT EXISTS novafeed' "$port" 2>&1)" ||
        svc_fail "$svc" "could not create the database novafeed: $out"
}

start_clickhouse() {
    if [ "$CH_ENGINE_WANTED" = current ]; then
        echo current > "$CH_ENGINE_FILE"
        chc_start clickhouse
    else
        echo debian > "$CH_ENGINE_FILE"
        start_clickhouse_debian
    fi
}

start_clickhouse_debian() {
    mkdir -p "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas"
    render "$STACK_SRC/clickhouse/config.xml.in" "$CH_DIR/config.xml" \
        LOG_DIR CH_DIR CH_HTTP_PORT CH_TCP_PORT CH_INTERSERVER_PORT
    render "$STACK_SRC/clickhouse/users.xml.in" "$CH_DIR/users.xml"
    ensure_port_free "$CH_HTTP_PORT" clickhouse
    ensure_port_free "$CH_TCP_PORT" clickhouse
    ensure_port_free "$CH_INTERSERVER_PORT" clickhouse
    local bin pidfile="$RUN_DIR/clickhouse.pid"
    bin="$(clickhouse_bin)"
    rm -f "$pidfile"
    info "clickhouse: starting Debian's engine on 127.0.0.1:$CH_HTTP_PORT"
    # --daemon forks into its own session and writes the pid file.
    if ! (cd "$CH_DIR" && "$bin" --config-file="$CH_DIR/config.xml" --pid-file="$pidfile" --daemon \
            </dev/null >>"$LOG_DIR/clickhouse.out" 2>&1 9>&-); then
        svc_fail clickhouse "clickhouse-server --daemon failed"
    fi
    local i=0
    while [ ! -s "$pidfile" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$(( i + 1 )); done
    [ -s "$pidfile" ] || svc_fail clickhouse "clickhouse-server wrote no pid file $pidfile"
}

wait_clickhouse() { ch_wait_ready clickhouse "$CH_HTTP_PORT"; }

stop_clickhouse() {
    if [ "$(clickhouse_running_engine)" = current ]; then
        chc_stop clickhouse
    else
        stop_pid "$(svc_pid clickhouse)" "$(svc_pattern clickhouse)" clickhouse 60
        rm -f "$RUN_DIR/clickhouse.pid"
    fi
    rm -f "$CH_ENGINE_FILE"
}

start_clickhouse_current() { chc_start clickhouse-current; }
wait_clickhouse_current() { ch_wait_ready clickhouse-current "$CH_CURRENT_HTTP_PORT"; }
stop_clickhouse_current() { chc_stop clickhouse-current; }

# ---------------------------------------------------------------- the current engine
# chc_*: the current engine as SERVICE (clickhouse or clickhouse-current). The pid file
# holds chdb-server's launcher; the engine is its child, whose pid is in the engine's own
# status file (present while it runs, removed by a clean shutdown).

# the config of SERVICE: its path is in the command line of both processes
chc_config() { echo "$CH_CURRENT_DIR/conf/$1.xml"; }

# the pid of a live engine on $CH_CURRENT_DIR (either service's), or nothing
chc_engine_pid() {
    local pid=""
    if [ -f "$CH_CURRENT_DIR/data/status" ]; then
        pid="$(sed -n 's/^PID: *\([0-9][0-9]*\).*/\1/p' "$CH_CURRENT_DIR/data/status" 2>/dev/null | head -n1)"
    fi
    if pid_alive "$pid" "$CH_CURRENT_DIR/conf/"; then echo "$pid"; fi
}

# chc_wait_engine_gone SERVICE SECONDS: an engine left without its launcher shuts down on
# its own (EOF on its stdin); wait for it, then kill it.
chc_wait_engine_gone() {
    local svc="$1" timeout="$2" pid ppid
    pid="$(chc_engine_pid)"
    [ -n "$pid" ] || return 0
    # not an orphan: a launcher still runs it (a service this script does not know of)
    ppid="$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || true)"
    if pid_alive "$ppid" "$CH_CURRENT_DIR/conf/"; then
        die "$svc: a current engine already runs on $CH_CURRENT_DIR (pid $pid, launcher pid $ppid: $(tr '\0' ' ' < "/proc/$ppid/cmdline" 2>/dev/null | cut -c1-200))"
    fi
    info "$svc: waiting for the engine (pid $pid) to finish its shutdown"
    wait_gone "$pid" "$CH_CURRENT_DIR/conf/" "$svc: the engine" "$timeout"
}

chc_start() {
    local svc="$1" conf ENGINE_SERVICE="$1" ENGINE_DIR="$CH_CURRENT_DIR" ENGINE_LOG_DIR="$LOG_DIR"
    local ENGINE_HTTP_PORT="$CH_CURRENT_HTTP_PORT" ENGINE_TCP_PORT="$CH_CURRENT_TCP_PORT"
    if [ "$svc" = clickhouse ]; then
        ENGINE_HTTP_PORT="$CH_HTTP_PORT"
        ENGINE_TCP_PORT="$CH_TCP_PORT"
    fi
    conf="$(chc_config "$svc")"
    if [ ! -x "$CHDB_SERVER_BIN" ] || [ ! -s "$CHDB_LIB_DIR/libchdb.so" ]; then
        die "$svc: the current engine is not installed in $CHDB_LIB_DIR (scripts/stack install $svc)"
    fi
    # a launcher killed a moment ago leaves its engine shutting down
    chc_wait_engine_gone "$svc" 60
    mkdir -p "$CH_CURRENT_DIR/data" "$CH_CURRENT_DIR/tmp" "$CH_CURRENT_DIR/user_files" \
        "$CH_CURRENT_DIR/format_schemas" "$CH_CURRENT_DIR/conf"
    render "$STACK_SRC/chdb/config.xml.in" "$conf" \
        ENGINE_SERVICE ENGINE_DIR ENGINE_LOG_DIR ENGINE_HTTP_PORT ENGINE_TCP_PORT
    # the same profile and user as Debian's engine
    render "$STACK_SRC/clickhouse/users.xml.in" "$CH_CURRENT_DIR/conf/users.xml"
    ensure_port_free "$ENGINE_HTTP_PORT" "$svc"
    ensure_port_free "$ENGINE_TCP_PORT" "$svc"
    info "$svc: starting the current engine ($CHDB_PACKAGE@$CHDB_VERSION) on 127.0.0.1:$ENGINE_HTTP_PORT"
    # in the data dir, like Debian's server; chdb-server stays in the foreground
    (cd "$CH_CURRENT_DIR" && spawn_detached "$RUN_DIR/$svc.pid" "$LOG_DIR/$svc.out" \
        "$CHDB_SERVER_BIN" --config-file="$conf" \
        --query "SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP" --interactive) || exit 1
}

# SIGTERM to the launcher: it closes the engine's stdin, the engine shuts down cleanly.
chc_stop() {
    local svc="$1"
    stop_pid "$(svc_pid "$svc")" "$(svc_pattern "$svc")" "$svc" 60
    rm -f "$RUN_DIR/$svc.pid"
    chc_wait_engine_gone "$svc" 30
}

# clickhouse_preflight SERVICE...: before `up` starts anything, refuse an engine switch of
# a running `clickhouse`, and two services on the current engine's data directory.
clickhouse_preflight() {
    local svcs=" $* " running setting="NOVAFEED_CLICKHOUSE=$CLICKHOUSE_MODE"
    [ -n "${NOVAFEED_CLICKHOUSE:-}" ] || setting="NOVAFEED_CLICKHOUSE unset (debian)"
    if has "$svcs" clickhouse && svc_running clickhouse; then
        running="$(clickhouse_running_engine)"
        if [ "$running" != "$CH_ENGINE_WANTED" ]; then
            die "clickhouse runs the $running engine (pid $(svc_pid clickhouse)), but $setting asks for the $CH_ENGINE_WANTED engine. To switch: 'scripts/stack down clickhouse', then 'NOVAFEED_CLICKHOUSE=$CH_ENGINE_WANTED scripts/stack up clickhouse' (each engine keeps its own data). To keep the $running engine: run with NOVAFEED_CLICKHOUSE=$running"
        fi
    fi
    if has "$svcs" clickhouse && [ "$CH_ENGINE_WANTED" = current ] && ! svc_running clickhouse; then
        if svc_running clickhouse-current; then
            die "clickhouse: the current engine already runs as clickhouse-current (pid $(svc_pid clickhouse-current), $(svc_ports_desc clickhouse-current)) on the same data directory $CH_CURRENT_DIR; stop it first: 'scripts/stack down clickhouse-current'"
        fi
        if has "$svcs" clickhouse-current; then
            die "clickhouse (with $setting) and clickhouse-current cannot run at once: both are the current engine on $CH_CURRENT_DIR"
        fi
    fi
    if has "$svcs" clickhouse-current && ! svc_running clickhouse-current &&
            svc_running clickhouse && [ "$(clickhouse_running_engine)" = current ]; then
        die "clickhouse-current: the current engine already runs as clickhouse (pid $(svc_pid clickhouse), $(svc_ports_desc clickhouse)) on the same data directory $CH_CURRENT_DIR; use that one, or put clickhouse back on Debian's engine first: 'scripts/stack down clickhouse', then 'NOVAFEED_CLICKHOUSE=debian scripts/stack up clickhouse'"
    fi
}

# ================================================================ Redis
redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

start_redis() {
    mkdir -p "$REDIS_DIR/data"
    render "$STACK_SRC/redis/redis.conf.in" "$REDIS_DIR/redis.conf" REDIS_PORT RUN_DIR LOG_DIR REDIS_DIR
    ensure_port_free "$REDIS_PORT" redis
    rm -f "$RUN_DIR/redis.pid"
    info "redis: starting on 127.0.0.1:$REDIS_PORT"
    if ! redis-server "$REDIS_DIR/redis.conf" </dev/null >>"$LOG_DIR/redis.log" 2>&1 9>&-; then
        svc_fail redis "redis-server failed to start"
    fi
    local i=0
    while [ ! -s "$RUN_DIR/redis.pid" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$(( i + 1 )); done
    [ -s "$RUN_DIR/redis.pid" ] || svc_fail redis "redis-server wrote no pid file"
}

wait_redis() { wait_until redis "$STACK_TIMEOUT" redis_ping; }

stop_redis() { stop_pid "$(svc_pid redis)" redis-server redis 30; rm -f "$RUN_DIR/redis.pid"; }

# ================================================================ Kafka
kafka_metadata() { kcat -b "127.0.0.1:$KAFKA_PORT" -L -m 3 2>/dev/null; }
kafka_ready() { kafka_metadata | grep -q '^ *1 brokers:'; }

kafka_render_configs() {
    mkdir -p "$KAFKA_DIR/data"
    cp -f "$STACK_SRC/log4j2.xml" "$CONF_DIR/log4j2.xml"
    render "$STACK_SRC/kafka/server.properties.in" "$KAFKA_DIR/server.properties" \
        KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_DIR
}

kafka_format() {
    [ -f "$KAFKA_DIR/data/meta.properties" ] && return 0
    local log="$LOG_DIR/kafka-storage.log" cid
    # shellcheck disable=SC2046
    if [ ! -s "$KAFKA_DIR/cluster-id" ]; then
        cid="$("$JAVA" $(java_tool_opts) -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>>"$log" | tail -n1)" ||
            fail_with_log "kafka: could not generate a cluster id" "$log"
        [ -n "$cid" ] || fail_with_log "kafka: could not generate a cluster id" "$log"
        echo "$cid" > "$KAFKA_DIR/cluster-id"
    fi
    cid="$(cat "$KAFKA_DIR/cluster-id")"
    info "kafka: formatting storage (cluster id $cid)"
    # shellcheck disable=SC2046
    if ! "$JAVA" $(java_tool_opts) -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format \
            -t "$cid" -c "$KAFKA_DIR/server.properties" --ignore-formatted >>"$log" 2>&1; then
        fail_with_log "kafka: formatting the storage in $KAFKA_DIR/data failed" "$log"
    fi
}

start_kafka() {
    kafka_render_configs
    ensure_port_free "$KAFKA_PORT" kafka
    ensure_port_free "$KAFKA_CONTROLLER_PORT" kafka
    kafka_format
    info "kafka: starting on 127.0.0.1:$KAFKA_PORT"
    # shellcheck disable=SC2046,SC2086
    spawn_detached "$RUN_DIR/kafka.pid" "$LOG_DIR/kafka.out" \
        "$JAVA" $KAFKA_HEAP_OPTS $(java_server_opts kafka) -cp "$KAFKA_LIB/*" \
        kafka.Kafka "$KAFKA_DIR/server.properties"
}

wait_kafka() { wait_until kafka "$STACK_TIMEOUT" kafka_ready; }

stop_kafka() { stop_pid "$(svc_pid kafka)" "$(svc_pattern kafka)" kafka 60; rm -f "$RUN_DIR/kafka.pid"; }

# name partitions [config...]
stack_topics() {
    cat <<EOF
cdc.users 3
cdc.posts 3
cdc.follows 3
cdc.likes 3
cdc.comments 3
events $EVENTS_PARTITIONS
events.dlq 1
cdc.dlq 1
connect-configs 1 cleanup.policy=compact
connect-offsets 3 cleanup.policy=compact
connect-status 3 cleanup.policy=compact
EOF
}

create_topic() {
    local name="$1" parts="$2" cfg="${3:-}"
    # shellcheck disable=SC2046
    "$JAVA" $(java_tool_opts) -cp "$KAFKA_LIB/*" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "127.0.0.1:$KAFKA_PORT" --create --if-not-exists \
        --topic "$name" --partitions "$parts" --replication-factor 1 \
        ${cfg:+--config "$cfg"}
}

ensure_topics() {
    local existing missing=() name parts cfg log="$LOG_DIR/kafka-topics.log"
    existing="$(kafka_metadata | sed -n 's/^ *topic "\([^"]*\)" with .*/\1/p')"
    while read -r name parts cfg; do
        printf '%s\n' "$existing" | grep -qxF "$name" || missing+=("$name $parts $cfg")
    done < <(stack_topics)
    [ ${#missing[@]} -gt 0 ] || return 0
    info "kafka: creating topics: $(printf '%s ' "${missing[@]%% *}")"
    # One JVM per topic (TopicCommand creates one topic per run); 3 at a time.
    local pids=() t i=0 failed=0
    : > "$log.tmp"
    for t in "${missing[@]}"; do
        # shellcheck disable=SC2086
        create_topic $t >>"$log.tmp" 2>&1 &
        pids+=($!)
        i=$(( i + 1 ))
        if [ $(( i % 3 )) = 0 ]; then
            for p in "${pids[@]}"; do wait "$p" || failed=1; done
            pids=()
        fi
    done
    for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" || failed=1; done
    cat "$log.tmp" >> "$log"
    rm -f "$log.tmp"
    [ "$failed" = 0 ] || fail_with_log "kafka: creating topics failed" "$log" "$LOG_DIR/kafka.log"
}

# ================================================================ Kafka Connect
connect_plugins() { curl -fsS --max-time 3 "http://127.0.0.1:$CONNECT_PORT/connector-plugins" 2>/dev/null; }
# ready: the plugin is loaded and the worker has joined its group (GET /connectors answers)
connect_ready() {
    connect_plugins | grep -q 'io.debezium.connector.postgresql.PostgresConnector' &&
        curl -fsS --max-time 3 "http://127.0.0.1:$CONNECT_PORT/connectors" 2>/dev/null | grep -q '^\['
}

start_connect() {
    mkdir -p "$CONNECT_DIR"
    cp -f "$STACK_SRC/log4j2.xml" "$CONF_DIR/log4j2.xml"
    render "$STACK_SRC/connect/worker.properties.in" "$CONNECT_DIR/worker.properties" \
        KAFKA_PORT CONNECT_PORT PLUGIN_DIR CONNECT_PLUGIN_DISCOVERY
    ensure_port_free "$CONNECT_PORT" connect
    info "connect: starting on 127.0.0.1:$CONNECT_PORT"
    # shellcheck disable=SC2046,SC2086
    spawn_detached "$RUN_DIR/connect.pid" "$LOG_DIR/connect.out" \
        "$JAVA" $CONNECT_HEAP_OPTS $(java_server_opts connect) -cp "$KAFKA_LIB/*" \
        org.apache.kafka.connect.cli.ConnectDistributed "$CONNECT_DIR/worker.properties"
}

wait_connect() { wait_until connect "$STACK_TIMEOUT" connect_ready; }

stop_connect() { stop_pid "$(svc_pid connect)" "$(svc_pattern connect)" connect 60; rm -f "$RUN_DIR/connect.pid"; }

# ================================================================ commands
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

cmd_up() {
    local svcs="$*" s t0 started=""
    t0="$(date +%s)"
    clickhouse_preflight $svcs
    cmd_install $svcs
    if has "$svcs" kafka || has "$svcs" connect; then
        JAVA="$(find_java)" || die "no java >= 17 found"
    fi

    # Start phase: the slow JVM first, then the quick servers while it boots.
    for s in kafka clickhouse clickhouse-current redis postgres; do
        has "$svcs" "$s" || continue
        if svc_running "$s"; then
            info "$s: already running (pid $(svc_pid "$s"))"
        else
            "start_${s//-/_}"
            started="$started $s"
        fi
    done

    # Wait phase (and idempotent setup: role, databases, topics).
    for s in postgres redis clickhouse clickhouse-current kafka; do
        has "$svcs" "$s" || continue
        "wait_${s//-/_}"
        has "$started" "$s" && say "$s: ready on $(svc_ports_desc "$s") (pid $(svc_pid "$s"))$(svc_engine_desc "$s" | sed 's/^./, engine &/')"
    done
    if has "$svcs" kafka; then
        ensure_topics
    fi
    if has "$svcs" connect; then
        if svc_running connect; then
            info "connect: already running (pid $(svc_pid connect))"
        else
            start_connect
            started="$started connect"
        fi
        wait_connect
        has "$started" connect && say "connect: ready on $(svc_ports_desc connect) (pid $(svc_pid connect))"
    fi

    print_env > "$STACK/env.tmp"
    mv -f "$STACK/env.tmp" "$STACK/env"
    if [ -n "$started" ]; then
        say "up in $(( $(date +%s) - t0 ))s:$started (endpoints also in $STACK/env)"
    else
        info "everything was already running"
    fi
    print_env
}

cmd_down() {
    local s
    for s in $(reverse_words "$@"); do
        if svc_running "$s"; then
            info "$s: stopping (pid $(svc_pid "$s"))"
            "stop_${s//-/_}"
            say "$s: stopped"
        else
            info "$s: not running"
            # a stale pid file of ours is removed; postgres manages its own
            [ "$s" = postgres ] || rm -f "$(svc_pidfile "$s")"
            if [ "$s" = clickhouse ]; then rm -f "$CH_ENGINE_FILE"; fi
        fi
    done
}

cmd_purge() {
    cmd_down $ALL_SERVICES
    say "purging data and logs in $STACK (downloaded jars and ClickHouse engine kept)"
    rm -rf "$PG_DATA" "$STACK/pg.init" "$CH_DIR" "$CH_CURRENT_DIR" "$REDIS_DIR" "$KAFKA_DIR" \
        "$CONNECT_DIR" "$CONF_DIR" "$RUN_DIR" "$LOG_DIR" "$STACK/env"
    case "$PG_SOCKET_DIR" in /tmp/novafeed-pg-*) rm -rf "$PG_SOCKET_DIR" ;; esac
}

cmd_status() {
    local s all=0 pid w=10 engine
    for s in "$@"; do [ "${#s}" -le "$w" ] || w="${#s}"; done
    for s in "$@"; do
        engine="$(svc_engine_desc "$s")"
        if svc_running "$s"; then
            pid="$(svc_pid "$s")"
            printf '%-*s running  pid %-8s %s%s\n' "$w" "$s" "$pid" "$(svc_ports_desc "$s")" "${engine:+  engine $engine}"
        else
            printf '%-*s stopped  %-12s %s%s\n' "$w" "$s" "-" "$(svc_ports_desc "$s")" "${engine:+  engine $engine}"
            all=1
        fi
    done
    return "$all"
}

cmd_logs() {
    local s="$1" f
    for f in $(svc_logs "$s"); do
        echo "==> $f <=="
        if [ -f "$f" ]; then tail -n 50 "$f"; else echo "(missing)"; fi
    done
}
