# shellcheck shell=bash disable=SC2034,SC2086
# (service lists are space-separated words on purpose; render() reads variables by name)
# scripts/stack install: Debian packages, Maven jars and the current ClickHouse engine
# (sourced, not executed).

JAVA="${JAVA:-}"
APT_UPDATED=0

deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_install() {
    [ $# -gt 0 ] || return 0
    [ "$(id -u)" = 0 ] || die "packages missing ($*) and not root: install them with apt-get install $*"
    local log="$LOG_DIR/install-apt.log"
    mkdir -p "$LOG_DIR"
    if [ "$APT_UPDATED" = 0 ]; then
        say "apt-get update (packages missing: $*)"
        if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1; then
            fail_with_log "apt-get update failed" "$log"
        fi
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null >>"$log" 2>&1; then
        fail_with_log "apt-get install $* failed" "$log"
    fi
}

# java_major BIN: prints the feature version (17, 21, ...) or nothing
java_major() {
    local v
    v="$("$1" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9.]*\).*/\1/p' | head -n1)" || true
    case "$v" in
        1.*) echo "${v#1.}" | cut -d. -f1 ;;
        "") ;;
        *) echo "$v" | cut -d. -f1 ;;
    esac
}

find_java() {
    local c m
    for c in ${JAVA:+"$JAVA"} ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null || true)" \
             /usr/lib/jvm/java-17-openjdk-*/bin/java /usr/lib/jvm/java-2[0-9]-openjdk-*/bin/java; do
        [ -n "$c" ] && [ -x "$c" ] || continue
        m="$(java_major "$c")"
        if [ -n "$m" ] && [ "$m" -ge 17 ]; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

# needs_current_engine SERVICE...: one of them runs the current ClickHouse engine
needs_current_engine() {
    case " $* " in
        *" clickhouse-current "*) return 0 ;;
        *" clickhouse "*) [ "$CH_ENGINE_WANTED" = current ] ;;
        *) return 1 ;;
    esac
}

install_packages() {
    local svcs=" $* " missing=() p pkgs=(curl)
    case "$svcs" in *" postgres "*) pkgs+=(postgresql-15 postgresql-client-15) ;; esac
    if [ "$CH_ENGINE_WANTED" = debian ]; then
        case "$svcs" in *" clickhouse "*) pkgs+=(clickhouse-server clickhouse-client) ;; esac
    fi
    case "$svcs" in *" redis "*) pkgs+=(redis-server redis-tools) ;; esac
    if [ "${STACK_CLUSTER:-0}" = 1 ]; then pkgs+=(zookeeper clickhouse-server clickhouse-client); fi
    case "$svcs" in *" kafka "*|*" connect "*) pkgs+=(kcat maven) ;; esac
    for p in "${pkgs[@]}"; do
        deb_installed "$p" || missing+=("$p")
    done
    if needs_current_engine $svcs; then
        # npm fetches the engine; gcc builds its launcher (the npm package has no headers:
        # chdb_server.c declares the few functions it calls)
        command -v npm >/dev/null || missing+=(npm)
        command -v gcc >/dev/null || missing+=(gcc)
        deb_installed libc6-dev || missing+=(libc6-dev)
    fi
    case "$svcs" in
        *" kafka "*|*" connect "*)
            if ! find_java >/dev/null; then
                missing+=(openjdk-17-jre-headless)
            fi ;;
    esac
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    # util-linux tools used here; present on every Debian, checked for a clear message
    for p in runuser setsid flock ss; do
        command -v "$p" >/dev/null || die "'$p' is missing (util-linux / iproute2)"
    done
}

