#!/usr/bin/env bash
# Identity collision (service.md §1.1, vl1.md §4.2; docs/service.md, "Identity collision"),
# on loopback with a private planet whose root is also the controller of a public network.
#
# A node's address is a memory-hard hash of its key, so no second real identity with the same
# address can be made; and a forged identity.secret is refused by the identity loader.  What
# the root believes, though, comes from its peer cache (peers.d), which zerotier-one's format
# does not sign and which is loaded on demand (when a packet names an address the root does
# not hold): so the root is given, before it starts, cached records that put other keys
# (another identity's) behind the addresses of B and C.  One datagram claiming each address
# makes the root load them; B's and C's HELLOs then present different keys for an address the
# root knows, and the root answers ERROR(HELLO, IDENTITY_COLLISION).
#
#   - A (a plain node, joined to the network) comes online and is left alone;
#   - B (a plain node with the network in networks.d) is told of the collision: it logs it,
#     keeps its old secret byte for byte in identity.secret.saved_after_collision, builds the
#     node again in the same process with a new identity, comes back online on the same API
#     port (GET /status: online, the new address) and is still joined: its network is OK
#     under the new address;
#   - C (a node with --controller) is told of the collision too and keeps its identity;
#   - D (a plain node with an older saved secret from an earlier collision) keeps that file as
#     it is and saves its colliding secret beside it, named by its address.
# Every process then stops cleanly (status 0, "stopped", no PID file); no sanitizer report.
#
# usage: collision.sh <zt-service> <zt-idtool> <zt-ctltool>
# Every wait is bounded; every process is stopped by the trap.  ZT_KEEP_TMP=1 keeps the temp
# directory.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-collision.XXXXXX")
pids=()
budget=100
t0=$SECONDS

name=collision
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# json <expression over j>: evaluates it on the JSON of stdin (python3).
json() { python3 -c "import json, sys; j = json.load(sys.stdin); print($1)"; }

# forge <address> <identity.public>: a peer cache record (service.md §2.1) naming <address>
# with the public key of the other identity, protocol 12, version 1.14.1, no path.
forge() {
    python3 - "$1" "$(cut -d: -f3 "$2")" <<'PY'
import sys
address, key = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
assert len(address) == 5 and len(key) == 64
rec = b"\x02" + address + b"\x00" + key + b"\x00"
rec += b"".join(v.to_bytes(2, "big") for v in (12, 1, 14, 1, 0))
sys.stdout.buffer.write(rec)
PY
}

# claim <address>...: one datagram to the root from each <address> (cipher suite 1, garbage MAC
# and payload): the root looks the address up, loading it from its peer cache, and drops the
# packet.
claim() {
    python3 - "$(addr root)" "$port" "$@" <<'PY'
import os, socket, sys
dst, port = bytes.fromhex(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for a in sys.argv[3:]:
    src = bytes.fromhex(a)
    s.sendto(os.urandom(8) + dst + src + b"\x08" + os.urandom(8) + b"\x05" + os.urandom(16),
             ("127.0.0.1", port))
PY
}

identities root a b c d forged
addr_a=$(addr a)
addr_b=$(addr b)
addr_c=$(addr c)
addr_d=$(addr d)
nwid="$(addr root)000c12"
cp "$tmp/b/identity.secret" "$tmp/b-old.secret"
cp "$tmp/c/identity.secret" "$tmp/c-old.secret"
cp "$tmp/d/identity.secret" "$tmp/d-old.secret"
cp "$tmp/forged/identity.secret" "$tmp/d/identity.secret.saved_after_collision"

# The network: public, IPv4 from a pool, on the root's controller store.
db="$tmp/root/controller.d/controller.sqlite3"
mkdir -p "$tmp/root/controller.d" "$tmp/root/peers.d" "$tmp/b/networks.d"
ctl create-network "$nwid" '{"name":"collide","private":false,
    "v4AssignMode":{"zt":true},"ipAssignmentPools":[{"ipRangeStart":"10.12.0.10",
    "ipRangeEnd":"10.12.0.250"}],"routes":[{"target":"10.12.0.0/24"}],
    "rules":[{"type":"ACTION_ACCEPT"}]}'
# B joined it earlier (an empty networks.d/<nwid>.conf, as zerotier-one leaves after a join).
: >"$tmp/b/networks.d/$nwid.conf"
for h in b c d; do
    forge "$(addr $h)" "$tmp/forged/identity.public" >"$tmp/root/peers.d/$(addr $h).peer"
done

common=(--bind-loopback --allow-loopback --log-level debug --no-secondary-port)
start_root 00000000c0ffee12 a b c d -- --controller

"$svc" -p 0 "${common[@]}" --join "$nwid" "$tmp/a" 2>"$tmp/a.log" &
pids+=($!)
wait_for 30 "$tmp/a.log" ' info online$' || fail "a never online"
wait_for 30 "$tmp/a.log" "network $nwid ok " || fail "a: network $nwid never ok"
log "a: online as $addr_a, network $nwid ok"

