#!/usr/bin/env bash
# The example programs (examples/*.c) against a private world on loopback: a root that is also
# the network controller (zt-service --controller, its store made beforehand with zt-ctltool:
# a private network with an IPv4 pool and RFC 4193 IPv6, every member pre-authorized), and the
# examples as library nodes, each with its own config directory holding the planet and an
# identity made with zt-idtool (so it could be authorized before it ever ran).
#
#   server + client   client connects to server's IPv4 address, sends 22 bytes, reads the echo
#   comprehensive     node ID, peers (the root on 127.0.0.1), node status 201, network status
#                     213, then ICMP counters that grow when it is pinged
#   pingable          prints its addresses; a zt-service member pings it (ARP + ICMP echo);
#                     exits 0 after the seconds it was given
#   adhoc (twice)     two fresh nodes on one ad-hoc network, each at its 6PLANE address
#
# usage: examples.sh <zt-service> <zt-idtool> <zt-ctltool> <adhoc> <client> <server>
#                    <comprehensive> <pingable>
# The root and the zt-service member bind 127.0.0.1 / ::1 only; the library nodes bind their
# UDP port on every interface but only ever talk to 127.0.0.1 (the planet's address).  Every
# wait is bounded, every process is stopped by the trap.  ZT_KEEP_TMP=1 keeps the temp dir.
set -euo pipefail

