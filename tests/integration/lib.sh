# lib.sh: what the multi-process loopback tests share.  Source it after setting |name| (the
# test's name for log lines), |tmp| (its temp directory), |pids| (an array of the processes
# it starts), |idtool|, and |budget| and |t0| (the overall time bound, for left and wait_for);
# it installs the traps that stop every process and keep or remove |tmp| (kept with
# ZT_KEEP_TMP=1, or when the caller sets |keep_tmp| to 1).

# No zt-service a test starts maps ports on a gateway (docs/service.md, "Port mapping"): no
# SSDP search or NAT-PMP request may leave a test.  port_mapping.sh lifts it for its nodes,
# inside the namespaces it makes.
export ZT_NO_PORT_MAPPING=1

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

# On exit: stop everything, run the test's on_cleanup if it defines one; on failure show the
# end of every log; ZT_KEEP_TMP=1 keeps |tmp|.
cleanup() {
    local rc=$?
    stop_all
    if declare -F on_cleanup >/dev/null; then on_cleanup; fi # the test's own (netns, ...)
    if ((rc != 0)); then
        for f in "$tmp"/*.log; do
            [[ -f $f ]] || continue
            echo "----- $f (last 60 lines)"
            tail -n 60 "$f"
        done
    fi
    if [[ ${ZT_KEEP_TMP:-0} == 1 || ${keep_tmp:-0} == 1 ]]; then
        log "kept $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
trap 'log "FAIL: command at line $LINENO exited with $?"' ERR

# wait_exit <seconds> <pid>: true once the process has ended; its status goes to |status| and
# it leaves |pids|.  False if it is still running after the (bounded) wait.
wait_exit() {
    local s=$1 p=$2 deadline q keep=()
    ((s > $(left))) && s=$(left)
    deadline=$((SECONDS + s))
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -0 "$p" 2>/dev/null && return 1
    status=0
    wait "$p" || status=$?
    for q in "${pids[@]}"; do [[ $q == "$p" ]] || keep+=("$q"); done
    pids=("${keep[@]}")
    return 0
}

# expect_clean_stop <home>...: every process in |pids| (already sent its signal) exits with
# status 0 within 10 s; |pids| is then empty, and each home's log ($tmp/<home>.log) ends with
# its "stopped" line and leaves no zerotier-one.pid behind.
expect_clean_stop() {
    local p rc deadline h
    for p in "${pids[@]}"; do
        rc=0
        deadline=$((SECONDS + 10))
        while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -0 "$p" 2>/dev/null && fail "process $p did not stop within 10 s of the signal"
        wait "$p" || rc=$?
        ((rc == 0)) || fail "process $p exited with $rc after the signal"
    done
    pids=()
    for h in "$@"; do
        grep -q ' info stopped$' "$tmp/$h.log" || fail "$h: no 'stopped' line"
        [[ ! -e $tmp/$h/zerotier-one.pid ]] || fail "$h: zerotier-one.pid left behind"
    done
}

# no_sanitizer_report: fails if any log in |tmp| has an ASan, LSan, UBSan or TSan report.
no_sanitizer_report() {
    if grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer' \
        "$tmp"/*.log; then
        fail "sanitizer report"
    fi
}

# identities <home>...: a directory $tmp/<home> and a new identity in it for each home, made
# with |idtool| in parallel (each is a memory-hard hash search of ~0.2 s).
identities() {
    local h gen=()
    for h in "$@"; do
        mkdir -p "$tmp/$h"
        "$idtool" generate "$tmp/$h/identity.secret" "$tmp/$h/identity.public" >/dev/null &
        gen+=($!)
    done
    for h in "${gen[@]}"; do wait "$h" || fail "zt-idtool generate failed"; done
}

# addr <home>: the node ID (10 hex digits) of the identity in $tmp/<home>.
addr() { cut -c1-10 "$tmp/$1/identity.public"; }

# ctl <zt-ctltool argument>...: zt-ctltool (|ctltool|) on the root's controller store, signed
# by the root's identity; its output goes to $tmp/ctltool.out.
ctl() { "$ctltool" -i "$tmp/root/identity.secret" "$db" "$@" >>"$tmp/ctltool.out"; }

# pool_network <nwid> <name> <a.b.c> <first> <last> <rfc4193: true|false> <home>...: the
# root's controller store ($tmp/root/controller.d, sets |db|) with a private network: IPv4
# from a.b.c.<first>-<last>, route a.b.c.0/24, RFC 4193 IPv6 or none, an ACCEPT rule,
# multicast limit 32, broadcast; the node of every <home> authorized ahead.
pool_network() {
    local nwid=$1 net=$3 h
    db="$tmp/root/controller.d/controller.sqlite3"
    mkdir -p "$tmp/root/controller.d"
    ctl create-network "$nwid" "$(printf '{"name":"%s","private":true,
        "v4AssignMode":{"zt":true},
        "v6AssignMode":{"rfc4193":%s,"6plane":false,"zt":false},
        "ipAssignmentPools":[{"ipRangeStart":"%s.%s","ipRangeEnd":"%s.%s"}],
        "routes":[{"target":"%s.0/24"}],
        "rules":[{"type":"ACTION_ACCEPT"}],
        "multicastLimit":32,"enableBroadcast":true}' "$2" "$6" "$net" "$4" "$net" "$5" "$net")"
    shift 6
    for h in "$@"; do ctl authorize "$nwid" "$(addr "$h")"; done
}

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
# lines (|root_ready| replaces the second: another extended regex, e.g. ' info online$'); a
# port taken meanwhile is tried again, five times at most.  Uses |svc| and the |common|
# arguments; sets |port|.
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
            wait_for 5 "$tmp/root.log" "${root_ready:-I/O thread started}"; then
            return 0
        fi
        grep -q 'cannot bind' "$tmp/root.log" || fail "root did not start"
        stop_all
    done
    fail "root could not bind a port"
}

# api [netns] <home> <path>: GET on that node's local API (from inside the namespace when one
# is given); prints the body.
api() {
    local ns=() h=$1 p=$2
    if (($# == 3)); then ns=(ip netns exec "$1"); h=$2; p=$3; fi
    "${ns[@]}" curl -sf -m 10 -H "X-ZT1-Auth: $(cat "$tmp/$h/authtoken.secret")" \
        "http://127.0.0.1:$(cat "$tmp/$h/zerotier-one.port")$p"
}

# ---- programs under libztintercept.so (intercept.sh, bench/bench_intercept.sh,
# bench/bench_tunnel.sh): |lib| is the library, |nwid| the network.

# on <home> <command>...: the command under the library, on that service's network.
on() {
    local h=$1
    shift
    LD_PRELOAD=$lib ZT_NC_NETWORK=$tmp/$h/nc_$nwid "$@"
}

# ip_of <home>: the service's IPv4 address on the network (its "network ... ok" line).
ip_of() {
    grep -m1 -o ' ok mac=.* ips=[^ ]*' "$tmp/$1.log" | sed 's/.*ips=//' | tr ',' '\n' |
        grep -m1 -o '^[0-9.]*\.[0-9]*'
}

# rps <file> <SET|GET>: requests per second from redis-benchmark -q output.
rps() { tr '\r' '\n' <"$1" | sed -n "s/^$2: \([0-9.]*\) requests per second.*/\1/p" | tail -1; }
# mbps <bytes per second>: MiB/s with one decimal.
mbps() { awk -v s="$1" 'BEGIN { printf "%.1f", s / 1048576 }'; }
