#!/usr/bin/env bash
# The main job: an offline demo world.  It makes and checks a private world (a root
# identity, a signed planet naming it, member identities), starts the root on loopback with
# its network controller, creates a private network and authorizes its members over the
# root's local HTTP API (the controller's REST routes), then starts two nodes: they come
# online, get their configs and addresses, and exchange encrypted traffic (VL1 messages, then
# ARP and ICMP echo as Ethernet frames), relayed first, then direct.  Then two libzt
# applications (the example server and client) talk TCP over the same network through their
# own stacks, and zt-cli shows the member's networks and peers.  Last, two more nodes host
# their stacks in zt-service and unmodified programs use them through libztintercept.so:
# python3's http.server on one, curl on the other fetches a file, byte-exact, and the demo
# prints the path between the two nodes (direct or relayed) and the transfer's throughput.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
world=${ZT_DEMO_DIR:-$root/build/demo-world}

say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

say "setting up (packages, lwIP source) and building the release flavour"
scripts/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs" >/dev/null
idtool=$root/build/release/apps/zt-idtool/zt-idtool

rm -rf "$world"
mkdir -p "$world/root" "$world/member" "$world/keys"
say "world directory: $world"

say "1. root identity (memory-hard address derivation)"
"$idtool" generate "$world/root/identity.secret" "$world/root/identity.public" >/dev/null
root_addr=$(cut -c1-10 "$world/root/identity.public")
say "   root address $root_addr"

say "2. planet: a signed world naming the root and its loopback endpoint"
cat >"$world/planet.json" <<JSON
{ "id": "00000000c0ffee01",
  "roots": [ { "identity": "$(cat "$world/root/identity.public")",
               "stableEndpoints": ["127.0.0.1/19993", "::1/19993"] } ] }
JSON
(cd "$world/keys" && "$idtool" mkplanet "$world/planet.json" -o "$world/root/planet" 2>/dev/null)
cp "$world/root/planet" "$world/member/planet"
"$idtool" printworld "$world/member/planet" | sed 's/^/          /'

say "3. member identity"
"$idtool" generate "$world/member/identity.secret" "$world/member/identity.public" >/dev/null
member_addr=$(cut -c1-10 "$world/member/identity.public")
say "   member address $member_addr"

say "4. validation"
"$idtool" validate "$world/root/identity.public"
"$idtool" validate "$world/member/identity.secret"
echo "hello from $member_addr" >"$world/member/hello.txt"
"$idtool" sign "$world/member/identity.secret" "$world/member/hello.txt" >"$world/member/hello.sig"
"$idtool" verify "$world/member/identity.public" "$world/member/hello.txt" "$world/member/hello.sig"
grep -q '"signatureValidForUpdateKey": true' <("$idtool" printworld "$world/root/planet")

say "private world ready: planet 00000000c0ffee01, root $root_addr, member $member_addr"

