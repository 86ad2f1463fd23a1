#!/usr/bin/env bash
# bench_flood.sh: what a HELLO flood from fresh identities does to a node's known peers
# (issue 9).  Builds a private world on loopback and floods one node, then the root, with
# bench_flood while a known peer keeps pinging both.
#
#   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DZT_BUILD_LWIP=ON
#   cmake --build build/release --target zt-service zt-idtool bench_flood
#   bash bench/bench_flood.sh [--build DIR] [--seconds S] [--baseline S] [--after S]
#                             [--sources N] [--pps RATE] [--pool P] [--no-root]
#
# The world: a root (`zt-service --allow-loopback --bind-loopback`, named at 127.0.0.1 by a
# planet from zt-idtool mkplanet) and two leaves A and B with --allow-loopback, which also
# turns off the per-prefix gate of vl1.md §5.9 for loopback sources: only the node's global
# budget (src/core/idcheck.c) stands between the flood and its CPU.  A pings B and the root
# every 200 ms (`--ping`; a node answers one ECHO per path per 166 ms, so a shorter interval
# measures the responder's rate gate, not the flood).
#
# Phases: baseline (--baseline, 10 s); B flooded (--seconds, 30 s) by bench_flood from
# --sources (200) addresses 127.A.B.1 in as many /24s, as fast as it can (--pps 0), each HELLO
# from an identity B has not seen (--pool 20000 made ahead and cycled: B remembers the last 64
# that failed, so each is new work to it); after (--after, 20 s); then the same against the
# root (unless --no-root).  A new legitimate node starts 5 s into each flood and pings B.
# Last, SIGTERM to B and then to the root 3 s into a new flood, and to A without one.
#
# Per phase: loss and RTT (median, p99) of A's pings to B and to the root, by the time the
# ping was sent (a reply may come after the phase ends; it then counts, late), and the CPU
# used by B and the root (utime + stime in /proc/PID/stat over the phase; 100% = one core).
# UDP drops: datagrams the kernel dropped on full receive buffers over the phase, system-wide
# (RcvbufErrors in /proc/net/snmp), so that lost pings can be told from shed HELLOs.
# After each flood: time from its end to the first answer to a ping sent after it, and to
# the first of 5 answers in a row with an RTT within max(2 x baseline median, 2) ms.
#
# Every process is stopped by the EXIT trap (TERM, then KILL after 10 s); the temp directory
# is removed unless ZT_KEEP_TMP=1.  Nothing leaves loopback.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build/release
flood_s=30
base_s=10
after_s=20
sources=200
pps=0
pool=20000
root_variant=1

usage() {
    echo "usage: $0 [--build DIR] [--seconds S] [--baseline S] [--after S] [--sources N]" \
        "[--pps RATE] [--pool P] [--no-root]" >&2
    exit 2
}
while (($#)); do
    case $1 in
    --build) build=$(realpath "$2"); shift 2 ;;
    --seconds) flood_s=$2; shift 2 ;;
    --baseline) base_s=$2; shift 2 ;;
    --after) after_s=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    --pps) pps=$2; shift 2 ;;
    --pool) pool=$2; shift 2 ;;
    --no-root) root_variant=0; shift ;;
    *) usage ;;
    esac
done
for v in "$flood_s" "$base_s" "$after_s" "$sources" "$pps" "$pool"; do
    [[ $v =~ ^[0-9]+$ ]] || usage
done
((flood_s >= 6)) || { echo "bench_flood.sh: --seconds must be at least 6" >&2; exit 2; }

svc=$build/apps/zt-service/zt-service
idtool=$build/apps/zt-idtool/zt-idtool
flood=$build/bench/bench_flood
for b in "$svc" "$idtool" "$flood"; do
    [[ -x $b ]] || { echo "bench_flood.sh: $b missing: build $build first (Release)" >&2; exit 1; }
done
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "bench_flood.sh: warning: $build is not a Release build; figures mean little" >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-flood.XXXXXX")
pids=()
name=bench_flood
budget=$((base_s + 2 * (flood_s + after_s) + 300))
t0=$SECONDS
# log, fail, wait_for, stop_all, make_planet; the EXIT trap stops every process in |pids|.
# shellcheck source=../tests/integration/lib.sh
source "$top/tests/integration/lib.sh"
trap - ERR

