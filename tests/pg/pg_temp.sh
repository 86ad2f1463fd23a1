#!/usr/bin/env bash
# pg_temp.sh [--timeout SECONDS] COMMAND [ARGS...]
#
# Runs COMMAND with ZT_TEST_PG set to the connection string of a throwaway PostgreSQL server:
# Debian's server binaries, a cluster made with initdb in a new temporary directory, reached
# only through a Unix socket in that directory (listen_addresses is empty: no TCP port), fsync
# off.  The server is stopped and the directory removed when COMMAND ends, fails, times out or
# this script is interrupted; a watchdog does it too if this script is killed outright.
#
# PostgreSQL refuses to run as root: when started by root (CI), initdb and the server run as
# the `postgres` user that Debian's package creates (or `nobody` without it), owning the
# temporary directory; otherwise as the current user.  The test itself keeps the caller's uid.
#
# Exit status: COMMAND's; 77 (ctest's SKIP_RETURN_CODE) when no PostgreSQL server is installed
# (scripts/setup.sh installs it), with the reason on stderr; 1 when the server does not start
# (its log is shown).  If ZT_TEST_PG is already set (a server of your own), COMMAND runs against
# it directly.  ZT_PG_TEMP_OPTS adds server options ("-c name=value ...") to the ones below.
set -uo pipefail

timeout_s=240
if [[ ${1:-} == --timeout ]]; then
    timeout_s=$2
    shift 2
fi
if (($# == 0)); then
    echo "usage: $0 [--timeout SECONDS] COMMAND [ARGS...]" >&2
    exit 2
fi

if [[ -n ${ZT_TEST_PG:-} ]]; then
    exec timeout -k 5 "$timeout_s" "$@"
fi

# ---- the server binaries -----------------------------------------------------------------------

bindir=""
if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    [[ -x $d/initdb && -x $d/postgres ]] && bindir=$d
fi
if [[ -z $bindir ]]; then
    # Debian: /usr/lib/postgresql/<major>/bin; the newest installed
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n); do
        [[ -x $d/initdb && -x $d/postgres ]] && bindir=$d
    done
fi
if [[ -z $bindir ]]; then
    echo "SKIP: no PostgreSQL server installed (initdb and postgres not found under" \
         "pg_config --bindir or /usr/lib/postgresql/*/bin; apt-get install postgresql)" >&2
    exit 77
fi

# ---- who runs it ---------------------------------------------------------------------------------

as_server=()
server_user=$(id -un)
if (($(id -u) == 0)); then
    if id -u postgres >/dev/null 2>&1; then
        server_user=postgres
    else
        server_user=nobody
    fi
    if command -v runuser >/dev/null 2>&1; then
        as_server=(runuser -u "$server_user" --)
    else
        as_server=(setpriv --reuid="$server_user" --regid="$(id -g "$server_user")"
                   --clear-groups --)
    fi
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-pg.XXXXXX") || exit 1
chmod 0755 "$tmp"
data=$tmp/data
sock=$tmp/sock
mkdir -p "$sock"
if ((${#as_server[@]} > 0)); then
    chown -R "$server_user" "$tmp"
fi

stopped=0
stop_server() {
    ((stopped)) && return 0
    stopped=1
    if [[ -f $data/postmaster.pid ]]; then
        (cd "$tmp" && "${as_server[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w -t 20 stop) \
            >/dev/null 2>&1 || true
    fi
    [[ -n ${watchdog:-} ]] && kill "$watchdog" 2>/dev/null
    rm -rf "$tmp"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the cluster -----------------------------------------------------------------------------------

# From inside $tmp: the server user may not be allowed into the caller's working directory.
cd "$tmp" || exit 1
if ! "${as_server[@]}" "$bindir/initdb" -D "$data" -U zt -A trust -E UTF8 --locale=C \
        --no-sync >"$tmp/initdb.log" 2>&1; then
    echo "pg_temp.sh: initdb failed:" >&2
    cat "$tmp/initdb.log" >&2
    exit 1
fi
opts="-c listen_addresses='' -k $sock -c fsync=off -c synchronous_commit=off"
opts+=" -c full_page_writes=off -c shared_buffers=16MB -c max_connections=40"
opts+=" -c dynamic_shared_memory_type=mmap -c max_wal_size=256MB"
# More server settings from the caller (the benchmark asks for PostgreSQL's default buffers).
opts+=" ${ZT_PG_TEMP_OPTS:-}"
if ! "${as_server[@]}" "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 30 -o "$opts" \
        start >/dev/null 2>&1; then
    echo "pg_temp.sh: the server did not start:" >&2
    cat "$tmp/server.log" >&2
    exit 1
fi
# pg_ctl puts the server in a session of its own: if this script is killed outright (no trap
# runs), the watchdog, in a session of its own too, stops it once this script is gone.
script_pid=$$
setsid bash -c 'while kill -0 '"$script_pid"' 2>/dev/null; do sleep 1; done
    cd "$1" && "${@:3}" "$2/pg_ctl" -D "$1/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$1"' watchdog "$tmp" "$bindir" "${as_server[@]}" </dev/null >/dev/null 2>&1 &
watchdog=$!

cd "$OLDPWD" || exit 1
export ZT_TEST_PG="host=$sock port=5432 dbname=postgres user=zt"
timeout -k 5 "$timeout_s" "$@"
rv=$?
if ((rv == 124)); then
    echo "pg_temp.sh: $1 did not finish in ${timeout_s} s" >&2
fi
exit "$rv"
