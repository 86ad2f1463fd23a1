# flood_world.sh: the loopback world of the HELLO flood test (flood.sh) and benchmark
# (bench/bench_flood.sh).  Source it after lib.sh (needs |tmp|, |pids|, |svc|, |idtool|).
#
# flood_world <world id> <homes A pings> <extra home>...: identities for root, a, b and the
# extra homes (in parallel); a planet naming the root at 127.0.0.1/<random port>; the root
# (zt-service --allow-loopback --bind-loopback, debug log), B, then A pinging the nodes of the
# given homes ("b" or "b root") every 200 ms once B is online.  Returns once A has an ECHO reply from B over a
# direct path.  Sets |common| (the leaves' options), |port|, |port_b|, |pid_root|, |pid_b|,
# |pid_a|; logs in $tmp/<home>.log.

addr() { cut -c1-10 "$tmp/$1/identity.public"; }

flood_world() {
    local id=$1 targets=$2 h started=0 attempt pings=()
    shift 2
    for h in root a b "$@"; do
        mkdir -p "$tmp/$h"
        "$idtool" generate "$tmp/$h/identity.secret" "$tmp/$h/identity.public" >/dev/null &
    done
    wait
    common=(--bind-loopback --allow-loopback)
    for attempt in 1 2 3 4 5; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        make_planet "$id" "$port" root a b "$@"
        "$svc" -p "$port" --no-secondary-port "${common[@]}" --log-level debug "$tmp/root" \
            2>"$tmp/root.log" &
        pids+=($!)
        if wait_for 10 "$tmp/root.log" 'I/O thread started'; then started=1; break; fi
        grep -q 'cannot bind' "$tmp/root.log" || fail "the root did not start"
        stop_all
    done
    ((started)) || fail "the root could not bind a port"
    pid_root=${pids[-1]}

    "$svc" -p 0 "${common[@]}" "$tmp/b" 2>"$tmp/b.log" &
    pids+=($!)
    pid_b=$!
    wait_for 20 "$tmp/b.log" ' info online$' || fail "B did not come online within 20 s"
    port_b=$(cat "$tmp/b/zerotier-one.port")
    for h in $targets; do pings+=(--ping "$(addr "$h")"); done
    "$svc" -p 0 "${common[@]}" "${pings[@]}" --interval 200 "$tmp/a" 2>"$tmp/a.log" &
    pids+=($!)
    pid_a=$!
    wait_for 30 "$tmp/a.log" "echo-reply from=$(addr b) .*path=direct" ||
        fail "A got no ECHO reply from B over a direct path within 30 s"
}