(($# == 8)) || { echo "usage: $0 zt-service zt-idtool zt-ctltool adhoc client server comprehensive pingable" >&2; exit 2; }
svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
ex_adhoc=$(realpath "$4")
ex_client=$(realpath "$5")
ex_server=$(realpath "$6")
ex_comp=$(realpath "$7")
ex_ping=$(realpath "$8")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-examples.XXXXXX")
pids=()
budget=90
t0=$SECONDS

name=examples
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# A node ID as %llx prints it (no leading zeros).
hexnz() { printf '%x' "$((0x$1))"; }

# first_match <file> <sed expression printing the wanted part>
first_match() { sed -n "$2" "$1" | head -n1; }

# ---- identities: root (= controller), the library nodes, a zt-service member that pings
homes=(root server client comp ping member)
identities "${homes[@]}"
for h in "${homes[@]}"; do declare "addr_$h=$(addr "$h")"; done
mkdir -p "$tmp/adhoc1" "$tmp/adhoc2" # fresh: the library makes their identities
nwid="${addr_root}000001"
log "root/controller $addr_root, network $nwid, server $addr_server, client $addr_client," \
    "comprehensive $addr_comp, pingable $addr_ping, member $addr_member"

pool_network "$nwid" examples 10.78.0 10 60 true "${homes[@]}"
log "controller store ready"

# ---- the root, on a port named in the planet (retry if the port is taken meanwhile)
common=(--bind-loopback --allow-loopback --log-level debug)
start_root 00000000c0ffee03 "${homes[@]:1}" adhoc1 adhoc2 -- --controller
log "root and controller on 127.0.0.1/$port"

# ---- the library nodes, all at once (service port 0: the library picks one)
"$ex_server" "$tmp/server" "$nwid" 4444 0 >"$tmp/server.log" 2>&1 &
pids+=($!)
"$ex_comp" "$tmp/comp" "$nwid" 0 >"$tmp/comp.log" 2>&1 &
pids+=($!)
"$ex_ping" "$tmp/ping" "$nwid" 0 30 >"$tmp/ping.log" 2>&1 &
pid_ping=$!
pids+=($pid_ping)
"$ex_adhoc" "$tmp/adhoc1" 4000 4100 0 >"$tmp/adhoc1.log" 2>&1 &
pids+=($!)
"$ex_adhoc" "$tmp/adhoc2" 4000 4100 0 >"$tmp/adhoc2.log" 2>&1 &
pids+=($!)

# Each came online with the identity it was given (api.md 7.1), or reports why not.
for h in server comp ping; do
    a="addr_$h"
    wait_for 20 "$tmp/$h.log" "^ZTS_EVENT_NODE_ONLINE --- This node's ID is $(hexnz "${!a}")\$" ||
        fail "$h: no NODE_ONLINE line with its pre-made identity ${!a}"
done
log "server, comprehensive and pingable are online"

# ---- a zt-service member pings pingable and comprehensive (checked further down)
wait_for 20 "$tmp/ping.log" '^ZTS_EVENT_ADDR_NEW_IP4 --- Join .* and ping me at 10\.78\.0\.[0-9]+$' ||
    fail "pingable: no IPv4 'ping me at' line"
ip_ping=$(first_match "$tmp/ping.log" 's/^ZTS_EVENT_ADDR_NEW_IP4 --- Join .* and ping me at \(10\.78\.0\.[0-9]*\)$/\1/p')
wait_for 10 "$tmp/ping.log" '^ZTS_EVENT_ADDR_NEW_IP6 --- Join .* and ping me at fd' ||
    fail "pingable: no IPv6 (RFC 4193) 'ping me at' line"
wait_for 20 "$tmp/comp.log" '^ZTS_EVENT_ADDR_NEW_IP4 --- .* is 10\.78\.0\.[0-9]+$' ||
    fail "comprehensive: no IPv4 address from the pool"
ip_comp=$(first_match "$tmp/comp.log" 's/^ZTS_EVENT_ADDR_NEW_IP4 --- .* is \(10\.78\.0\.[0-9]*\)$/\1/p')
"$svc" -p 0 --bind-loopback --allow-loopback --log-level debug --join "$nwid" --answer-arp-icmp \
    --ping-ip "$nwid:$ip_ping" --ping-ip "$nwid:$ip_comp" --interval 300 \
    "$tmp/member" 2>"$tmp/member.log" &
pids+=($!)
log "member $addr_member pings pingable ($ip_ping) and comprehensive ($ip_comp)"

# ---- server and client
wait_for 20 "$tmp/server.log" '^ZTS_EVENT_ADDR_NEW_IP4 --- .* is 10\.78\.0\.[0-9]+$' ||
    fail "server: no IPv4 address from the pool"
ip_server=$(first_match "$tmp/server.log" 's/^ZTS_EVENT_ADDR_NEW_IP4 --- .* is \(10\.78\.0\.[0-9]*\)$/\1/p')
wait_for 20 "$tmp/server.log" '^Listening\.\.\.$' || fail "server: not listening"
log "server listens on $ip_server:4444"

"$ex_client" "$tmp/client" "$nwid" "$ip_server" 4444 0 >"$tmp/client.log" 2>&1 &
pid_client=$!
pids+=($pid_client)
wait_exit 40 "$pid_client" || fail "client: still running after 40 s"
((status == 0)) || fail "client: exit status $status"
for l in 'Connected\.' 'Sent 22 bytes: Welcome to the machine' \
    'Read 22 bytes: Welcome to the machine' 'Closing socket' 'Shutting down service'; do
    grep -Eq "^$l\$" "$tmp/client.log" || fail "client: no line '$l'"
done
ip_client=$(first_match "$tmp/client.log" 's/^ZTS_EVENT_ADDR_NEW_IP4 --- .* is \(10\.78\.0\.[0-9]*\)$/\1/p')
[[ -n $ip_client && $ip_client != "$ip_server" ]] || fail "client: no IPv4 address of its own"
wait_for 5 "$tmp/server.log" '^Closing connection socket$' || fail "server: did not finish"
grep -Eq "^Accepted connection from ${ip_client//./\\.}:[0-9]+\$" "$tmp/server.log" ||
    fail "server: no 'Accepted connection from $ip_client:<port>'"
grep -q '^Read 22 bytes: Welcome to the machine$' "$tmp/server.log" || fail "server: no 'Read 22 bytes'"
grep -q '^Sent 22 bytes: Welcome to the machine$' "$tmp/server.log" || fail "server: no 'Sent 22 bytes'"
log "client $ip_client -> server $ip_server: 22 bytes there and back"

# ---- comprehensive
wait_for 20 "$tmp/comp.log" '^icmp\.recv=[0-9]+$' || fail "comprehensive: no icmp.recv line (statistics loop)"
grep -q "^This node ID is $(hexnz "$addr_comp")\$" "$tmp/comp.log" || fail "comprehensive: no node ID line"
grep -Eq '^num=[1-9][0-9]*$' "$tmp/comp.log" || fail "comprehensive: no peers (num=)"
grep -Eq "^peer=$(hexnz "$addr_root"), " "$tmp/comp.log" || fail "comprehensive: the root is not a peer"
grep -Eq "^    path\[[0-9]+\]=127\.0\.0\.1, port=$port\$" "$tmp/comp.log" ||
    fail "comprehensive: no path 127.0.0.1/$port to the root"
grep -q '^(-4) error: object or result not found$' "$tmp/comp.log" ||
    fail "comprehensive: zts_get_peer(0xabcdef1234) is not 'not found'"
grep -q '^zts_get_node_status()=201$' "$tmp/comp.log" || fail "comprehensive: node status not 201"
grep -q '^zts_get_network_status()=213$' "$tmp/comp.log" || fail "comprehensive: network status not 213"
log "comprehensive: node $addr_comp, peers, status 201/213, statistics"

# ---- the pings
wait_for 30 "$tmp/member.log" " info icmp-reply from=${ip_ping//./\\.} seq=[0-9]+\$" ||
    fail "member: no ICMP echo reply from pingable ($ip_ping)"
log "pingable ($ip_ping) answers pings"
wait_for 10 "$tmp/member.log" " info icmp-reply from=${ip_comp//./\\.} seq=[0-9]+\$" ||
    fail "member: no ICMP echo reply from comprehensive ($ip_comp)"
wait_for 5 "$tmp/comp.log" '^icmp\.recv=[1-9][0-9]*$' || fail "comprehensive: icmp.recv stays 0"
log "comprehensive ($ip_comp) answers pings and counts them"

wait_exit 30 "$pid_ping" || fail "pingable: still running after its 30 s"
((status == 0)) || fail "pingable: exit status $status"
grep -q '^Shutting down service$' "$tmp/ping.log" || fail "pingable: no 'Shutting down service'"
log "pingable exited 0 after its 30 s"

# ---- two ad-hoc nodes: ff + 0fa0 (4000) + 1004 (4100) + 000000, each at its 6PLANE address
adhoc_nwid=ff0fa01004000000
for h in adhoc1 adhoc2; do
    wait_for 20 "$tmp/$h.log" '^Node will now idle\.\.\.$' || fail "$h: never idles"
    grep -q "^Joining network $adhoc_nwid\$" "$tmp/$h.log" || fail "$h: not on $adhoc_nwid"
    node=$(first_match "$tmp/$h.log" "s/^ZTS_EVENT_NODE_ONLINE --- This node's ID is \([0-9a-f]*\)\$/\1/p")
    [[ -n $node && -s $tmp/$h/identity.secret ]] || fail "$h: no node ID, or no identity saved"
    wait_for 5 "$tmp/$h.log" "^ZTS_EVENT_ADDR_NEW_IP6 --- Join $adhoc_nwid and ping me at " ||
        fail "$h: no 6PLANE address line"
    got=$(first_match "$tmp/$h.log" "s/^ZTS_EVENT_ADDR_NEW_IP6 --- Join $adhoc_nwid and ping me at \(.*\)\$/\1/p")
    # 6PLANE (api.md 5.4): fc, the low 32 bits of nwid ^ (nwid >> 32), the node ID, ..., 01.
    n=$((0x$adhoc_nwid))
    want=$(printf 'fc%08x%010x000000000001' $(((n ^ (n >> 32)) & 0xffffffff)) $((0x$node)))
    got=$(python3 -c 'import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]).packed.hex())' "$got") ||
        fail "$h: unreadable IPv6 address"
    [[ $got == "$want" ]] || fail "$h: address $got, expected the 6PLANE address $want"
    log "$h: node $node at its 6PLANE address"
done

elapsed=$((SECONDS - t0))
((elapsed <= budget)) || fail "took ${elapsed}s, budget ${budget}s"
no_sanitizer_report
log "PASS (${elapsed}s)"
