# shellcheck shell=bash disable=SC2034,SC2086
# (service lists are space-separated words on purpose; render() reads variables by name)
# scripts/stack --cluster: a real replicated ClickHouse (sourced, not executed). Debian's
# ZooKeeper (standalone) and two Debian ClickHouse 18.16 servers, ch-replica1 and
# ch-replica2, as cluster `novafeed`: one shard, two replicas, on loopback, beside the
# stack's own `clickhouse` (which stays a single server). docs/cluster.md.

ZK_PORT="${NOVAFEED_ZK_PORT:-12181}"
REPLICA1_HTTP_PORT="${NOVAFEED_CH_REPLICA1_HTTP_PORT:-18124}"
REPLICA2_HTTP_PORT="${NOVAFEED_CH_REPLICA2_HTTP_PORT:-18125}"
REPLICA1_TCP_PORT="${NOVAFEED_CH_REPLICA1_TCP_PORT:-19124}"
REPLICA2_TCP_PORT="${NOVAFEED_CH_REPLICA2_TCP_PORT:-19125}"
REPLICA1_INTERSERVER_PORT="${NOVAFEED_CH_REPLICA1_INTERSERVER_PORT:-19224}"
REPLICA2_INTERSERVER_PORT="${NOVAFEED_CH_REPLICA2_INTERSERVER_PORT:-19225}"
ZK_DIR="$STACK/zookeeper"
CLUSTER_SERVICES="zookeeper ch-replica1 ch-replica2"
CLUSTER_NAME=novafeed

is_cluster_service() { case " $CLUSTER_SERVICES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

cl_pidfile() { echo "$RUN_DIR/$1.pid"; }
cl_pid() { read_pidfile "$(cl_pidfile "$1")"; }
cl_pattern() {
    case "$1" in
        zookeeper) echo "$ZK_DIR/zoo.cfg" ;;
        *) echo "$STACK/$1/config.xml" ;;
    esac
}
cl_running() { pid_alive "$(cl_pid "$1")" "$(cl_pattern "$1")"; }
cl_n() { echo "${1#ch-replica}"; }
cl_http_port() { local n; n="$(cl_n "$1")"; eval echo "\$REPLICA${n}_HTTP_PORT"; }
cl_ports_desc() {
    case "$1" in
        zookeeper) echo "127.0.0.1:$ZK_PORT" ;;
        *) local n; n="$(cl_n "$1")"
           eval echo "127.0.0.1:\$REPLICA${n}_HTTP_PORT \(http\) :\$REPLICA${n}_TCP_PORT \(tcp\) :\$REPLICA${n}_INTERSERVER_PORT \(interserver\)" ;;
    esac
}
cl_logs() {
    case "$1" in
        zookeeper) echo "$LOG_DIR/zookeeper.log $LOG_DIR/zookeeper.out" ;;
        *) echo "$LOG_DIR/$1.err.log $LOG_DIR/$1.out" ;;
    esac
}
cl_fail() {
    # shellcheck disable=SC2046
    fail_with_log "$1: $2 (logs: $(cl_logs "$1"))" $(cl_logs "$1")
}

# cl_wait SERVICE CHECK...: like wait_until, for the cluster's services
cl_wait() {
    local svc="$1" start
    shift
    start="$(date +%s)"
    until "$@" >/dev/null 2>&1; do
        cl_running "$svc" || { sleep 0.3; "$@" >/dev/null 2>&1 && return 0; cl_fail "$svc" "the process exited before it was ready"; }
        [ $(( $(date +%s) - start )) -lt "$STACK_TIMEOUT" ] || cl_fail "$svc" "not ready after ${STACK_TIMEOUT}s"
        sleep 0.5
    done
}

zk_ok() { [ "$(exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf ruok >&3 && timeout 2 cat <&3)" = imok ]; }

start_zookeeper() {
    local java
    java="$(find_java)" || die "zookeeper: no java >= 17 found (scripts/stack install)"
    [ -s /usr/share/java/zookeeper.jar ] || die "zookeeper: /usr/share/java/zookeeper.jar is missing (apt-get install zookeeper, or scripts/stack install --cluster)"
    mkdir -p "$ZK_DIR/data"
    render "$STACK_SRC/cluster/zoo.cfg.in" "$ZK_DIR/zoo.cfg" ZK_DIR ZK_PORT
    cp -f "$STACK_SRC/cluster/log4j.properties" "$ZK_DIR/log4j.properties"
    ensure_port_free "$ZK_PORT" zookeeper
    info "zookeeper: starting on 127.0.0.1:$ZK_PORT"
    spawn_detached "$(cl_pidfile zookeeper)" "$LOG_DIR/zookeeper.out" \
        "$java" -Xms64m -Xmx256m -Dzookeeper.log.file="$LOG_DIR/zookeeper.log" \
        -Dlog4j.configuration="file:$ZK_DIR/log4j.properties" \
        -cp "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar" org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZK_DIR/zoo.cfg"
}

