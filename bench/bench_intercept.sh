#!/usr/bin/env bash
# bench_intercept.sh: unmodified programs through libztintercept.so and zt-service, beside the
# same programs over kernel loopback and beside two library nodes, all in the same run.
#
#   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release && cmake --build build/bench -j2
#   bash bench/bench_intercept.sh [--build DIR] [--requests N] [--mb MB]
#
# Printed:
#   - redis-benchmark -q -n N -t set,get (50 clients) against redis-server, both on kernel
#     loopback, then both under the library on two services (A runs the server, B the
#     benchmark), and the ratio (issue target: >= 30% of loopback);
#   - curl fetching an MB file from python3 -m http.server: kernel loopback, then both under
#     the library on A and B; beside it two library nodes (zts_peer push4: MB one way,
#     checked) over the same kind of world.
# The world: a root with its controller and a pool network, services A and B (zt-service, each
# with its stack), library nodes L1 and L2; every member authorized ahead, loopback only.
# Every process started here is stopped by the EXIT trap; the temp directory is removed unless
# ZT_KEEP_TMP=1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build/bench
requests=100000
mb=200
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
peer=$build/tests/zts_peer
for b in "$svc" "$idtool" "$ctltool" "$lib" "$peer"; do
    [[ -e $b ]] || { echo "bench_intercept.sh: $b missing: build $build first (Release)" >&2; exit 1; }
done
for t in redis-server redis-benchmark curl python3; do
    command -v "$t" >/dev/null || { echo "bench_intercept.sh: $t missing (scripts/setup.sh)" >&2; exit 1; }
done
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" 2>/dev/null ||
    echo "bench_intercept.sh: warning: $build is not a Release build; figures mean little" >&2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-bench-ic.XXXXXX")
pids=()
name=bench_intercept
budget=900
t0=$SECONDS
# shellcheck source=../tests/integration/lib.sh
source "$top/tests/integration/lib.sh"
trap - ERR
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b > 0 ? 100 * a / b : 0) }'; }

identities root a b l1 l2
nwid=$(addr root)0000b2
common=(--bind-loopback --allow-loopback --log-level debug)
pool_network "$nwid" bench-ic 10.81.0 10 60 true a b l1 l2
start_root 00000000b3c4b002 a b l1 l2 -- --controller
for h in a b; do
    "$svc" -p 0 "${common[@]}" --no-secondary-port --join "$nwid" "$tmp/$h" 2>"$tmp/$h.log" &
    pids+=($!)
done
for h in a b; do
    wait_for 30 "$tmp/$h.log" "intercept: network $nwid at " || fail "$h: no socket"
    wait_for 10 "$tmp/$h.log" "network $nwid ok " || fail "$h: network not ok"
done
ip_a=$(ip_of a)
log "world ready in $((SECONDS - t0)) s: services a=$ip_a b=$(ip_of b)"

# ---- redis
rport=$((30000 + RANDOM % 20000))
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
    >"$tmp/redis-k.log" 2>&1 &
pids+=($!)
until [[ $(redis-cli -p "$rport" ping 2>/dev/null) == PONG ]]; do sleep 0.2; done
redis-benchmark -p "$rport" -q -n "$requests" -t set,get >"$tmp/rk.out" 2>&1
# (env assignments on the command itself: the background job is the program, which the
# trap stops)
LD_PRELOAD=$lib ZT_NC_NETWORK=$tmp/a/nc_$nwid redis-server --port 6390 --bind 0.0.0.0 \
    --save '' --appendonly no --protected-mode no --dir "$tmp" >"$tmp/redis-z.log" 2>&1 &
pids+=($!)
deadline=$((SECONDS + 30))
until [[ $(on b redis-cli -h "$ip_a" -p 6390 ping 2>/dev/null) == PONG ]]; do
    ((SECONDS < deadline)) || fail "redis under the library never answered"
    sleep 0.2
done
on b redis-benchmark -h "$ip_a" -p 6390 -q -n "$requests" -t set,get >"$tmp/rz.out" 2>&1
printf '\n%-44s %14s %14s %8s\n' "redis-benchmark -n $requests (req/s)" "kernel lo" "intercept" "ratio"
for op in SET GET; do
    k=$(rps "$tmp/rk.out" "$op")
    z=$(rps "$tmp/rz.out" "$op")
    printf '%-44s %14s %14s %8s\n' "  $op" "$k" "$z" "$(ratio "$z" "$k")"
done

# ---- curl, MB file
mkdir -p "$tmp/www"
head -c $((mb * 1048576)) /dev/urandom >"$tmp/www/f.bin"
hport=$((30000 + RANDOM % 20000))
python3 -m http.server "$hport" --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/http-k.log" 2>&1 &
pids+=($!)
deadline=$((SECONDS + 30))
until curl -sf -m 5 -o /dev/null "http://127.0.0.1:$hport/"; do
    ((SECONDS < deadline)) || fail "http.server on loopback never answered"
    sleep 0.3
done
kspeed=$(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$hport/f.bin")
LD_PRELOAD=$lib ZT_NC_NETWORK=$tmp/a/nc_$nwid python3 -m http.server 8000 --bind 0.0.0.0 \
    --directory "$tmp/www" >"$tmp/http-z.log" 2>&1 &
pids+=($!)
deadline=$((SECONDS + 30))
until on b curl -sf -m 5 -o /dev/null "http://$ip_a:8000/" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "http.server under the library never answered"
    sleep 0.3
done
zspeed=$(on b curl -s -o "$tmp/got.bin" -w '%{speed_download}' "http://$ip_a:8000/f.bin")
cmp -s "$tmp/www/f.bin" "$tmp/got.bin" || fail "the file fetched through the library differs"

# ---- two library nodes, the same amount one way
ZTS_PEER_ALARM=300 "$peer" server "$tmp/l1" "$nwid" 7200 "$tmp/l1.stop" >"$tmp/l1.log" 2>&1 &
pids+=($!)
wait_for 60 "$tmp/l1.log" '^ready ' || fail "l1 not ready"
ip_l1=$(grep -m1 '^ready ' "$tmp/l1.log" | grep -o 'ip4=[0-9.]*' | cut -d= -f2)
ZTS_PEER_PUSH_MB=$mb ZTS_PEER_ALARM=300 "$peer" client "$tmp/l2" "$nwid" "$ip_l1" :: 7200 push4 \
    >"$tmp/l2.log" 2>&1 || fail "library push: $(tail -3 "$tmp/l2.log")"
touch "$tmp/l1.stop"
lspeed=$(grep -o 'MBps=[0-9.]*' "$tmp/l2.log" | head -1 | cut -d= -f2)
printf '\n%-44s %14s\n' "$mb MB over HTTP / TCP (MiB/s)" ""
printf '%-44s %14s\n' "  curl <- http.server, kernel loopback" "$(mbps "$kspeed")"
printf '%-44s %14s\n' "  curl <- http.server, both intercepted" "$(mbps "$zspeed")"
printf '%-44s %14s\n' "  libzt -> libzt (zts_peer push4)" "$lspeed"
log "done in $((SECONDS - t0)) s"
