#!/usr/bin/env bash
# Port mapping of the tertiary port (vl1.md §5.11; docs/service.md "Port mapping"), in network
# namespaces the test makes: a gateway namespace zpg-<pid> (10.77.0.1: the node namespace's
# default gateway, and the root at 10.77.0.1/9993, so that the nodes come online) and a node
# namespace zpn-<pid> (10.77.0.2), one veth pair, no route out of either: no SSDP search, no
# NAT-PMP request and no datagram the test causes can reach the host's networks.
#
#   1. NAT-PMP: natpmp_gw.py answers on 10.77.0.1:5351, granting 20 s leases.  zt-service in
#      the node namespace, port mapping on (as by default), tertiaryPort fixed by local.conf:
#      no IGD answers its SSDP search (2 s), so it asks the gateway by NAT-PMP for its public
#      address and a mapping suggesting the tertiary port; the external address and port the
#      gateway gave show in the log and in /status (surfaceAddresses, tertiaryPort,
#      portMappingEnabled, listeningOn); the lease is renewed at half its lifetime, suggesting
#      the port it got; SIGTERM deletes the mapping (lifetime 0) and the service exits 0.
#   2. The off switches: --no-port-mapping, and local.conf portMappingEnabled false: no
#      tertiary port, no request to the gateway, /status says so.  The root runs with
#      ZT_NO_PORT_MAPPING=1 (lib.sh exports it for every test) and maps nothing either.
#   3. UPnP: upnp_igd.py answers SSDP and SOAP in the gateway namespace (the NAT-PMP responder
#      still runs: UPnP is tried first and must win), refusing the first AddPortMapping with
#      718 (conflict): the service asks for external port = internal port first, then for a
#      random one; the IGD's external address shows in /status; SIGTERM deletes the mapping.
#
# usage: port_mapping.sh <zt-service> <zt-idtool>
# Needs root and ip netns; without them it exits 77 (ctest reports it skipped).  Every wait is
# bounded; every process and both namespaces are removed by the trap.  ~30 s.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-portmap.XXXXXX")
pids=()
budget=110
t0=$SECONDS
ns_g=zpg-$$
ns_n=zpn-$$

name=port_mapping
# shellcheck source=lib.sh
source "$here/lib.sh"
on_cleanup() {
    ip netns del "$ns_g" 2>/dev/null || true
    ip netns del "$ns_n" 2>/dev/null || true
}

if [[ $(id -u) != 0 ]] || ! ip netns add "$ns_g" 2>/dev/null; then
    log "skipped: needs root and ip netns"
    exit 77
fi
ip netns add "$ns_n"
ip link add "zpg$$" type veth peer name "zpn$$"
ip link set "zpg$$" netns "$ns_g"
ip link set "zpn$$" netns "$ns_n"
ip -n "$ns_g" addr add 10.77.0.1/24 dev "zpg$$"
ip -n "$ns_n" addr add 10.77.0.2/24 dev "zpn$$"
for ns in "$ns_g" "$ns_n"; do ip -n "$ns" link set lo up; done
ip -n "$ns_g" link set "zpg$$" up
ip -n "$ns_n" link set "zpn$$" up
ip -n "$ns_n" route add default via 10.77.0.1
nsg=(ip netns exec "$ns_g")
nsn=(ip netns exec "$ns_n")

# api <home> <path>: GET on that node's API, inside the node namespace.
api() {
    "${nsn[@]}" curl -sf -m 10 -H "X-ZT1-Auth: $(cat "$tmp/$1/authtoken.secret")" \
        "http://127.0.0.1:$(cat "$tmp/$1/zerotier-one.port")$2"
}
# settings <home> <python expression over s, config.settings of /status>
settings() {
    api "$1" /status | python3 -c \
        'import json,sys; s=json.load(sys.stdin)["config"]["settings"]; print(eval(sys.argv[1]))' "$2"
}
# node <home> [zt-service argument]...: zt-service in the node namespace with port mapping as
# by default (ZT_NO_PORT_MAPPING removed from its environment); its pid goes to |pid|.
node() {
    local h=$1
    shift
    env -u ZT_NO_PORT_MAPPING "${nsn[@]}" "$svc" -p 0 --no-stack --log-level debug "$@" \
        "$tmp/$h" 2>"$tmp/$h.log" &
    pid=$!
    pids+=("$pid")
}
# stop_node <home>: SIGTERM, then a clean exit (status 0, "stopped") within 15 s.
stop_node() {
    kill -TERM "$pid"
    wait_exit 15 "$pid" || fail "$1: still running 15 s after SIGTERM"
    ((status == 0)) || fail "$1: exit status $status after SIGTERM"
    grep -q ' info stopped$' "$tmp/$1.log" || fail "$1: no 'stopped' line"
}

