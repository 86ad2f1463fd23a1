#!/usr/bin/env bash
# VL2 on loopback, real processes: a root that is also the network controller (its store made
# beforehand with zt-ctltool: a private network with an IPv4 pool, a route and an ACCEPT rule,
# both members pre-authorized) and two members that join it with --join and answer ARP and ICMP
# echo (--answer-arp-icmp).  Member A learns B's address from B's "network … ok" line, then
# --ping-ip: an ARP request (broadcast), B's ARP reply, ICMP echo requests and B's replies,
# all as Ethernet frames built by zt-service's responder.  Everything within 60 s, every
# process stopped cleanly, no sanitizer report.
#
# usage: vl2_loopback.sh <zt-service> <zt-idtool> <zt-ctltool>
# Every socket is bound to 127.0.0.1 / ::1 (--bind-loopback); every process is stopped by the
# trap; every wait is bounded.  ZT_KEEP_TMP=1 keeps the temp directory for inspection.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-vl2.XXXXXX")
pids=()
budget=60
t0=$SECONDS

name=vl2_loopback
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# ---- identities, the planet (root = controller) and the controller's store
identities root a b
addr_root=$(addr root)
addr_a=$(addr a)
addr_b=$(addr b)
nwid="${addr_root}000001"
log "root/controller $addr_root, a $addr_a, b $addr_b, network $nwid"

pool_network "$nwid" vl2-loopback 10.77.0 10 20 false root a b
[[ ! -e $tmp/root/controller.db ]] || fail "controller.db exists (zerotier-one would refuse to start)"
log "controller store ready ($db)"

common=(--bind-loopback --allow-loopback --log-level debug)

# ---- the root with its controller, on a port named in the planet (retry if taken meanwhile)
# The root does not join: as a root (and the network's controller) it keeps the members'
# subscriptions and answers their GATHERs anyway (vl2.md §3.3-§3.4).
start_root 00000000c0ffee02 a b -- --controller
grep -q " info controller $addr_root on $db\$" "$tmp/root.log" || fail "root: no controller line"
log "root and controller on 127.0.0.1/$port"

# ---- member B joins; its address comes from its "network … ok" line
"$svc" -p 0 "${common[@]}" --join "$nwid" --answer-arp-icmp "$tmp/b" 2>"$tmp/b.log" &
pids+=($!)
wait_for 30 "$tmp/b.log" " info network $nwid ok .*ips=10\.77\.0\." ||
    fail "b: network not ok with an address from the pool"
ip_b=$(sed -n "s/.* info network $nwid ok .*ips=\(10\.77\.0\.[0-9]*\)\/24.*/\1/p" "$tmp/b.log" |
    head -n1)
[[ $ip_b =~ ^10\.77\.0\.([0-9]+)$ ]] || fail "b: cannot read its IPv4 address"
((BASH_REMATCH[1] >= 10 && BASH_REMATCH[1] <= 20)) || fail "b: $ip_b outside the pool"
log "b is $ip_b on $nwid"

# ---- member A joins, ARPs for B and pings it
# A has never heard of B: the ARP request's gather names B, and the frame waits for B's WHOIS.
"$svc" -p 0 "${common[@]}" --join "$nwid" --answer-arp-icmp --ping-ip "$nwid:$ip_b" \
    --interval 300 "$tmp/a" 2>"$tmp/a.log" &
pids+=($!)
wait_for 30 "$tmp/a.log" " info network $nwid ok .*ips=10\.77\.0\." || fail "a: network not ok"
ip_a=$(sed -n "s/.* info network $nwid ok .*ips=\(10\.77\.0\.[0-9]*\)\/24.*/\1/p" "$tmp/a.log" |
    head -n1)
[[ -n $ip_a && $ip_a != "$ip_b" ]] || fail "a: no address, or the same as b's ($ip_a)"
log "a is $ip_a"

wait_for 30 "$tmp/a.log" " info arp-reply from=$ip_b mac=" || fail "a: no ARP reply from b"
grep -q "answering arp-request" "$tmp/b.log" || fail "b: did not log answering the ARP request"
log "ARP: b answered a"
wait_for 30 "$tmp/a.log" " info icmp-reply from=$ip_b seq=[0-9]+$" || fail "a: no ICMP echo reply"
# A few in a row, not just one.
deadline=$((SECONDS + 10))
while (($(grep -c " info icmp-reply from=$ip_b seq=" "$tmp/a.log") < 3)) && ((SECONDS < deadline)); do
    sleep 0.1
done
n=$(grep -c " info icmp-reply from=$ip_b seq=" "$tmp/a.log" || true)
((n >= 3)) || fail "a: only $n ICMP echo replies"
grep -q "answering icmp-echo" "$tmp/b.log" || fail "b: did not log answering ICMP echo"
log "ICMP: $n echo replies from b"
elapsed=$((SECONDS - t0))
((elapsed <= budget)) || fail "took ${elapsed}s, budget ${budget}s"

# ---- clean stop: SIGTERM, exit 0, no pid file, no sanitizer report
for p in "${pids[@]}"; do kill -TERM "$p"; done
expect_clean_stop root a b
no_sanitizer_report
log "all stopped cleanly after ${elapsed}s of exchange"
log "PASS"
