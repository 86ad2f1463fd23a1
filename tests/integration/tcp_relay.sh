#!/usr/bin/env bash
# The TCP fallback relay (zt-relay, docs/relay.md) on loopback, driven by tcp_relay.py:
#   relay M (defaults, listening on 127.0.0.1): hello; echoes of many sizes byte-exact over
#     IPv4 and IPv6, whole, coalesced and split; two clients at once; seven kinds of garbage,
#     each closing its client only; a client that never reads while 42 MB come for it (relay
#     memory bounded, others served, what it reads is whole messages);
#   relay L (--max-clients 2 --idle 2 --client-rate 50000 --allow 127.0.0.1/32 --udp-bind
#     127.0.0.1): the rate limit, the allow list, refusal at max-clients, idle timeouts;
# then SIGTERM to both: exit 0 within 5 s, a counters line with the expected counts, a
# "stopped" line, and no sanitizer report in their logs.
#
# usage: tcp_relay.sh <zt-relay>
# Every process is stopped by the trap; every wait is bounded; ZT_KEEP_TMP=1 keeps the temp
# directory.
set -euo pipefail

relay=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-tcp-relay.XXXXXX")
pids=()
name=tcp_relay
budget=110
t0=$SECONDS
# shellcheck source=lib.sh
source "$here/lib.sh"

# start_relay <log name> <zt-relay argument>...: starts it on 127.0.0.1 at a free port (--port
# 0) and waits for its start line; sets |rpid| and |rport|.
start_relay() {
    local log=$tmp/$1.log
    shift
    "$relay" --bind 127.0.0.1 --port 0 "$@" 2>"$log" &
    rpid=$!
    pids+=("$rpid")
    wait_for 10 "$log" ' info zt-relay .* listening on 127\.0\.0\.1 port [0-9]+ ' ||
        fail "zt-relay did not start: $(cat "$log")"
    rport=$(grep -Eo 'listening on 127\.0\.0\.1 port [0-9]+' "$log" | grep -Eo '[0-9]+$')
}

# counter <log name> <counter>: its value on the counters line.
counter() { grep -Eo " $2=[0-9]+" "$tmp/$1.log" | tail -1 | cut -d= -f2; }

# ---- usage errors and --help
"$relay" --help >"$tmp/help.out" || fail "--help failed"
grep -q -- '--client-rate' "$tmp/help.out" || fail "--help does not explain --client-rate"
for bad in "--port 70000" "--allow 10.0.0.0/33" "--bind nowhere" "--max-clients 0" \
    "--log-level loud" "--frobnicate" "--idle"; do
    rc=0
    # shellcheck disable=SC2086
    "$relay" $bad >/dev/null 2>"$tmp/usage.err" || rc=$?
    ((rc == 2)) || fail "zt-relay $bad: exit $rc, expected 2"
done
log "usage errors exit 2"

start_relay m
pid_m=$rpid
port_m=$rport
start_relay l --max-clients 2 --idle 2 --client-rate 50000 --allow 127.0.0.1/32 \
    --udp-bind 127.0.0.1
pid_l=$rpid
port_l=$rport
log "relays on 127.0.0.1 ports $port_m and $port_l"

timeout "$(left)" python3 "$here/tcp_relay.py" main --port "$port_m" --pid "$pid_m" |
    sed "s/^/[$name] /" || fail "scenario main (log: m.log)"
timeout "$(left)" python3 "$here/tcp_relay.py" limits --port "$port_l" --pid "$pid_l" |
    sed "s/^/[$name] /" || fail "scenario limits (log: l.log)"

grep -q ' warn refused 1 connection(s): max-clients 2 reached' "$tmp/l.log" ||
    fail "relay L did not log the refused connection"

# ---- SIGTERM: clean exit, counters
kill -TERM "$pid_m" "$pid_l"
for p in "$pid_m" "$pid_l"; do
    wait_exit 5 "$p" || fail "zt-relay $p did not stop within 5 s of SIGTERM"
    ((status == 0)) || fail "zt-relay $p exited with $status after SIGTERM"
done
for r in m l; do
    grep -q ' info stopping (SIGTERM)$' "$tmp/$r.log" || fail "relay $r: no 'stopping' line"
    grep -q ' info counters accepted=' "$tmp/$r.log" || fail "relay $r: no counters line"
    tail -1 "$tmp/$r.log" | grep -q ' info stopped$' || fail "relay $r: no final 'stopped' line"
done
no_sanitizer_report

(($(counter m closed_garbage) == 7)) || fail "relay M: closed_garbage=$(counter m closed_garbage)"
(($(counter m drop_slow) > 0)) || fail "relay M: no drop_slow"
(($(counter m hellos) > 0)) || fail "relay M: no hellos"
(($(counter l refused_full) == 1)) || fail "relay L: refused_full=$(counter l refused_full)"
(($(counter l closed_idle) >= 2)) || fail "relay L: closed_idle=$(counter l closed_idle)"
(($(counter l drop_rate) >= 100)) || fail "relay L: drop_rate=$(counter l drop_rate)"
(($(counter l drop_dest) == 2)) || fail "relay L: drop_dest=$(counter l drop_dest)"
log "counters: M $(grep -o 'closed_garbage=[0-9]*\|drop_slow=[0-9]*' "$tmp/m.log" | xargs)," \
    "L $(grep -o 'refused_full=[0-9]*\|closed_idle=[0-9]*\|drop_rate=[0-9]*' "$tmp/l.log" | xargs)"
log "PASS in $((SECONDS - t0)) s"
