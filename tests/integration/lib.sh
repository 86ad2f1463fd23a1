# lib.sh: what the multi-process loopback tests share.  Source it after setting |name| (the
# test's name for log lines), |tmp| (its temp directory), |pids| (an array of the processes
# it starts), |idtool|, and |budget| and |t0| (the overall time bound, for left and wait_for);
# it installs the traps that stop every process and keep or remove |tmp|.

log() { printf '[%s] %s\n' "$name" "$*"; }

# Seconds left of the test's overall budget (|budget| seconds from |t0|; at least 1).
left() { local l=$((${budget:-60} - (SECONDS - ${t0:-0}))); ((l > 0)) && echo "$l" || echo 1; }

# wait_for <seconds> <file> <extended regex>: true once the file has a matching line; never
# waits beyond the overall budget.
wait_for() {
    local s=$1 deadline
    ((s > $(left))) && s=$(left)
    deadline=$((SECONDS + s))
    while ((SECONDS < deadline)); do
        grep -Eq -- "$3" "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

fail() { log "FAIL: $*"; exit 1; }

# Stops every process in |pids|: SIGTERM, then SIGKILL after 10 s.
stop_all() {
    local p deadline
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    deadline=$((SECONDS + 10))
    for p in "${pids[@]}"; do
        while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    pids=()
}

# On exit: stop everything; on failure show the end of every log; ZT_KEEP_TMP=1 keeps |tmp|.
cleanup() {
    local rc=$?
    stop_all
    if ((rc != 0)); then
        for f in "$tmp"/*.log; do
            [[ -f $f ]] || continue
            echo "----- $f (last 60 lines)"
            tail -n 60 "$f"
        done
    fi
    if [[ ${ZT_KEEP_TMP:-0} == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
trap 'log "FAIL: command at line $LINENO exited with $?"' ERR

# make_planet <world id> <port> <home>...: a planet naming $tmp/root (identity.public) at
# 127.0.0.1/<port>, signed by zt-idtool mkplanet and copied into each home directory.
make_planet() {
    local id=$1 port=$2 h
    shift 2
    mkdir -p "$tmp/keys"
    cat >"$tmp/planet.json" <<JSON
{ "id": "$id",
  "roots": [ { "identity": "$(cat "$tmp/root/identity.public")",
               "stableEndpoints": ["127.0.0.1/$port"] } ] }
JSON
    (cd "$tmp/keys" && "$idtool" mkplanet "$tmp/planet.json" -o "$tmp/planet" >/dev/null 2>&1)
    for h in "$@"; do cp "$tmp/planet" "$tmp/$h/planet"; done
}

# start_root <world id> <home>... [-- <zt-service argument>...]: starts zt-service on
# $tmp/root (log $tmp/root.log) at a random port, named in a planet that make_planet writes
# into $tmp/root and every <home>, and waits for its "role=root" and "I/O thread started"
# lines; a port taken meanwhile is tried again, five times at most.  Uses |svc| and the
# |common| arguments; sets |port|.
start_root() {
    local id=$1 homes=(root) attempt
    shift
    while (($# > 0)) && [[ $1 != -- ]]; do
        homes+=("$1")
        shift
    done
    (($# > 0)) && shift
    for attempt in 1 2 3 4 5; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        make_planet "$id" "$port" "${homes[@]}"
        "$svc" -p "$port" --no-secondary-port "${common[@]}" "$@" "$tmp/root" \
            2>"$tmp/root.log" &
        pids+=($!)
        if wait_for 10 "$tmp/root.log" ' info zt-service .* role=root ' &&
            wait_for 5 "$tmp/root.log" 'I/O thread started'; then
            return 0
        fi
        grep -q 'cannot bind' "$tmp/root.log" || fail "root did not start"
        stop_all
    done
    fail "root could not bind a port"
}
