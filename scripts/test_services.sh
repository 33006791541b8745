#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for the scale-out tests (tests/test_scale_*.py, tests/test_search_contract.py).
#
#   eval "$(scripts/test_services.sh start)"   # installs if missing, starts both, prints two export lines
#   scripts/test_services.sh stop              # stops both and removes their data folders
#
# Both listen on loopback only, on their own ports, with their data under a temporary folder; nothing
# is persisted. PostgreSQL refuses to run as root, so it runs as the `postgres` user the Debian package
# creates; Redis runs as `redis`. Idempotent: a second start reuses running servers, stop of a stopped
# pair does nothing. Everything but the export lines goes to stderr.
set -euo pipefail

PG_PORT=${CONGVAN_TEST_PG_PORT:-54329}
REDIS_PORT=${CONGVAN_TEST_REDIS_PORT:-63799}
BASE=${CONGVAN_TEST_SERVICES_DIR:-${TMPDIR:-/tmp}/congvan-test-services-$PG_PORT}
PG_DIR=$BASE/pg
REDIS_DIR=$BASE/redis
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
PACKAGES="postgresql postgresql-contrib redis-server"

say() { echo "test_services: $*" >&2; }

pg_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bin" ] || { say "no PostgreSQL binaries under /usr/lib/postgresql"; exit 1; }
    echo "$bin"
}

as_user() {  # run a command as a service user (we are root in CI), or as ourselves otherwise
    local user=$1; shift
    if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

install_missing() {
    local missing=""
    for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    if [ -n "$missing" ]; then
        say "installing$missing"
        $SUDO apt-get update -qq >&2
        # policy-rc.d: the packages' own system services must not start (we run our own instances)
        $SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq $missing >&2
    fi
}

start_pg() {
    local bin; bin=$(pg_bin)
    if [ -d "$PG_DIR" ] && as_user postgres "$bin/pg_ctl" status -D "$PG_DIR" >/dev/null 2>&1; then
        say "PostgreSQL already running on $PG_PORT"
        return
    fi
    mkdir -p "$BASE"
    chmod 755 "$BASE"
    if [ ! -s "$PG_DIR/PG_VERSION" ]; then
        rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"
        [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
        # trust on loopback: a throwaway server for tests, reachable only from this machine
        as_user postgres "$bin/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >&2
    fi
    as_user postgres "$bin/pg_ctl" start -D "$PG_DIR" -w -t 60 -l "$PG_DIR/server.log" \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2
}

start_redis() {
    if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        say "Redis already running on $REDIS_PORT"
        return
    fi
    mkdir -p "$REDIS_DIR"
    chmod 755 "$BASE"
    [ "$(id -u)" = 0 ] && chown redis:redis "$REDIS_DIR"
    as_user redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$REDIS_DIR" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" >&2
    for _ in $(seq 50); do
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && return
        sleep 0.1
    done
    say "Redis did not start; see $REDIS_DIR/redis.log"; exit 1
}

stop_all() {
    local bin
    if [ -d "$PG_DIR" ]; then
        bin=$(pg_bin)
        as_user postgres "$bin/pg_ctl" stop -D "$PG_DIR" -m fast -w >&2 2>/dev/null || true
    fi
    if [ -f "$REDIS_DIR/redis.pid" ]; then
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        for _ in $(seq 50); do
            [ -f "$REDIS_DIR/redis.pid" ] && kill -0 "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -rf "$BASE"
    say "stopped; removed $BASE"
}

case "${1:-}" in
    start)
        install_missing
        start_pg
        start_redis
        echo "export CONGVAN_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
        echo "export CONGVAN_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
        ;;
    stop)
        stop_all
        ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
