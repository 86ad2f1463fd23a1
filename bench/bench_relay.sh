#!/usr/bin/env bash
# bench_relay.sh: the TCP fallback relay (zt-relay, docs/relay.md) beside direct UDP, on
# loopback, in one run: throughput of ~1400-byte datagrams echoed, round trip median and p99,
# relay CPU per Gbit/s relayed, and the relay's memory per idle tunnel (bench/bench_relay.c
# says how each is measured).  Prints figures; no pass/fail.
#
#   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/release --target zt-relay bench_relay
#   bash bench/bench_relay.sh [--build DIR] [--seconds S] [--idle N] [--idle-udp N]
#                             [--client-rate B]
#
# The relay runs with --client-rate 0 (no per-client limit: the default 10 MB/s would be the
# figure measured) unless --client-rate is given, and --max-clients above the idle count.
# --idle N (10000) clients only say hello; --idle-udp N (9000) also have a datagram echoed,
# so that the relay holds a UDP socket for each: two descriptors per tunnel in the relay, so
# N is bounded by the open files limit (ulimit -Hn) / 2.  The relay is stopped at the end
# (SIGTERM) and its counters line printed.  Nothing leaves loopback.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build/release
seconds=5
idle=10000
idle_udp=9000
rate=0

usage() {
    echo "usage: $0 [--build DIR] [--seconds S] [--idle N] [--idle-udp N] [--client-rate B]" >&2
    exit 2
}
while (($#)); do
    case $1 in
    --build) build=$(realpath "$2"); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --idle-udp) idle_udp=$2; shift 2 ;;
    --client-rate) rate=$2; shift 2 ;;
    *) usage ;;
    esac
done

relay=$build/apps/zt-relay/zt-relay
bench=$build/bench/bench_relay
[[ -x $relay && -x $bench ]] || { echo "build zt-relay and bench_relay in $build first" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-bench-relay.XXXXXX")
pid=
cleanup() {
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [[ ${ZT_KEEP_TMP:-0} == 1 ]] || rm -rf "$tmp"
}
trap cleanup EXIT

max=$((idle > idle_udp ? idle : idle_udp))
"$relay" --bind 127.0.0.1 --port 0 --client-rate "$rate" --max-clients $((max + 16)) \
    2>"$tmp/relay.log" &
pid=$!
for _ in $(seq 50); do
    grep -q 'listening on' "$tmp/relay.log" && break
    sleep 0.1
done
port=$(grep -Eo 'listening on 127\.0\.0\.1 port [0-9]+' "$tmp/relay.log" | grep -Eo '[0-9]+$') ||
    { cat "$tmp/relay.log" >&2; exit 1; }

echo "zt-relay $("$relay" --version) on 127.0.0.1/$port (pid $pid, --client-rate $rate)," \
    "$(nproc) CPUs, $(uname -r)"
grep ' warn ' "$tmp/relay.log" || true
"$bench" --port "$port" --pid "$pid" --seconds "$seconds" --idle "$idle" --idle-udp "$idle_udp"

kill -TERM "$pid"
wait "$pid" || echo "zt-relay exited with $?"
pid=
grep -o 'counters .*' "$tmp/relay.log" | fold -s -w 100
