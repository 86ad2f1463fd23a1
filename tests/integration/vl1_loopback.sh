#!/usr/bin/env bash
# VL1 on loopback, real processes: a root (planet from `zt-idtool mkplanet`) and two nodes
# come online; node A pings node B and sends it USER_MESSAGEs; B receives them, A gets the
# ECHO replies, the first exchange goes through the root (relayed) and the path then turns
# direct.  Also: a corrupt identity.secret or planet makes zt-service refuse to start without
# touching the file, and SIGTERM stops every node cleanly with its peers saved.
#
# usage: vl1_loopback.sh <zt-service> <zt-idtool>
# Every socket is bound to 127.0.0.1 / ::1 (--bind-loopback); every process is stopped by the
# trap; every wait is bounded.  ZT_KEEP_TMP=1 keeps the temp directory for inspection.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-vl1.XXXXXX")
pids=()

name=vl1_loopback
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# wait_for <seconds> <file> <extended regex>: true once the file has a matching line.
wait_for() {
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        grep -Eq -- "$3" "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# First line number matching the regex in the file (0: none).
line_of() { grep -En -- "$2" "$1" | head -n1 | cut -d: -f1 || true; }

# ---- identities and the planet
mkdir -p "$tmp/bad-id" "$tmp/bad-planet"
identities root a b
addr_root=$(addr root)
addr_a=$(addr a)
addr_b=$(addr b)
log "root $addr_root, a $addr_a, b $addr_b"

common=(--bind-loopback --allow-loopback --log-level debug)

# ---- corrupt state: refuse to start, never touch the file
printf 'this is not an identity' >"$tmp/bad-id/identity.secret"
cp "$tmp/bad-id/identity.secret" "$tmp/bad-id.orig"
rc=0
timeout 20 "$svc" -p 0 "${common[@]}" "$tmp/bad-id" 2>"$tmp/bad-id.log" || rc=$?
((rc == 1)) || fail "corrupt identity.secret: exit status $rc, want 1"
grep -q "zt-service: $tmp/bad-id/identity.secret is corrupt (.*); refusing to start" \
    "$tmp/bad-id.log" || fail "corrupt identity.secret: no clear message"
cmp -s "$tmp/bad-id/identity.secret" "$tmp/bad-id.orig" || fail "identity.secret was modified"
[[ ! -e $tmp/bad-id/identity.public ]] || fail "identity.public written for a corrupt secret"

cp "$tmp/a/identity.secret" "$tmp/bad-planet/identity.secret"
printf '\x01garbage planet' >"$tmp/bad-planet/planet"
cp "$tmp/bad-planet/planet" "$tmp/bad-planet.orig"
rc=0
timeout 20 "$svc" -p 0 "${common[@]}" "$tmp/bad-planet" 2>"$tmp/bad-planet.log" || rc=$?
((rc == 1)) || fail "corrupt planet: exit status $rc, want 1"
grep -q "zt-service: $tmp/bad-planet/planet is corrupt (.*); refusing to start" \
    "$tmp/bad-planet.log" || fail "corrupt planet: no clear message"
cmp -s "$tmp/bad-planet/planet" "$tmp/bad-planet.orig" || fail "planet was modified"
log "corrupt identity.secret and planet: refused, files untouched"

# ---- the root, on a port named in the planet (retry if someone else took it meanwhile)
start_root 00000000c0ffee01 a b
[[ $(cat "$tmp/root/zerotier-one.port") == "$port" ]] || fail "root: zerotier-one.port"
log "root on 127.0.0.1/$port"

# ---- node B, then node A with its test actions once B is online (so the root knows B)
"$svc" -p 0 "${common[@]}" "$tmp/b" 2>"$tmp/b.log" &
pids+=($!)
wait_for 20 "$tmp/b.log" ' info online$' || fail "b did not come online within 20 s"
port_b=$(cat "$tmp/b/zerotier-one.port")
[[ $port_b =~ ^[0-9]+$ ]] || fail "b: no zerotier-one.port"

"$svc" -p 0 "${common[@]}" --ping "$addr_b" --message "$addr_b:42:hello from a" \
    --interval 300 "$tmp/a" 2>"$tmp/a.log" &
pids+=($!)
wait_for 20 "$tmp/a.log" ' info online$' || fail "a did not come online within 20 s"
log "a and b online (b on port $port_b)"

wait_for 20 "$tmp/b.log" "user-message from=$addr_a type=42 len=12 text=\"hello from a\"" ||
    fail "b did not receive the USER_MESSAGE"
wait_for 20 "$tmp/a.log" "echo-reply from=$addr_b rtt_ms=[0-9]+ " ||
    fail "a got no ECHO reply from b"
log "USER_MESSAGE delivered, ECHO answered"

# Direct: both ends report a direct path to the other on loopback, and replies keep coming
# over it.
wait_for 30 "$tmp/a.log" "peer $addr_b direct via 127\.0\.0\.1/" ||
    fail "a: no direct path to b within 30 s"
wait_for 30 "$tmp/b.log" "peer $addr_a direct via 127\.0\.0\.1/" ||
    fail "b: no direct path to a within 30 s"
wait_for 10 "$tmp/a.log" "echo-reply from=$addr_b .*path=direct" ||
    fail "a: no ECHO reply over the direct path"
# Relayed first: b first heard of a through the root.
l_relay=$(line_of "$tmp/b.log" "peer $addr_a relayed")
l_direct=$(line_of "$tmp/b.log" "peer $addr_a direct via")
((l_relay > 0 && l_relay < l_direct)) || fail "b: no relayed phase before the direct path"
log "path from a to b: relayed first, then direct"

# ---- clean stop: SIGTERM (root, b) and SIGINT (a: background jobs start with SIGINT
# ignored, which must not matter), exit 0, counters and peers saved
for p in "${pids[@]:0:2}"; do kill -TERM "$p"; done
kill -INT "${pids[2]}"
expect_clean_stop root a b
grep -q ' info stopping (SIGINT)$' "$tmp/a.log" || fail "a: SIGINT not taken"
relayed=$(sed -n 's/.* counters .*relayed=\([0-9]*\).*/\1/p' "$tmp/root.log" | tail -n1)
((${relayed:-0} > 0)) || fail "root relayed nothing"
[[ -f $tmp/a/peers.d/$addr_b.peer ]] || fail "a: peers.d/$addr_b.peer not saved"
[[ -f $tmp/b/peers.d/$addr_a.peer ]] || fail "b: peers.d/$addr_a.peer not saved"
[[ $(stat -c %a "$tmp/a/identity.secret") == 600 ]] || fail "a: identity.secret not 0600"
no_sanitizer_report
log "root relayed $relayed packets; all stopped cleanly, peers saved"
log "PASS"
