#!/usr/bin/env bash
# A planet of two roots, each member homed on one of them (vl1.md §4.3, §4.7, §5.5), with real
# zt-service processes in a network namespace this test makes (loopback inside it; addresses
# of 127.0.0.0/8, one per process):
#
#   root  127.0.0.2 (also the network's controller)    root2 127.0.0.3
#   a     127.0.0.11: nft drops everything between a and root2
#   b     127.0.0.12: nft drops everything between b and root
#
# a and b join one network; a pings b's address on it (ARP, then ICMP).  b answers though no
# root has a path to both: each root relays to the other what it cannot deliver itself (the
# roots know both identities from the HELLOs the members send to the root they cannot reach,
# relayed by their own; tests/sim/test_sim_roots.c covers the WHOIS a root forwards).  Then each member tells the other its address (PUSH_DIRECT_PATHS) and
# they go direct: b logs a direct path to a at 127.0.0.11, and the pings keep being answered.
# The nft counters show the blocks held all along.
#
# usage: two_roots.sh <zt-service> <zt-idtool> <zt-ctltool>
# Needs root, ip netns and nft (scripts/setup.sh installs nftables); skipped (passes with a
# note) without them.  Every wait is bounded; every process is stopped and the namespace
# deleted by the trap.  ZT_KEEP_TMP=1 keeps the temp directory.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-tworoots.XXXXXX")
pids=()
budget=150
t0=$SECONDS
ns="zt2r-$$"

name=two_roots
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
on_cleanup() { ip netns del "$ns" 2>/dev/null || true; }

if [[ $(id -u) != 0 ]] || ! command -v nft >/dev/null || ! ip netns add "$ns" 2>/dev/null; then
    log "skipped: needs root, nft and ip netns"
    log "PASS"
    exit 0
fi
nsx=(ip netns exec "$ns")
ip -n "$ns" link set lo up

# ---- identities, the two-root planet, the network
identities root root2 a b
addr_a=$(addr a)
addr_b=$(addr b)
nwid="$(addr root)000002"
cat >"$tmp/planet.json" <<JSON
{ "id": "00000000c0ffee22",
  "roots": [ { "identity": "$(cat "$tmp/root/identity.public")",
               "stableEndpoints": ["127.0.0.2/9993"] },
             { "identity": "$(cat "$tmp/root2/identity.public")",
               "stableEndpoints": ["127.0.0.3/9994"] } ] }
JSON
mkdir -p "$tmp/keys"
(cd "$tmp/keys" && "$idtool" mkplanet "$tmp/planet.json" -o "$tmp/planet" >/dev/null 2>&1) ||
    fail "mkplanet failed"
declare -A ip_of_home=([root]=127.0.0.2 [root2]=127.0.0.3 [a]=127.0.0.11 [b]=127.0.0.12)
for h in root root2 a b; do
    cp "$tmp/planet" "$tmp/$h/planet"
    echo "{ \"settings\": { \"bind\": [\"${ip_of_home[$h]}\"] } }" >"$tmp/$h/local.conf"
done
pool_network "$nwid" two-roots 10.78.0 10 20 false a b
log "roots $(addr root) (controller) and $(addr root2); a $addr_a, b $addr_b; network $nwid"

# ---- the blocks: a never reaches root2, b never reaches root
"${nsx[@]}" nft -f - <<'NFT'
table inet zt2r {
    chain out {
        type filter hook output priority 0;
        ip saddr 127.0.0.11 ip daddr 127.0.0.3 counter drop
        ip saddr 127.0.0.3 ip daddr 127.0.0.11 counter drop
        ip saddr 127.0.0.12 ip daddr 127.0.0.2 counter drop
        ip saddr 127.0.0.2 ip daddr 127.0.0.12 counter drop
    }
}
NFT

common=(--allow-loopback --log-level debug --no-secondary-port)
"${nsx[@]}" "$svc" -p 9993 "${common[@]}" --controller "$tmp/root" 2>"$tmp/root.log" &
pids+=($!)
"${nsx[@]}" "$svc" -p 9994 "${common[@]}" "$tmp/root2" 2>"$tmp/root2.log" &
pids+=($!)
for h in root root2; do
    wait_for 10 "$tmp/$h.log" ' info zt-service .* role=root ' || fail "$h did not start as a root"
done

"${nsx[@]}" "$svc" -p 0 "${common[@]}" --join "$nwid" --answer-arp-icmp "$tmp/b" \
    2>"$tmp/b.log" &
pids+=($!)
wait_for 40 "$tmp/b.log" " info network $nwid ok .*ips=10\.78\.0\." ||
    fail "b: network not ok (its config comes from root through root2)"
ip_b=$(sed -n "s/.* info network $nwid ok .*ips=\(10\.78\.0\.[0-9]*\)\/24.*/\1/p" "$tmp/b.log" |
    head -n1)
[[ -n $ip_b ]] || fail "b: cannot read its address"
log "b is $ip_b; its config came from the controller on the other root"

"${nsx[@]}" "$svc" -p 0 "${common[@]}" --join "$nwid" --answer-arp-icmp --ping-ip "$nwid:$ip_b" \
    --interval 500 "$tmp/a" 2>"$tmp/a.log" &
pids+=($!)
wait_for 40 "$tmp/a.log" " info icmp-reply from=$ip_b seq=[0-9]+$" ||
    fail "a: b (homed on the other root) never answered"
log "a's pings to b are answered"

# ---- then direct: b learns a's address from a's push and contacts it
wait_for 60 "$tmp/b.log" " info peer $addr_a direct via 127\.0\.0\.11/" ||
    fail "b: no direct path to a at 127.0.0.11"
wait_for 15 "$tmp/a.log" " info peer $addr_b direct via 127\.0\.0\.12/" ||
    fail "a: no direct path to b at 127.0.0.12"
log "a and b went direct"
n=$(grep -c " info icmp-reply from=$ip_b seq=" "$tmp/a.log")
wait_for 10 "$tmp/a.log" " info icmp-reply from=$ip_b seq=$((n + 2))$" ||
    fail "a: pings no longer answered once direct"

# ---- the blocks held: the members' tries at the root they may not use were dropped (the
# roots never learn a path back, so they never try), and no forbidden path was learned
counts=($("${nsx[@]}" nft list chain inet zt2r out | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'))
((${#counts[@]} == 4)) || fail "cannot read the nft counters"
((counts[0] > 0 && counts[2] > 0)) || fail "a member never tried the other root (${counts[*]})"
grep -q " info peer $(addr root2) direct" "$tmp/a.log" && fail "a learned a direct path to root2"
grep -q " info peer $(addr root) direct" "$tmp/b.log" && fail "b learned a direct path to root"
log "nft dropped ${counts[*]} datagrams on the four blocked ways"

# ---- relayed first: b heard a through the roots before it had a path; both roots relayed
first_relayed=$(grep -n " info peer $addr_a relayed" "$tmp/b.log" | head -n1 | cut -d: -f1)
first_direct=$(grep -n " info peer $addr_a direct via" "$tmp/b.log" | head -n1 | cut -d: -f1)
[[ -n $first_relayed ]] && ((first_relayed < first_direct)) ||
    fail "b did not hear a relayed before going direct"
stop_all
for h in root root2; do
    grep -Eq " info counters .* relayed=[1-9]" "$tmp/$h.log" || fail "$h relayed nothing"
done
for h in a b; do
    grep -Eq " info counters .* paths_pushed=[1-9]" "$tmp/$h.log" || fail "$h pushed no paths"
done
no_sanitizer_report
log "PASS"