# ---- the world comes alive: root + two nodes on loopback, encrypted VL1 traffic
svc=$root/build/release/apps/zt-service/zt-service
mkdir -p "$world/peer"
"$idtool" generate "$world/peer/identity.secret" "$world/peer/identity.public" >/dev/null
peer_addr=$(cut -c1-10 "$world/peer/identity.public")
cp "$world/root/planet" "$world/peer/planet"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_for() { # <seconds> <file> <regex>
    local end=$((SECONDS + $1))
    while ((SECONDS < end)); do grep -Eq -- "$3" "$2" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
# An offline world: loopback only, and no UPnP/NAT-PMP port mapping on any gateway.
opts=(--bind-loopback --allow-loopback --no-secondary-port --no-port-mapping)
cli=$root/build/release/apps/zt-cli/zt-cli
nwid="${root_addr}000001"
nwid_short=$(sed 's/^0*//' <<<"$nwid") # as libzt's examples print it

# api <method> <path> [body]: the root's local API (the controller's REST routes), as any
# script written for zerotier-one's controller calls it.
api() {
    curl -sf -m 10 -X "$1" -H "X-ZT1-Auth: $(cat "$world/root/authtoken.secret")" \
        -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "http://127.0.0.1:19993$2"
}
authorize() { api POST "/controller/network/$nwid/member/$1" '{"authorized":true}' >/dev/null; }

say "5. starting the root (udp and tcp 127.0.0.1:19993): it is also the network controller"
"$svc" -p 19993 "${opts[@]}" --controller "$world/root" 2>"$world/root.log" & pids+=($!)
wait_for 10 "$world/root.log" " info online$" || { cat "$world/root.log"; exit 1; }
say "   $("$cli" -D"$world/root" info)"
say "   a private network $nwid, created over the controller's HTTP API"
api POST "/controller/network/$nwid" '{"name":"demo-net","private":true,
    "v4AssignMode":{"zt":true},
    "ipAssignmentPools":[{"ipRangeStart":"10.147.20.10","ipRangeEnd":"10.147.20.50"}],
    "routes":[{"target":"10.147.20.0/24"}],"rules":[{"type":"ACTION_ACCEPT"}],
    "multicastLimit":32,"enableBroadcast":true}' >/dev/null
authorize "$member_addr"
authorize "$peer_addr"
say "   members $member_addr and $peer_addr authorized over HTTP"

say "6. two nodes join it"
"$svc" -p 0 "${opts[@]}" --join "$nwid" --answer-arp-icmp "$world/peer" 2>"$world/peer.log" &
pids+=($!)
wait_for 20 "$world/peer.log" " info network $nwid ok .*ips=" || { cat "$world/peer.log"; exit 1; }
peer_ip=$(sed -n "s/.* info network $nwid ok .*ips=\([0-9.]*\)\/.*/\1/p" "$world/peer.log" | head -n1)
"$svc" -p 0 "${opts[@]}" --join "$nwid" --answer-arp-icmp --count 5 --interval 400 \
    --ping "$peer_addr" --message "$peer_addr:42:hello from $member_addr" \
    --ping-ip "$nwid:$peer_ip" "$world/member" 2>"$world/member.log" & pids+=($!)
wait_for 20 "$world/member.log" " info network $nwid ok" || { cat "$world/member.log"; exit 1; }
say "   both nodes online through the root, with addresses on $nwid (peer is $peer_ip)"

say "7. member $member_addr talks to peer $peer_addr: VL1 messages and ECHO, then ARP and"
say "   ICMP echo as Ethernet frames on the private network (encrypted, relayed, then direct)"
wait_for 20 "$world/peer.log" "user-message from=$member_addr" || { cat "$world/peer.log"; exit 1; }
wait_for 20 "$world/member.log" "echo-reply from=$peer_addr" || { cat "$world/member.log"; exit 1; }
wait_for 30 "$world/member.log" "icmp-reply from=$peer_ip" || { cat "$world/member.log"; exit 1; }
wait_for 20 "$world/member.log" "peer $peer_addr direct via" || true
sleep 2
grep -E "network $nwid ok|echo-reply|peer $peer_addr|arp-reply|icmp-reply" "$world/member.log" |
    sed 's/^/          member: /' | head -12
grep -E "user-message" "$world/peer.log" | sed 's/^/          peer:   /' | head -2

say "8. libzt: two applications, each with the node and a userspace TCP/IP stack inside,"
say "   join the same network; the example server echoes what the example client sends (TCP)"
examples=$root/build/release/examples
for h in app-server app-client; do
    mkdir -p "$world/$h"
    "$idtool" generate "$world/$h/identity.secret" "$world/$h/identity.public" >/dev/null
    cp "$world/root/planet" "$world/$h/planet"
    authorize "$(cut -c1-10 "$world/$h/identity.public")"