now_ms() { date +%s%3N; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
# shellcheck source=../tests/integration/flood_world.sh
source "$top/tests/integration/flood_world.sh"

flood_world 00000000f100d001 "b root" c d
wait_for 10 "$tmp/a.log" "echo-reply from=$(addr root) " || fail "A got no ECHO reply from the root"
log "world ready in $((SECONDS - t0)) s: root $(addr root) on 127.0.0.1/$port," \
    "A $(addr a), B $(addr b) on 127.0.0.1/$port_b; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- analysis of A's log (awk: mawk has no time functions, hence days())
# rtt <peer> <from ms> <to ms>: "pings answered loss% median p99" for pings sent in the window.
# recovery <peer> <flood end ms> <threshold ms>: "first-answer-ms normal-from-ms" (-1: never).
analyse() {
    awk -v mode="$1" -v peer="$2" -v s="$3" -v e="$4" '
    function days(y, m, d,   era, yoe, doy) {
        y -= (m <= 2); era = int((y >= 0 ? y : y - 399) / 400); yoe = y - era * 400
        doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
        return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
    }
    function ms(t) {
        return ((days(substr(t, 1, 4) + 0, substr(t, 6, 2) + 0, substr(t, 9, 2) + 0) * 86400 \
                + substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18, 2)) * 1000 \
                + substr(t, 21, 3))
    }
    $3 == "ping-sent" && $4 == "to=" peer { np++; p[np] = ms($1); next }
    $3 == "echo-reply" && $4 == "from=" peer { nr++; rt[nr] = ms($1); rr[nr] = substr($5, 8) + 0 }
    END {
        # Each reply answers the unanswered ping nearest to the time the node stamped its ECHO
        # (reply time - RTT), within 150 ms: "ping-sent" is logged by the main thread once
        # the command is queued, so it may come a little before or after that.
        for (j = 1; j <= nr; j++) {
            est = rt[j] - rr[j]; lo = 1; hi = np; k = 0
            while (lo <= hi) { mid = int((lo + hi) / 2); if (p[mid] <= est) { k = mid; lo = mid + 1 } else hi = mid - 1 }
            best = 0
            for (i = k - 1; i <= k + 1; i++) {
                if (i < 1 || i > np || (i in rtt)) continue
                d = p[i] - est; if (d < 0) d = -d
                if (d <= 150 && (best == 0 || d < bd)) { best = i; bd = d }
            }
            if (best > 0) { rtt[best] = rr[j]; at[best] = rt[j] }
        }
        if (mode == "rtt") {
            n = 0; a = 0
            for (i = 1; i <= np; i++) if (p[i] >= s && p[i] < e) { n++; if (i in rtt) v[++a] = rtt[i] }
            for (i = 2; i <= a; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
            med = a ? v[int((a + 1) / 2)] : -1
            k99 = int(0.99 * a + 0.999999); if (k99 < 1) k99 = 1
            printf "%d %d %.1f %s %s\n", n, a, n ? 100 * (n - a) / n : 0, a ? med : "-", a ? v[k99] : "-"
        } else {
            first = -1; normal = -1
            for (i = 1; i <= np; i++) {
                if (p[i] < s) continue
                if (first < 0 && (i in rtt)) first = at[i] - s
                if (normal < 0 && i + 4 <= np) {
                    ok = 1
                    for (j = i; j <= i + 4; j++) if (!(j in rtt) || rtt[j] > e) ok = 0
                    if (ok) normal = p[i] - s
                }
            }
            printf "%.0f %.0f\n", first, normal
        }
    }' "$tmp/a.log"
}

# Phase bookkeeping: mark <name> records wall time and the CPU ticks of B and the root.
# RcvbufErrors: datagrams the kernel dropped on full UDP receive buffers (system-wide).
rcvbuf_errors() { awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp; }
declare -A T CB CR KD
mark() {
    T[$1]=$(now_ms)
    CB[$1]=$(ticks "$pid_b")
    CR[$1]=$(ticks "$pid_root")
    KD[$1]=$(rcvbuf_errors)
}
cpu() { # cpu <pid ticks array name> <from mark> <to mark>
    local -n c=$1
    awk -v d=$((c[$3] - c[$2])) -v ms=$((T[$3] - T[$2])) -v hz="$hz" \
        'BEGIN { printf "%.0f%%", (ms > 0 ? 100 * d / hz / (ms / 1000) : 0) }'
}

# run_flood <home> <port> <seconds> <out>: starts bench_flood in the background (pid in
# |fpid|) and returns once it floods (its pool is made first).
run_flood() {
    "$flood" --target-id "$tmp/$1/identity.public" --to "127.0.0.1/$2" --sources "$sources" \
        --pps "$pps" --seconds "$3" --pool "$pool" >"$4" 2>&1 &
    fpid=$!
    pids+=($fpid)
    wait_for 60 "$4" '^bench_flood: flooding' || fail "bench_flood did not start: $(cat "$4")"
}

# new_node <home> <log>: a legitimate node started now; pings B.  Prints its start time.
new_node() {
    "$svc" -p 0 "${common[@]}" --ping "$(addr b)" --interval 200 "$tmp/$1" 2>"$tmp/$2" &
    pids+=($!)
}

# flood_phase <tag> <home> <port> <new node home>: the flood for --seconds, a new node 5 s in.
flood_phase() {
    local tag=$1
    run_flood "$2" "$3" "$flood_s" "$tmp/flood-$tag.out"
    mark "f$tag"
    sleep 5
    T[n$tag]=$(now_ms)
    new_node "$4" "$4.log"
    wait "$fpid" || fail "bench_flood failed: $(cat "$tmp/flood-$tag.out")"
    mark "e$tag"
    sleep "$after_s"
    mark "a$tag"
    log "$(grep '^bench_flood: sent' "$tmp/flood-$tag.out")"
}

# Time from |start| (ms) to the first log line matching |regex| in |file|: "N.N s" or "none".
since() {
    local line
    line=$(grep -Em1 -- "$3" "$2" | cut -d' ' -f1) || true
    [[ -n $line ]] || { echo "none"; return; }
    awk -v t="$(date -u -d "${line%Z}" +%s%3N)" -v s="$1" 'BEGIN { printf "%.1f s", (t - s) / 1000 }'
}

mark b0
log "baseline: ${base_s} s"
sleep "$base_s"
mark eb
log "flood on B: ${flood_s} s from $sources sources, --pps $pps, --pool $pool; then ${after_s} s"
flood_phase B b "$port_b" c
if ((root_variant)); then
    log "flood on the root: ${flood_s} s; then ${after_s} s"
    flood_phase R root "$port" d
fi

# ---- SIGTERM under a flood: B, then the root; A without one
# stop_time <pid> <name>: SIGTERM, then the time until the process is gone (ms, or "> 10 s").
stop_time() {
    local t=$(now_ms) deadline=$((SECONDS + 10))
    kill -TERM "$1"
    while kill -0 "$1" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.01; done
    if kill -0 "$1" 2>/dev/null; then echo "> 10 s"; else echo "$(($(now_ms) - t)) ms"; fi
}
run_flood b "$port_b" 30 "$tmp/flood-term-b.out"
sleep 3
stop_b=$(stop_time "$pid_b")
kill -TERM "$fpid" 2>/dev/null || true
wait "$fpid" 2>/dev/null || true
stop_root="-"
if ((root_variant)); then
    run_flood root "$port" 30 "$tmp/flood-term-root.out"
    sleep 3
    stop_root=$(stop_time "$pid_root")
    kill -TERM "$fpid" 2>/dev/null || true
    wait "$fpid" 2>/dev/null || true
fi
sleep 1
stop_a=$(stop_time "$pid_a")

# ---- the table
base=$(analyse rtt "$(addr b)" "${T[b0]}" "${T[eb]}")
read -r _ _ _ base_med _ <<<"$base"
thr=$(( ${base_med/-/0} * 2 > 2 ? ${base_med/-/0} * 2 : 2 ))
row() { # row <label> <from mark> <to mark>
    printf '| %-24s | %s | %s | %5s | %5s | %8s |\n' "$1" "$(cell "$(addr b)" "$2" "$3")" \
        "$(cell "$(addr root)" "$2" "$3")" "$(cpu CB "$2" "$3")" "$(cpu CR "$2" "$3")" \
        $((KD[$3] - KD[$2]))
}
cell() { # cell <peer> <from mark> <to mark>: "answered/sent loss% median p99"
    local n a loss med p99
    read -r n a loss med p99 <<<"$(analyse rtt "$1" "${T[$2]}" "${T[$3]}")"
    printf '%3d/%-3d %5.1f%% %4s %5s' "$a" "$n" "$loss" "$med" "$p99"
}
echo
echo "| phase                    | A->B answered loss med p99 (ms) | A->root answered loss med p99 | B CPU | root CPU | UDP drops |"
echo "| --- | --- | --- | --- | --- | --- |"
row "baseline ${base_s} s" b0 eb
row "B flooded ${flood_s} s" fB eB
row "after ${after_s} s" eB aB
if ((root_variant)); then
    row "root flooded ${flood_s} s" fR eR
    row "after ${after_s} s" eR aR
fi
echo
read -r first normal <<<"$(analyse recovery "$(addr b)" "${T[eB]}" "$thr")"
echo "after the flood on B: first answer ${first} ms after its end; RTT back within ${thr} ms" \
    "(5 in a row) from ${normal} ms"
echo "new node C started 5 s into the flood on B: online after $(since "${T[nB]}" "$tmp/c.log" \
    ' info online$'), first ECHO reply from B after $(since "${T[nB]}" "$tmp/c.log" \
    "echo-reply from=$(addr b) ")"
if ((root_variant)); then
    read -r first normal <<<"$(analyse recovery "$(addr root)" "${T[eR]}" "$thr")"
    echo "after the flood on the root: first answer from it ${first} ms after the end; RTT" \
        "within ${thr} ms from ${normal} ms"
    echo "new node D started 5 s into the flood on the root: online after $(since "${T[nR]}" \
        "$tmp/d.log" ' info online$'), first ECHO reply from B after $(since "${T[nR]}" \
        "$tmp/d.log" "echo-reply from=$(addr b) ")"
fi
echo "SIGTERM 3 s into a flood: B stopped in $stop_b, the root in $stop_root; A (no flood) in $stop_a"
echo "B $(grep -o 'counters .*' "$tmp/b.log" | tail -n1)"
((root_variant)) && echo "root $(grep -o 'counters .*' "$tmp/root.log" | tail -n1)"
log "done in $((SECONDS - t0)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
