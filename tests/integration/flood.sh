#!/usr/bin/env bash
# A HELLO flood against a leaf (issue 9), real processes on loopback: a root, leaves A and B,
# A pinging B every 200 ms; bench_flood sends B armored HELLOs from fake identities (valid MAC,
# no address proof) from 200 sources in as many /24s, at FLOOD_PPS.  --allow-loopback turns
# off the per-prefix gate (vl1.md §5.9) for loopback sources, so only B's global budget
# (src/core/idcheck.c) protects it.  During the flood:
#   - at least 80% of A's pings to B are answered (10 s window);
#   - a new legitimate node C, started 1 s into the flood, comes online and gets an ECHO reply
#     from B within 60 s (new peers get through, more slowly);
#   - B stops within 3 s of SIGTERM, cleanly;
# and B's counters show the work it shed (drop_overload).
#
# usage: flood.sh <zt-service> <zt-idtool> <bench_flood>
# Every process is stopped by the trap; every wait is bounded; ZT_KEEP_TMP=1 keeps the temp
# directory.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
flood=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-flood.XXXXXX")
pids=()
name=flood
budget=85
t0=$SECONDS
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

FLOOD_PPS=${FLOOD_PPS:-20000}
WINDOW=10      # seconds of A's pings counted during the flood
MIN_ANSWERED=80
C_BOUND=60
TERM_BOUND_MS=3000

utc_now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
# shellcheck source=flood_world.sh
source "$(dirname "$0")/flood_world.sh"

# The HELLOs themselves: MAC accepted, address proof reached, fake ones refused.
"$flood" --self-test >"$tmp/selftest.out" 2>&1 || fail "bench_flood --self-test: $(cat "$tmp/selftest.out")"

flood_world 00000000f100d002 b c
log "world ready in $((SECONDS - t0)) s (B $(addr b) on 127.0.0.1/$port_b)"

# ---- the flood (it outlasts everything below; stopped at the end)
"$flood" --target-id "$tmp/b/identity.public" --to "127.0.0.1/$port_b" --sources 200 \
    --pps "$FLOOD_PPS" --seconds 75 --pool 2000 >"$tmp/flood.out" 2>&1 &
pids+=($!)
pid_flood=$!
wait_for 30 "$tmp/flood.out" '^bench_flood: flooding' || fail "bench_flood did not start"
sleep 1
c_start=$SECONDS
c_start_ms=$(date +%s%3N)
"$svc" -p 0 "${common[@]}" --ping "$(addr b)" --interval 500 "$tmp/c" 2>"$tmp/c.log" &
pids+=($!)
w_start=$(utc_now)
sleep "$WINDOW"
w_end=$(utc_now)

# A's pings sent in the window, and B's answers to them (a reply is counted if its ping was
# sent in the window: reply time - RTT, to the second, is close enough at 5 pings per second).
read -r sent answered <<<"$(awk -v s="$w_start" -v e="$w_end" -v b="$(addr b)" '
    $3 == "ping-sent" && $4 == "to=" b && $1 >= s && $1 < e { n++ }
    $3 == "echo-reply" && $4 == "from=" b && $1 >= s { r++ }
    END { print n + 0, (r < n ? r : n) + 0 }' "$tmp/a.log")"
((sent >= WINDOW * 3)) || fail "A sent only $sent pings in ${WINDOW} s"
log "during the flood: A's pings to B answered $answered of $sent"
((answered * 100 >= sent * MIN_ANSWERED)) ||
    fail "only $answered of $sent pings answered during the flood (want >= ${MIN_ANSWERED}%)"

# ---- a new peer gets through while the flood goes on
wait_for $((C_BOUND - (SECONDS - c_start))) "$tmp/c.log" "echo-reply from=$(addr b) " ||
    fail "C got no ECHO reply from B within ${C_BOUND} s of its start, during the flood"
kill -0 "$pid_flood" 2>/dev/null || fail "the flood ended before C got through"
c_reply=$(grep -Em1 "echo-reply from=$(addr b) " "$tmp/c.log" | cut -d' ' -f1)
c_ms=$(($(date -u -d "${c_reply%Z}" +%s%3N) - c_start_ms))
log "C: answered by B $c_ms ms after its start, during the flood"

# ---- SIGTERM during the flood
t_term=$(date +%s%3N)
kill -TERM "$pid_b"
deadline=$((SECONDS + 10))
while kill -0 "$pid_b" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.02; done
stop_ms=$(($(date +%s%3N) - t_term))
kill -0 "$pid_b" 2>/dev/null && fail "B still running 10 s after SIGTERM"
rc=0
wait "$pid_b" || rc=$?
((rc == 0)) || fail "B exited with $rc after SIGTERM"
((stop_ms <= TERM_BOUND_MS)) || fail "B took $stop_ms ms to stop after SIGTERM (bound $TERM_BOUND_MS)"
log "B stopped $stop_ms ms after SIGTERM, during the flood"
kill -TERM "$pid_flood"
wait "$pid_flood" || fail "bench_flood failed: $(cat "$tmp/flood.out")"
log "$(grep '^bench_flood: sent' "$tmp/flood.out")"

# ---- B shed the work it could not afford
counters=$(grep -o ' counters .*' "$tmp/b.log" | tail -n1)
[[ -n $counters ]] || fail "B printed no counters"
overload=$(sed -n 's/.* drop_overload=\([0-9]*\).*/\1/p' <<<"$counters")
rx=$(sed -n 's/.* rx=\([0-9]*\).*/\1/p' <<<"$counters")
[[ -n $overload ]] || fail "B's counters line has no drop_overload"
((overload > 0)) || fail "B shed nothing (drop_overload=0)"
log "B: rx=$rx drop_overload=$overload"
no_sanitizer_report
log "PASS in $((SECONDS - t0)) s"