# maven_copy NAME POM DEST: copy the runtime dependencies of POM into DEST, once per pom hash
maven_copy() {
    local name="$1" pom="$2" dest="$3" hash marker log tmp
    [ -f "$pom" ] || die "$pom is missing"
    # keyed by the pom and the copy options: a change of either fetches again
    hash="$( { cat "$pom"; echo "${4:-}"; } | sha256sum | cut -c1-64)"
    marker="$dest/.novafeed-pom.sha256"
    if [ -f "$marker" ] && [ "$(cat "$marker")" = "$hash" ]; then
        return 0
    fi
    log="$LOG_DIR/install-maven-$name.log"
    tmp="$dest.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp" "$(dirname "$dest")"
    say "fetching $name jars with Maven (log: $log)"
    local java
    java="$(find_java)" || die "no java >= 17 found (install openjdk-17-jre-headless)"
    if ! (cd "$(dirname "$pom")" && JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$java")")")" \
            mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
                -DoutputDirectory="$tmp" -DincludeScope=runtime ${4:-} </dev/null >"$log" 2>&1); then
        rm -rf "$tmp"
        fail_with_log "Maven could not fetch the $name jars from $pom" "$log"
    fi
    if ! ls "$tmp"/*.jar >/dev/null 2>&1; then
        rm -rf "$tmp"
        fail_with_log "Maven copied no jar for $name" "$log"
    fi
    echo "$hash" > "$tmp/.novafeed-pom.sha256"
    rm -rf "$dest"
    mv "$tmp" "$dest"
    info "$name: $(ls "$dest"/*.jar | wc -l) jars in $dest"
}

install_jars() {
    local svcs=" $* "
    case "$svcs" in
        *" kafka "*|*" connect "*)
            maven_copy kafka "$STACK_SRC/kafka/pom.xml" "$KAFKA_LIB" ;;
    esac
    case "$svcs" in
        *" connect "*)
            # Like Debezium's own plugin archive: Kafka's jars, Jackson core/databind and
            # slf4j-api come from the worker. (A second Jackson inside the plugin breaks
            # Debezium's converters that call into the worker's JsonConverter.)
            maven_copy debezium "$STACK_SRC/debezium/pom.xml" "$DEBEZIUM_DIR" \
                "-DexcludeGroupIds=org.apache.kafka -DexcludeArtifactIds=slf4j-api,jackson-core,jackson-databind,jackson-annotations" ;;
    esac
}

# ---------------------------------------------------------------- the current ClickHouse engine
# chdb_fetch: libchdb.so (a whole ClickHouse 26.7 engine, ~566 MB) from the npm package
# $CHDB_PACKAGE@$CHDB_VERSION into $CHDB_LIB_DIR, once. `npm pack` verifies the tarball's
# integrity against the registry's; nothing else of the package is kept.
chdb_fetch() {
    local want="$CHDB_PACKAGE@$CHDB_VERSION" marker="$CHDB_LIB_DIR/.novafeed-package"
    if [ -s "$CHDB_LIB_DIR/libchdb.so" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ]; then
        return 0
    fi
    local log="$LOG_DIR/install-chdb.log" tmp="$CHDB_LIB_DIR.tmp.$$" tgz
    mkdir -p "$LOG_DIR" "$(dirname "$CHDB_LIB_DIR")"
    # leftovers of an interrupted run (under the stack lock: no other run is using them)
    rm -rf "$CHDB_LIB_DIR".tmp.*
    mkdir -p "$tmp"
    say "fetching $want with npm (~178 MB download, ~566 MB unpacked; log: $log)"
    if ! (cd "$tmp" && npm pack "$want" --pack-destination "$tmp" </dev/null) >"$log" 2>&1; then
        rm -rf "$tmp"
        fail_with_log "npm could not fetch $want" "$log"
    fi
    tgz="$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n1)"
    if [ -z "$tgz" ] || ! tar -xzf "$tgz" -C "$tmp" package/libchdb.so >>"$log" 2>&1 ||
            [ ! -s "$tmp/package/libchdb.so" ]; then
        rm -rf "$tmp"
        fail_with_log "$want: no package/libchdb.so in the npm tarball" "$log"
    fi
    mv "$tmp/package/libchdb.so" "$tmp/libchdb.so"
    rm -rf "$tmp/package" "$tgz"
    echo "$want" > "$tmp/.novafeed-package"
    rm -rf "$CHDB_LIB_DIR"
    mv "$tmp" "$CHDB_LIB_DIR"
    info "$want: $CHDB_LIB_DIR/libchdb.so ($(du -m "$CHDB_LIB_DIR/libchdb.so" | cut -f1) MB)"
}

# chdb_build_launcher: chdb-server from stack/chdb/chdb_server.c, next to libchdb.so
# ($ORIGIN: found there wherever the stack directory is); rebuilt when the source or the
# build command changes.
chdb_build_launcher() {
    local src="$STACK_SRC/chdb/chdb_server.c" bin="$CHDB_SERVER_BIN" hash
    local marker="$CHDB_SERVER_BIN.sha256" log="$LOG_DIR/install-chdb-server.log"
    # $ORIGIN is for the dynamic linker, not the shell; -Wl, takes comma-separated words
    # shellcheck disable=SC2016,SC2054
    local cflags=(-O2 -Wall -Wextra) ldflags=(-L"$CHDB_LIB_DIR" -lchdb -Wl,-rpath,'$ORIGIN')
    [ -f "$src" ] || die "$src is missing"
    hash="$( { cat "$src"; echo "${cflags[*]} ${ldflags[*]}"; } | sha256sum | cut -c1-64)"
    if [ -x "$bin" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$hash" ]; then
        return 0
    fi
    info "building $bin from $src"
    if ! gcc "${cflags[@]}" -o "$bin.tmp.$$" "$src" "${ldflags[@]}" >"$log" 2>&1; then
        rm -f "$bin.tmp.$$"
        fail_with_log "could not build the launcher of the current ClickHouse engine" "$log"
    fi
    # a running engine keeps its old file: mv replaces the name only
    mv -f "$bin.tmp.$$" "$bin"
    echo "$hash" > "$marker"
}

cmd_install() {
    install_packages "$@"
    install_jars "$@"
    if needs_current_engine "$@"; then
        chdb_fetch
        chdb_build_launcher
    fi
    case " $* " in
        *" kafka "*|*" connect "*) JAVA="$(find_java)" || die "no java >= 17 found after installing openjdk-17-jre-headless" ;;
    esac
    info "install: everything present"
}