# The root now takes B's, C's and D's addresses for the forged keys.
for _ in $(seq 1 20); do
    claim "$addr_b" "$addr_c" "$addr_d"
    loaded=0
    for h in b c d; do api root "/peer/$(addr $h)" >/dev/null 2>&1 && loaded=$((loaded + 1)); done
    ((loaded == 3)) && break
    sleep 0.2
done
((loaded == 3)) || fail "the root did not load the forged records ($loaded of 3)"
log "root: holds forged keys for $addr_b (b), $addr_c (c) and $addr_d (d)"

"$svc" -p 0 "${common[@]}" "$tmp/b" 2>"$tmp/b.log" &
pids+=($!)
"$svc" -p 0 "${common[@]}" --controller "$tmp/c" 2>"$tmp/c.log" &
pids+=($!)
"$svc" -p 0 "${common[@]}" "$tmp/d" 2>"$tmp/d.log" &
pids+=($!)

# B: the collision, the secret set aside, a new identity, online again, still joined.
wait_for 30 "$tmp/b.log" "identity collision: an upstream says address $addr_b is taken; restarting" ||
    fail "b: no collision logged"
wait_for 20 "$tmp/b.log" "new identity address=[0-9a-f]{10} replaces $addr_b" ||
    fail "b: did not start again with a new identity"
new_b=$(grep -m1 -o "new identity address=[0-9a-f]*" "$tmp/b.log" | sed 's/.*=//')
[[ $new_b != "$addr_b" ]] || fail "b: the new address is the old one"
grep -q "identity $addr_b set aside as $tmp/b/identity.secret.saved_after_collision;" \
    "$tmp/b.log" || fail "b: the secret set aside is not logged"
cmp -s "$tmp/b-old.secret" "$tmp/b/identity.secret.saved_after_collision" ||
    fail "b: identity.secret.saved_after_collision is not the old secret"
[[ $(stat -c %a "$tmp/b/identity.secret.saved_after_collision") == 600 ]] ||
    fail "b: the saved secret is not mode 0600"
[[ $(addr b) == "$new_b" ]] || fail "b: identity.public is not the new identity's"
cut -c1-10 "$tmp/b/identity.secret" | grep -qx "$new_b" || fail "b: identity.secret is not new"
log "b: collided as $addr_b, old secret saved byte for byte, restarted as $new_b"

online=''
for _ in $(seq 1 60); do
    online=$(api b /status 2>/dev/null | json '"%s %s" % (j["online"], j["address"])') || true
    [[ $online == "True $new_b" ]] && break
    sleep 0.5
done
[[ $online == "True $new_b" ]] || fail "b: GET /status says '$online', not online as $new_b"
status=''
for _ in $(seq 1 60); do
    status=$(api b "/network/$nwid" 2>/dev/null | json 'j["status"]') || true
    [[ $status == OK ]] && break
    sleep 0.5
done
[[ $status == OK ]] || fail "b: network $nwid is '$status' after the restart, not OK"
[[ -s $tmp/b/networks.d/$nwid.conf ]] || fail "b: networks.d/$nwid.conf is gone or empty"
log "b: GET /status online as $new_b; network $nwid still joined and OK under the new address"

# C: a controller keeps its identity.
wait_for 30 "$tmp/c.log" "address $addr_c is taken; identity kept: a controller's identity is never replaced" ||
    fail "c: no collision logged, or the identity was not kept"
cmp -s "$tmp/c-old.secret" "$tmp/c/identity.secret" || fail "c: identity.secret changed"
[[ ! -e $tmp/c/identity.secret.saved_after_collision ]] || fail "c: its secret was set aside"
! grep -q 'new identity' "$tmp/c.log" || fail "c: started with a new identity"
log "c: collided as $addr_c, a controller: identity kept"

# D: an older saved secret is never replaced.
wait_for 30 "$tmp/d.log" "new identity address=[0-9a-f]{10} replaces $addr_d" ||
    fail "d: did not start again with a new identity"
cmp -s "$tmp/forged/identity.secret" "$tmp/d/identity.secret.saved_after_collision" ||
    fail "d: the older saved secret was replaced"
cmp -s "$tmp/d-old.secret" "$tmp/d/identity.secret.saved_after_collision.$addr_d" ||
    fail "d: its colliding secret is not in identity.secret.saved_after_collision.$addr_d"
grep -q "set aside as $tmp/d/identity.secret.saved_after_collision.$addr_d;" "$tmp/d.log" ||
    fail "d: the secret set aside is not logged with its path"
log "d: older saved secret kept; the colliding one saved beside it (.$addr_d)"

! grep -q 'identity collision' "$tmp/a.log" || fail "a was told of a collision"
grep -q " address=$addr_a " "$tmp/a.log" || fail "a changed its address"

for p in "${pids[@]}"; do kill -TERM "$p"; done
expect_clean_stop root a b c d
no_sanitizer_report
log "PASS (${SECONDS}s)"