identities root n m c u
cat >"$tmp/planet.json" <<JSON
{ "id": "00000000c0ffee31",
  "roots": [ { "identity": "$(cat "$tmp/root/identity.public")",
               "stableEndpoints": ["10.77.0.1/9993"] } ] }
JSON
mkdir -p "$tmp/keys"
(cd "$tmp/keys" && "$idtool" mkplanet "$tmp/planet.json" -o "$tmp/planet" >/dev/null 2>&1)
for h in root n m c u; do cp "$tmp/planet" "$tmp/$h/planet"; done

"${nsg[@]}" python3 "$here/natpmp_gw.py" --bind 10.77.0.1 --public 203.0.113.7 \
    --external-port 31337 --lifetime 20 --log "$tmp/natpmp.log" 2>"$tmp/natpmp-stderr.log" &
pids+=($!)
wait_for 10 "$tmp/natpmp.log" '^ready$' || fail "natpmp_gw.py did not start"
"${nsg[@]}" "$svc" -p 9993 --no-secondary-port --no-stack "$tmp/root" 2>"$tmp/root.log" &
pids+=($!)
wait_for 10 "$tmp/root.log" ' role=root ' || fail "root did not start"

# ---- 1. NAT-PMP
tport=$((20000 + RANDOM % 40000))
echo "{ \"settings\": { \"tertiaryPort\": $tport } }" >"$tmp/n/local.conf"
node n
start=$SECONDS
wait_for 15 "$tmp/n.log" "info port mapping made: external=203\.0\.113\.7/31337 internal=udp/$tport .*method=natpmp" ||
    fail "n: no NAT-PMP mapping of tertiary port $tport"
grep -q "info tertiary port $tport bound" "$tmp/n.log" || fail "n: tertiary port not $tport"
grep -q '^request op=0 ' "$tmp/natpmp.log" || fail "gateway: no public address request"
grep -q "^request op=1 internal=$tport suggested=$tport lifetime=3600 granted=20 external=31337 " \
    "$tmp/natpmp.log" || fail "gateway: no mapping request for $tport"
log "1. n mapped udp/$tport to 203.0.113.7/31337 by NAT-PMP after $((SECONDS - start)) s"
wait_for 20 "$tmp/n.log" ' info online$' || fail "n: never online"
[[ $(settings n 's["portMappingEnabled"], s["tertiaryPort"]') == "(True, $tport)" ]] ||
    fail "n: /status settings: $(settings n 's')"
[[ $(settings n '"203.0.113.7/31337" in s["surfaceAddresses"]') == True ]] ||
    fail "n: mapped address not among surfaceAddresses: $(settings n 's["surfaceAddresses"]')"
[[ $(settings n '"0.0.0.0/'"$tport"'" in s["listeningOn"]') == True ]] ||
    fail "n: tertiary socket not in listeningOn: $(settings n 's["listeningOn"]')"
wait_for 20 "$tmp/natpmp.log" \
    "^request op=1 internal=$tport suggested=31337 lifetime=3600 granted=20 external=31337 " ||
    fail "gateway: the 20 s lease was not renewed"
grep -q "debug port mapping renewed: external=203\.0\.113\.7/31337 internal=udp/$tport" \
    "$tmp/n.log" || fail "n: no renewal logged"
log "1. lease renewed $((SECONDS - start)) s after the start (20 s granted)"
stop_node n
grep -q "^request op=1 internal=$tport suggested=0 lifetime=0 " "$tmp/natpmp.log" ||
    fail "gateway: the mapping was not deleted at stop"
grep -q "info port mapping removed: natpmp internal port $tport" "$tmp/n.log" ||
    fail "n: no removal logged"
