#!/usr/bin/env bash
# bench_zts.sh: builds a private ZeroTier world on loopback and runs bench_zts (the 1.3 API)
# and bench_zts_modern (the modern API) in it, then prints one table: kernel TCP, libzt 1.3
# and libzt-modern, each library with its ratio to the kernel (see the headers of
# bench/bench_zts.c and bench/bench_zts_modern.c for what is measured and how).
#
#   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DZT_BUILD_LWIP=ON
#   cmake --build build/bench -j2 --target zt-service zt-idtool zt-ctltool bench_zts \
#         bench_zts_modern
#   bash bench/bench_zts.sh [--build DIR] [--seconds S] [--cold N] [--libzt-only]
#                           [--no-modern | --modern-first] [--profile [--perf-out DIR]]
#
# --no-modern: kernel TCP and libzt 1.3 only (bench_zts_modern need not be built).  The three
# are measured one after the other in the same run: kernel, 1.3 (starts, then sockets), modern
# (starts, then sockets), or with --modern-first the modern library first; each program
# appends its columns to $tmp/results and `bench_zts table` prints them.  On a shared machine
# the load moves between the parts: compare runs in both orders.
#
# The world: identities made with zt-idtool for the root, the two benchmark nodes (a, b) and
# N cold-start homes, and the same again for the modern library (ma, mb, mcold1..N, with the
# planet also as `roots`, the name the modern API's storage reads); a planet (zt-idtool
# mkplanet) naming the root at 127.0.0.1/<port>; a private network in the controller's SQLite
# store (zt-ctltool) with an IPv4 pool and every member authorized ahead; the root =
# controller as `zt-service --controller --bind-loopback --allow-loopback`.  The library
# nodes' homes hold the planet and their identity only; with roots on 127.0.0.1 they accept
# loopback paths and talk to each other directly.
#
# --profile runs only the libzt 1.3 single stream under `perf record -e cpu-clock -g` (this
# machine has no hardware counters) and prints perf reports by thread and by symbol;
# perf.data goes to --perf-out (default: the temp directory, which is then kept).
#
# Every process started here is stopped by the EXIT trap (TERM, then KILL after 10 s).  The
# temp directory is removed unless ZT_KEEP_TMP=1 (or --profile without --perf-out).  Nothing
# leaves loopback.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build/bench
secs=3
cold=5
profile=0
only=
perf_out=
modern=1
modern_first=0

usage() {
    echo "usage: $0 [--build DIR] [--seconds S] [--cold N] [--libzt-only]" \
        "[--no-modern | --modern-first]" \
        "[--profile [--perf-out DIR]]" >&2
    exit 2
}
while (($#)); do
    case $1 in
    --build) build=$(realpath "$2"); shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    --cold) cold=$2; shift 2 ;;
    --profile) profile=1; shift ;;
    --libzt-only) only=-L; shift ;;
    --no-modern) modern=0; shift ;;
    --modern-first) modern_first=1; shift ;;
    --perf-out) perf_out=$(realpath -m "$2"); shift 2 ;;
    -h | --help) usage ;;
    *) usage ;;
    esac
done

bench=$build/bench/bench_zts
bench_m=$build/bench/bench_zts_modern
svc=$build/apps/zt-service/zt-service
idtool=$build/apps/zt-idtool/zt-idtool
ctltool=$build/tests/integration/zt-ctltool
((profile)) && modern=0
need=("$bench" "$svc" "$idtool" "$ctltool")
((modern)) && need+=("$bench_m")
for b in "${need[@]}"; do
    [[ -x $b ]] || { echo "bench_zts.sh: $b missing: build $build first (Release)" >&2; exit 1; }
done
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "bench_zts.sh: warning: $build is not a Release build; figures mean little" >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-bench.XXXXXX")
pids=()
name=bench_zts
budget=300
t0=$SECONDS
# With --profile and no --perf-out, perf.data lives in $tmp: keep it.
if ((profile == 1)) && [[ -z $perf_out ]]; then keep_tmp=1; fi
# log, fail, identities, ctl, pool_network, start_root; the EXIT trap stops every process in
# |pids| and removes $tmp unless ZT_KEEP_TMP=1 or |keep_tmp|.
# shellcheck source=../tests/integration/lib.sh
source "$top/tests/integration/lib.sh"
trap - ERR

# ---- identities (in parallel: each one is a memory-hard hash search of ~0.2 s)
homes=(root a b)
for ((i = 1; i <= cold; i++)); do homes+=("cold$i"); done
mhomes=()
if ((modern)); then
    mhomes=(ma mb)
    for ((i = 1; i <= cold; i++)); do mhomes+=("mcold$i"); done
    homes+=("${mhomes[@]}")
fi
identities "${homes[@]}"
nwid="$(addr root)0000b1"

# ---- the controller's store: a private network, every member authorized ahead
pool_network "$nwid" bench 10.79.0 10 200 false "${homes[@]:1}"

# ---- the planet and the root (a new random port if the chosen one is taken)
common=(--bind-loopback --allow-loopback --log-level debug)
start_root 00000000b3c4b001 "${homes[@]:1}" -- --controller
for h in "${mhomes[@]}"; do cp "$tmp/$h/planet" "$tmp/$h/roots"; done
log "world ready in $((SECONDS - t0)) s: root $(addr root) on 127.0.0.1/$port, network $nwid"

# ---- the benchmark
if ((profile)); then
    command -v perf >/dev/null || { echo "bench_zts.sh: perf not found" >&2; exit 1; }
    out=${perf_out:-$tmp}
    mkdir -p "$out"
    # DWARF unwinding: the Release build has no frame pointers, libc and libcrypto neither.
    perf record -e cpu-clock -F 999 --call-graph dwarf,16384 -o "$out/perf.data" -- \
        "$bench" run -P -t "$secs" "$tmp" "$nwid" 2>&1 | grep -v '^\[ perf record'
    log "perf.data in $out"
    # In perf's reports the "pid" key is the thread.  On this paravirtualized guest, kernel time
    # spent with interrupts off shows up at pvm_irq_enable: read it through the inclusive view.
    echo "---- CPU samples per thread (pid:comm; bz-* are the benchmark's own threads)"
    perf report -i "$out/perf.data" --stdio --no-children --sort pid -g none 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -n 12 || true
    echo "---- self time by thread and symbol (>= 0.7% of all samples)"
    perf report -i "$out/perf.data" --stdio --no-children --sort pid,dso,sym -g none \
        --percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 50 || true
    echo "---- inclusive time by symbol (>= 4% of all samples)"
    perf report -i "$out/perf.data" --stdio --children --sort sym -g none \
        --percent-limit 4 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 70 || true
elif ((modern == 0)); then
    "$bench" run $only -t "$secs" -c "$cold" "$tmp" "$nwid"
elif [[ -n $only ]]; then
    "$bench" run $only -t "$secs" "$tmp" "$nwid"
    "$bench_m" run $only -t "$secs" "$tmp" "$nwid"
else
    run13=("$bench" run -t "$secs" -c "$cold" -o "$tmp/results" "$tmp" "$nwid")
    runm=("$bench_m" run -K -t "$secs" -c "$cold" -o "$tmp/results" "$tmp" "$nwid")
    if ((modern_first)); then "${runm[@]}"; "${run13[@]}"; else "${run13[@]}"; "${runm[@]}"; fi
    "$bench" table "$tmp/results"
fi
log "done in $((SECONDS - t0)) s"
