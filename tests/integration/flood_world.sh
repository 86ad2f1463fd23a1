# flood_world.sh: the loopback world of the HELLO flood test (flood.sh) and benchmark
# (bench/bench_flood.sh).  Source it after lib.sh (needs |tmp|, |pids|, |svc|, |idtool|).
#
# flood_world <world id> <homes A pings> <extra home>...: identities for root, a, b and the
# extra homes (in parallel); a planet naming the root at 127.0.0.1/<random port>; the root
# (zt-service --allow-loopback --bind-loopback, debug log), B, then A pinging the nodes of the
# given homes ("b" or "b root") every 200 ms once B is online.  Returns once A has an ECHO
# reply from B over a direct path.  Sets |common| (the leaves' options), |port|, |port_b|, |pid_root|, |pid_b|,
# |pid_a|; logs in $tmp/<home>.log.

flood_world() {
    local id=$1 targets=$2 h pings=()
    shift 2
    identities root a b "$@"
    common=(--bind-loopback --allow-loopback)
    start_root "$id" a b "$@" -- --log-level debug
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