log "1. mapping deleted (lifetime 0) at SIGTERM; n exited 0"

# ---- 2. off switches
echo '{ "settings": { "portMappingEnabled": false } }' >"$tmp/c/local.conf"
before=$(wc -l <"$tmp/natpmp.log")
node m --no-port-mapping
pid_m=$pid
node c
wait_for 10 "$tmp/m.log" 'I/O thread started' || fail "m did not start"
wait_for 10 "$tmp/c.log" 'I/O thread started' || fail "c did not start"
sleep 3 # longer than a UPnP search and a NAT-PMP request
for h in m c; do
    ! grep -q 'tertiary port\|port mapping' "$tmp/$h.log" || fail "$h: port mapping despite off"
    [[ $(settings "$h" 's["portMappingEnabled"], s["tertiaryPort"]') == "(False, 0)" ]] ||
        fail "$h: /status settings: $(settings "$h" 's')"
done
(($(wc -l <"$tmp/natpmp.log") == before)) || fail "gateway: requests with port mapping off"
! grep -q 'tertiary port\|port mapping' "$tmp/root.log" ||
    fail "root: port mapping despite ZT_NO_PORT_MAPPING=1"
stop_node c
pid=$pid_m
stop_node m
log "2. --no-port-mapping, portMappingEnabled false and ZT_NO_PORT_MAPPING=1: nothing mapped"

# ---- 3. UPnP.  The IGD reports 1.2.3.4: libminiupnpc takes an IGD whose external address is
# reserved (the documentation ranges included) for "not connected".  Nothing is ever sent to
# it: the only other node is the root, which has no network with u and no route out.
"${nsg[@]}" python3 "$here/upnp_igd.py" --bind 10.77.0.1 --http-port 5000 --public 1.2.3.4 \
    --conflict-first --log "$tmp/igd.log" 2>"$tmp/igd-stderr.log" &
pids+=($!)
wait_for 10 "$tmp/igd.log" '^ready$' || fail "upnp_igd.py did not start"
before=$(wc -l <"$tmp/natpmp.log")
node u
start=$SECONDS
wait_for 15 "$tmp/u.log" 'info port mapping made: external=1\.2\.3\.4/[0-9]+ .*method=upnp' ||
    fail "u: no UPnP mapping"
line=$(grep -m1 'info port mapping made: ' "$tmp/u.log")
ext=$(sed 's/.*external=1\.2\.3\.4\/\([0-9]*\) .*/\1/' <<<"$line")
uport=$(sed 's/.* internal=udp\/\([0-9]*\) .*/\1/' <<<"$line")
grep -q "^msearch st=urn:schemas-upnp-org:device:InternetGatewayDevice:1 from=10.77.0.2" \
    "$tmp/igd.log" || fail "igd: no SSDP search"
grep -q "^soap AddPortMapping NewExternalPort=$uport NewProtocol=UDP NewInternalPort=$uport NewInternalClient=10.77.0.2 NewLeaseDuration=3600 result=718" \
    "$tmp/igd.log" || fail "igd: the first request did not ask for external port $uport"
grep -q "^soap AddPortMapping NewExternalPort=$ext NewProtocol=UDP NewInternalPort=$uport .* result=0" \
    "$tmp/igd.log" || fail "igd: no mapping of external port $ext"
((ext != uport)) || fail "u: kept the refused external port"
(($(wc -l <"$tmp/natpmp.log") == before)) || fail "u: asked NAT-PMP although the IGD answered"
[[ $(settings u '"1.2.3.4/'"$ext"'" in s["surfaceAddresses"], s["tertiaryPort"]') == "(True, $uport)" ]] ||
    fail "u: /status settings: $(settings u 's')"
log "3. u mapped udp/$uport to 1.2.3.4/$ext by UPnP (after a 718) in $((SECONDS - start)) s"
stop_node u
grep -q "^soap DeletePortMapping NewExternalPort=$ext NewProtocol=UDP result=0" "$tmp/igd.log" ||
    fail "igd: the mapping was not deleted at stop"
log "3. DeletePortMapping at SIGTERM; u exited 0"

stop_all
no_sanitizer_report
log "PASS"
