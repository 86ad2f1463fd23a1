#!/usr/bin/env bash
# bench_tunnel.sh: a node's traffic through the TCP fallback relay (zt-relay) beside the same
# traffic over direct UDP, in the same run (docs/relay.md, docs/internals/runner.md "TCP
# fallback").
#
#   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release && cmake --build build/bench -j2
#   bash bench/bench_tunnel.sh [--build DIR] [--requests N] [--mb MB]
#
# The world, on loopback: a root with its controller and a pool network, zt-relay, and three
# zt-service nodes hosting their stacks: S serves (python3 -m http.server, redis-server, both
# under libztintercept.so), D reaches S over UDP, T reaches S through the relay (local.conf:
# forceTcpRelay, tcpFallbackRelay the relay, bound to 127.0.0.1 only so that nothing of T
# goes by UDP).  Printed, D beside T: curl's rate for an MB file, and redis-benchmark GET and
# SET requests per second with one client (a round trip each: the latency figure) and with 50.
# Every process started here is stopped by the EXIT trap; the temp directory is removed unless
# ZT_KEEP_TMP=1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build/bench
requests=20000
mb=100
while (($#)); do
    case $1 in
    --build) build=$(realpath "$2"); shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --mb) mb=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--requests N] [--mb MB]" >&2; exit 2 ;;
    esac
done

svc=$build/apps/zt-service/zt-service
idtool=$build/apps/zt-idtool/zt-idtool
ctltool=$build/tests/integration/zt-ctltool
lib=$build/apps/intercept/libztintercept.so
relay=$build/apps/zt-relay/zt-relay
for b in "$svc" "$idtool" "$ctltool" "$lib" "$relay"; do
    [[ -e $b ]] || { echo "bench_tunnel.sh: $b missing: build $build first (Release)" >&2; exit 1; }
done
for t in redis-server redis-benchmark curl python3; do
    command -v "$t" >/dev/null || { echo "bench_tunnel.sh: $t missing (scripts/setup.sh)" >&2; exit 1; }
done
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" 2>/dev/null ||
    echo "bench_tunnel.sh: warning: $build is not a Release build; figures mean little" >&2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-bench-tun.XXXXXX")
pids=()
name=bench_tunnel
budget=900
t0=$SECONDS
# shellcheck source=../tests/integration/lib.sh
source "$top/tests/integration/lib.sh"
trap - ERR

identities root s d t
nwid=$(addr root)0000b3
common=(--bind-loopback --allow-loopback --log-level debug --no-secondary-port)
pool_network "$nwid" bench-tun 10.82.0 10 60 false s d t
start_root 00000000b3c4b003 s d t -- --controller
"$relay" --bind 127.0.0.1 --port 0 --client-rate 0 2>"$tmp/relay.log" &
pids+=($!)
wait_for 5 "$tmp/relay.log" ' listening on .* port [1-9]' || fail "zt-relay did not start"
rport=$(grep -m1 -o ' listening on .* port [0-9]*' "$tmp/relay.log" | awk '{print $NF}')
cat >"$tmp/t/local.conf" <<JSON
{ "settings": { "forceTcpRelay": true, "tcpFallbackRelay": "127.0.0.1/$rport",
                "bind": ["127.0.0.1"] } }
JSON
for h in s d t; do
    "$svc" -p 0 "${common[@]}" --join "$nwid" "$tmp/$h" 2>"$tmp/$h.log" &
    pids+=($!)
done
for h in s d t; do
    wait_for 40 "$tmp/$h.log" "intercept: network $nwid at " || fail "$h: no socket"
    wait_for 10 "$tmp/$h.log" "network $nwid ok " || fail "$h: network not ok"
done
grep -q 'tcp relay: tunnel up' "$tmp/t.log" || fail "t does not use the relay"
ip_s=$(ip_of s)
log "world ready in $((SECONDS - t0)) s: s=$ip_s, relay on 127.0.0.1/$rport"

mkdir -p "$tmp/www"
head -c $((mb * 1048576)) /dev/urandom >"$tmp/www/f.bin"
LD_PRELOAD=$lib ZT_NC_NETWORK=$tmp/s/nc_$nwid python3 -m http.server 8000 --bind 0.0.0.0 \
    --directory "$tmp/www" >"$tmp/http.log" 2>&1 &
pids+=($!)
LD_PRELOAD=$lib ZT_NC_NETWORK=$tmp/s/nc_$nwid redis-server --port 6390 --bind 0.0.0.0 \
    --save '' --appendonly no --protected-mode no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
pids+=($!)
for h in d t; do
    deadline=$((SECONDS + 30))
    until on "$h" curl -sf -m 5 -o /dev/null "http://$ip_s:8000/" 2>/dev/null &&
        [[ $(on "$h" redis-cli -h "$ip_s" -p 6390 ping 2>/dev/null) == PONG ]]; do
        ((SECONDS < deadline)) || fail "$h cannot reach s"
        sleep 0.3
    done
done

printf '\n%-44s %14s %14s\n' "figure" "direct UDP" "TCP relay"
line() { printf '%-44s %14s %14s\n' "$@"; }
sd=$(on d curl -s -o /dev/null -w '%{speed_download}' "http://$ip_s:8000/f.bin")
st=$(on t curl -s -o /dev/null -w '%{speed_download}' "http://$ip_s:8000/f.bin")
line "curl, $mb MB (MiB/s)" "$(mbps "$sd")" "$(mbps "$st")"
for c in 1 50; do
    for h in d t; do
        on "$h" redis-benchmark -h "$ip_s" -p 6390 -q -n "$requests" -c "$c" -t set,get \
            >"$tmp/r$h$c.out" 2>&1
    done
    for op in SET GET; do
        line "redis $op, $c client(s) (req/s)" "$(rps "$tmp/rd$c.out" "$op")" \
            "$(rps "$tmp/rt$c.out" "$op")"
    done
done
grep -q 'tcp relay: tunnel closed' "$tmp/t.log" && fail "t's tunnel closed during the run"
log "done in $((SECONDS - t0)) s"