start_replica() {
    local svc="$1" n REPLICA="$1" REPLICA_DIR="$STACK/$1" SHARD2 bin pidfile
    local REPLICA_HTTP_PORT REPLICA_TCP_PORT REPLICA_INTERSERVER_PORT
    n="$(cl_n "$svc")"
    SHARD2="0$n"
    eval "REPLICA_HTTP_PORT=\$REPLICA${n}_HTTP_PORT REPLICA_TCP_PORT=\$REPLICA${n}_TCP_PORT REPLICA_INTERSERVER_PORT=\$REPLICA${n}_INTERSERVER_PORT"
    mkdir -p "$REPLICA_DIR/data" "$REPLICA_DIR/tmp" "$REPLICA_DIR/user_files" "$REPLICA_DIR/format_schemas"
    render "$STACK_SRC/cluster/config.xml.in" "$REPLICA_DIR/config.xml" \
        LOG_DIR REPLICA REPLICA_DIR REPLICA_HTTP_PORT REPLICA_TCP_PORT REPLICA_INTERSERVER_PORT \
        ZK_PORT REPLICA1_TCP_PORT REPLICA2_TCP_PORT SHARD2
    render "$STACK_SRC/clickhouse/users.xml.in" "$REPLICA_DIR/users.xml"
    ensure_port_free "$REPLICA_HTTP_PORT" "$svc"
    ensure_port_free "$REPLICA_TCP_PORT" "$svc"
    ensure_port_free "$REPLICA_INTERSERVER_PORT" "$svc"
    bin="$(clickhouse_bin)"
    pidfile="$(cl_pidfile "$svc")"
    rm -f "$pidfile"
    info "$svc: starting Debian's engine on 127.0.0.1:$REPLICA_HTTP_PORT"
    if ! (cd "$REPLICA_DIR" && "$bin" --config-file="$REPLICA_DIR/config.xml" --pid-file="$pidfile" --daemon \
            </dev/null >>"$LOG_DIR/$svc.out" 2>&1 9>&-); then
        cl_fail "$svc" "clickhouse-server --daemon failed"
    fi
    local i=0
    while [ ! -s "$pidfile" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$(( i + 1 )); done
    [ -s "$pidfile" ] || cl_fail "$svc" "clickhouse-server wrote no pid file $pidfile"
}

# the replica answers, sees ZooKeeper (system.zookeeper) and knows the cluster
replica_ready() {
    local port="$1"
    ch_ping "$port" &&
        [ "$(ch_query "SELECT count() FROM system.clusters WHERE cluster = '$CLUSTER_NAME'" "$port" 5)" = 2 ] &&
        ch_query "SELECT count() FROM system.zookeeper WHERE path = '/'" "$port" 5 >/dev/null
}

cluster_install() {
    deb_installed zookeeper || apt_install zookeeper
    if ! find_java >/dev/null; then apt_install openjdk-17-jre-headless; fi
    deb_installed clickhouse-server || apt_install clickhouse-server clickhouse-client
}

# cluster_up SERVICE...: start the ones not running (ZooKeeper first), wait for each
cluster_up() {
    local s started=""
    cluster_install
    for s in $CLUSTER_SERVICES; do
        has "$*" "$s" || continue
        if cl_running "$s"; then
            info "$s: already running (pid $(cl_pid "$s"))"
            continue
        fi
        case "$s" in zookeeper) start_zookeeper ;; *) start_replica "$s" ;; esac
        started="$started $s"
        if [ "$s" = zookeeper ]; then cl_wait zookeeper zk_ok; fi
    done
    for s in ch-replica1 ch-replica2; do
        has "$*" "$s" || continue
        cl_wait "$s" replica_ready "$(cl_http_port "$s")"
    done
    for s in $started; do say "$s: ready on $(cl_ports_desc "$s") (pid $(cl_pid "$s"))"; done
}

cluster_down() {
    local s pattern
    for s in $(reverse_words "$@"); do
        if cl_running "$s"; then
            info "$s: stopping (pid $(cl_pid "$s"))"
            stop_pid "$(cl_pid "$s")" "$(cl_pattern "$s")" "$s" 60
            say "$s: stopped"
        else
            info "$s: not running"
        fi
        rm -f "$(cl_pidfile "$s")"
    done
}

cluster_status() {
    local s all=0
    for s in "$@"; do
        if cl_running "$s"; then
            printf '%-11s running  pid %-8s %s\n' "$s" "$(cl_pid "$s")" "$(cl_ports_desc "$s")"
        else
            printf '%-11s stopped  %-12s %s\n' "$s" "-" "$(cl_ports_desc "$s")"
            all=1
        fi
    done
    return "$all"
}

cluster_purge() {
    cluster_down $CLUSTER_SERVICES
    rm -rf "$ZK_DIR" "$STACK/ch-replica1" "$STACK/ch-replica2"
}

# NOVAFEED_STACK_CLUSTER_*: the cluster's name and its servers, for scripts and tests (a
# comma-separated list is also what clickhouse.url takes to fail over between replicas)
print_cluster_env() {
    cat <<ENV
export NOVAFEED_STACK_CLUSTER=$CLUSTER_NAME
export NOVAFEED_STACK_CLUSTER_URLS=http://127.0.0.1:$REPLICA1_HTTP_PORT,http://127.0.0.1:$REPLICA2_HTTP_PORT
export NOVAFEED_STACK_ZOOKEEPER=127.0.0.1:$ZK_PORT
ENV
}

# $STACK/env with the cluster's lines (after cmd_up wrote the rest)
cluster_write_env() {
    { print_env; print_cluster_env; } > "$STACK/env.tmp"
    mv -f "$STACK/env.tmp" "$STACK/env"
}