done
"$examples/server" "$world/app-server" "$nwid" 4444 0 >"$world/app-server.log" 2>&1 &
pids+=($!)
wait_for 30 "$world/app-server.log" "Listening" || { cat "$world/app-server.log"; exit 1; }
server_ip=$(sed -n "s/.*virtual address on network $nwid_short is \([0-9.]*\)$/\1/p" \
    "$world/app-server.log" | head -n1)
say "   server $(cut -c1-10 "$world/app-server/identity.public") listens on $server_ip:4444"
timeout 60 "$examples/client" "$world/app-client" "$nwid" "$server_ip" 4444 0 \
    >"$world/app-client.log" 2>&1 || { cat "$world/app-client.log"; exit 1; }
grep -E "Connected|Sent|Read" "$world/app-client.log" | sed 's/^/          client: /'
grep -E "Accepted|Read" "$world/app-server.log" | sed 's/^/          server: /'
say "9. what zt-cli (zerotier-cli's commands) says about the member"
"$cli" -D"$world/member" listnetworks | sed 's/^/          /'
"$cli" -D"$world/member" peers | sed 's/^/          /'

say "10. unmodified programs on the network: two more nodes, each hosting its stack in"
say "    zt-service; python3 -m http.server on one and curl on the other, both under"
say "    libztintercept.so (LD_PRELOAD; each program names its service's network socket)"
lib=$root/build/release/apps/intercept/libztintercept.so
for h in web browser; do
    mkdir -p "$world/$h"
    "$idtool" generate "$world/$h/identity.secret" "$world/$h/identity.public" >/dev/null
    cp "$world/root/planet" "$world/$h/planet"
    authorize "$(cut -c1-10 "$world/$h/identity.public")"
    "$svc" -p 0 "${opts[@]}" --join "$nwid" "$world/$h" 2>"$world/$h.log" & pids+=($!)
done
for h in web browser; do
    wait_for 30 "$world/$h.log" "intercept: network $nwid at" || { cat "$world/$h.log"; exit 1; }
    wait_for 10 "$world/$h.log" " info network $nwid ok .*ips=" || { cat "$world/$h.log"; exit 1; }
done
web_ip=$(sed -n "s/.* info network $nwid ok .*ips=\([0-9.]*\)\/.*/\1/p" "$world/web.log" | head -n1)
web_addr=$(cut -c1-10 "$world/web/identity.public")
mkdir -p "$world/www"
head -c 20000000 /dev/urandom >"$world/www/demo.bin"
LD_PRELOAD=$lib ZT_NC_NETWORK=$world/web/nc_$nwid python3 -m http.server 8080 --bind 0.0.0.0 \
    --directory "$world/www" >"$world/http.log" 2>&1 & pids+=($!)
say "    web ($web_addr, $web_ip): python3 -m http.server 8080, socket $world/web/nc_$nwid"
end=$((SECONDS + 30))
until LD_PRELOAD=$lib ZT_NC_NETWORK=$world/browser/nc_$nwid curl -sf -m 60 \
    -o "$world/browser/demo.bin" -w '%{size_download} %{speed_download} %{time_total}\n' \
    "http://$web_ip:8080/demo.bin" >"$world/curl.out" 2>"$world/curl.err"; do
    ((SECONDS < end)) || { cat "$world/curl.err" "$world/http.log"; exit 1; }
    sleep 0.5
done
cmp "$world/www/demo.bin" "$world/browser/demo.bin" || { echo "demo.bin differs"; exit 1; }
read -r bytes speed secs <"$world/curl.out"
path=$("$cli" -D"$world/browser" -j peers | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p["address"] == sys.argv[1]:
        live = [x for x in p["paths"] if x.get("active") and not x.get("expired")]
        print("direct via " + live[0]["address"] if live else "relayed through the root")' "$web_addr")
say "    curl on browser fetched $bytes bytes in ${secs} s: $(awk -v s="$speed" 'BEGIN { printf "%.1f MB/s", s / 1e6 }'), byte-exact"
say "    path from browser to web: ${path:-unknown}"
cleanup
trap - EXIT
say "world stopped cleanly; logs and home directories under $world"
