#!/usr/bin/env bash
# zt-service's local HTTP API (docs/service.md "Local API", service.md §4-§5), on loopback
# with a private planet: a root that is also the network controller (store made with
# zt-ctltool, member A authorized ahead) and member A, driven only over HTTP with curl (and
# once with the exact bytes zerotier-cli sends) and checked with python3: tokens (created,
# 24 [a-z0-9], mode 0600), 401/400/404/413, every route, join via HTTP reaching the node
# (REQUESTING_CONFIGURATION, then OK with an address from the pool), the network's
# local.conf, leave, moons, /metrics, ?jsonp=, then a restart that rejoins networks.d and
# --no-api.
#
# usage: service_api.sh <zt-service> <zt-idtool> <zt-ctltool>
# Every wait is bounded; every process is stopped by the trap.  ZT_KEEP_TMP=1 keeps the
# temp directory.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-api.XXXXXX")
pids=()
budget=120
t0=$SECONDS

name=service_api
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# call <method> <path> [body]: an authenticated request to A; sets |code| and |body|.
call() {
    local args=(-s -m 10 -o "$tmp/body" -w '%{http_code}' -X "$1" -H "X-ZT1-Auth: $token")
    (($# >= 3)) && args+=(-H 'Content-Type: application/json' --data-binary "$3")
    code=$(curl "${args[@]}" "http://127.0.0.1:$aport$2") || code=000
    body=$(cat "$tmp/body")
}

# expect <code> <method> <path> [body]: call, and fail unless the status is <code>.
expect() {
    local want=$1
    shift
    call "$@"
    [[ $code == "$want" ]] || fail "$1 $2: status $code, expected $want (body: ${body:0:200})"
}

# js <python expression over d>: evaluates it on the last |body| (JSON).
js() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$body" "$1"; }

# poll <seconds> <path> <python condition over d> <what>: GET <path> until the condition
# holds, within <seconds> (and the budget); fails with <what> otherwise.
poll() {
    local deadline=$((SECONDS + $1))
    while :; do
        expect 200 GET "$2"
        [[ $(js "$3") == True ]] && return 0
        ((SECONDS < deadline && $(left) > 1)) || fail "$4: $body"
        sleep 0.2
    done
}

# start_a [zt-service argument...]: starts A, waits for its API; sets |aport| and |token|.
start_a() {
    "$svc" -p 0 --allow-loopback --no-secondary-port --log-level debug "$@" "$tmp/a" \
        2>>"$tmp/a.log" &
    apid=$!
    pids+=("$apid")
    wait_for 10 "$tmp/a.log" 'I/O thread started' || fail "a did not start"
    aport=$(cat "$tmp/a/zerotier-one.port")
    token=$(cat "$tmp/a/authtoken.secret")
}

identities root a
addr_root=$(addr root)
addr_a=$(addr a)
nwid="${addr_root}000001"
nwid2="${addr_root}000002" # not in the controller's store
pool_network "$nwid" api-net 10.78.0 10 20 false a
common=(--bind-loopback --allow-loopback --log-level debug)
start_root 00000000c0ffee05 a -- --controller --no-api
log "root/controller $addr_root on $port, network $nwid"

# ---- A starts; its tokens
start_a --bind-loopback
log "a $addr_a, API on 127.0.0.1:$aport"
for f in authtoken.secret metricstoken.secret; do
    [[ $(stat -c %a "$tmp/a/$f") == 600 ]] || fail "$f: mode $(stat -c %a "$tmp/a/$f")"
    [[ $(wc -c <"$tmp/a/$f") == 24 ]] || fail "$f: not 24 bytes"
    grep -Eqx '[a-z0-9]{24}' "$tmp/a/$f" || fail "$f: not [a-z0-9]{24}"
done
[[ $token != "$(cat "$tmp/a/metricstoken.secret")" ]] || fail "the two tokens are equal"

# ---- authentication
code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$aport/status")
[[ $code == 401 && $(cat "$tmp/body") == '{}' ]] || fail "no token: $code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'X-ZT1-Auth: wrongwrongwrongwrongwron' \
    "http://127.0.0.1:$aport/status")
[[ $code == 401 ]] || fail "wrong token: $code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$aport/status?auth=$token")
[[ $code == 200 ]] || fail "?auth=: $code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    "http://[::1]:$aport/status")
[[ $code == 200 ]] || fail "Bearer over ::1: $code"
code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$aport/health")
body=$(cat "$tmp/body")
want="['clock', 'online', 'version', 'versionBuild', 'versionMajor', 'versionMinor', 'versionRev']"
[[ $code == 200 && $(js 'sorted(d)') == "$want" ]] || fail "/health: $code $body"
log "tokens and authentication ok"

# ---- /status (online once the root answers), /config, /config/settings
poll 20 /status 'd["online"]' "/status: never online"
[[ $(js 'd["address"]') == "$addr_a" ]] || fail "/status address"
[[ $(js 'd["publicIdentity"]') == "$(cat "$tmp/a/identity.public")" ]] || fail "publicIdentity"
[[ $(js 'd["planetWorldId"]') == $((0xc0ffee05)) ]] || fail "planetWorldId"
[[ $(js 'd["config"]["settings"]["primaryPort"]') == "$aport" ]] || fail "primaryPort"
[[ $(js 'd["config"]["settings"]["listeningOn"]') == "['127.0.0.1/$aport', '::1/$aport']" ]] ||
    fail "listeningOn: $(js 'd["config"]["settings"]["listeningOn"]')"
[[ $body == *'"clock":'*'"version":"1.14.1"'* && $body != *' '* ]] ||
    fail "not compact, sorted JSON: $body"
expect 200 GET /config
[[ $body == '{}' ]] || fail "/config without local.conf: $body"
expect 200 POST /config/settings '{"allowManagementFrom":["192.0.2.0/24"],"extra":1}'
[[ $body == '{}' ]] || fail "/config/settings answer: $body"
expect 200 GET /config
[[ $(js 'd["settings"]["allowManagementFrom"]') == "['192.0.2.0/24']" ]] || fail "/config: $body"
grep -q '^    "settings": {$' "$tmp/a/local.conf" || fail "local.conf not indented by 4"
expect 400 POST /config/settings '{"broken":'
[[ $(js 'd["error"]') == 400 && -n $(js 'd["description"]') ]] || fail "400 body: $body"
expect 400 PUT /config/settings '[1,2]'
expect 200 GET /status
[[ $(js 'd["config"]["settings"]["extra"]') == 1 ]] || fail "/status lost local.conf keys"
log "/status, /config ok"

# ---- 404, 413, jsonp, bonds
expect 404 GET /nope
[[ -z $body ]] || fail "404 with a body: $body"
expect 404 GET /network/123
expect 404 GET /network/"$nwid"x
expect 404 GET /moon/00000000"$addr_root" # 16 digits: /moon/<id> takes 10
expect 404 PATCH /status
expect 404 GET "/network/$nwid" # not joined yet
[[ $body == '{}' ]] || fail "not joined: $body"
head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' ' ' >"$tmp/big"
code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' -X POST -H "X-ZT1-Auth: $token" \
    --data-binary @"$tmp/big" "http://127.0.0.1:$aport/config/settings")
[[ $code == 413 ]] || fail "1 MiB + 10 bytes: $code"
code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' -X POST -H "X-ZT1-Auth: $token" \
    -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big" \
    "http://127.0.0.1:$aport/config/settings")
[[ $code == 413 ]] || fail "1 MiB + 10 bytes, chunked: $code"
body=$(curl -s -m 10 "http://127.0.0.1:$aport/health?jsonp=cb")
[[ $body == 'cb({'*'});' ]] || fail "jsonp: $body"
expect 400 GET "/bond/show/$addr_root"
[[ $body == '{}' ]] || fail "bond: $body"
log "404, 413, jsonp, bond ok"

# ---- join over HTTP: first nwid2 (unknown to the controller), then nwid, as zerotier-cli does
expect 200 POST "/network/$nwid2" '{}'
[[ $(js 'd["id"]') == "$nwid2" ]] || fail "join $nwid2: $body"
python3 - "$aport" "$token" "$nwid" >"$tmp/raw" <<'PY'
import re, socket, sys
port, token, nwid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
req = ("POST /network/%s HTTP/1.1\r\nContent-Length: 2\r\nContent-Type: application/json\r\n"
       "X-ZT1-Auth: %s\r\n\r\n{}" % (nwid, token)).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(req)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)content-length: *(\d+)", head)
    if m and len(rest) >= int(m.group(1)):
        break
print(data.decode())
PY
grep -q '^HTTP/1.1 200' "$tmp/raw" || fail "zerotier-cli's join: $(head -n1 "$tmp/raw")"
body=$(sed -n '/^\r$/,$p' "$tmp/raw" | tail -n +2)
[[ $(js 'd["nwid"]') == "$nwid" ]] || fail "join answer: $body"
[[ $(js 'd["status"]') =~ ^(REQUESTING_CONFIGURATION|OK)$ ]] || fail "join status: $body"
[[ $(js 'd["portDeviceName"]') == "$tmp/a/nc_$nwid" ]] || fail "portDeviceName"
printf 'allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=0\n' >"$tmp/want"
cmp -s "$tmp/want" "$tmp/a/networks.d/$nwid.local.conf" || fail "$nwid.local.conf differs"
poll 30 "/network/$nwid" 'd["status"] == "OK"' "$nwid never OK"
[[ $(js 'd["name"]') == api-net && $(js 'd["type"]') == PRIVATE ]] || fail "config: $body"
[[ $(js 'd["assignedAddresses"][0]') =~ ^10\.78\.0\.(1[0-9]|20)/24$ ]] || fail "address: $body"
[[ $(js 'd["routes"][0]["target"]') == 10.78.0.0/24 && $(js 'd["routes"][0]["via"]') == None ]] ||
    fail "routes: $body"
[[ $(js 'd["broadcastEnabled"]') == True && $(js 'd["netconfRevision"]') -ge 1 ]] || fail "flags"
log "join over HTTP: $nwid OK with $(js 'd["assignedAddresses"][0]')"
expect 200 POST "/network/$nwid" '{"allowGlobal":true,"allowDNS":"yes"}'
[[ $(js 'd["allowGlobal"]') == True && $(js 'd["allowDNS"]') == False ]] || fail "set: $body"
grep -qx 'allowGlobal=1' "$tmp/a/networks.d/$nwid.local.conf" || fail "allowGlobal not written"
expect 200 POST "/network/$nwid" 'not json'  # ignored (service.md §5.3)
expect 200 GET /network
[[ $(js '[n["id"] for n in d]') == "['$nwid', '$nwid2']" ]] || fail "/network: not sorted"
poll 20 /network 'd[1]["status"] == "NOT_FOUND"' "$nwid2 never NOT_FOUND"

# ---- leave
expect 200 DELETE "/network/$nwid2"
[[ $body == '{"result":true}' ]] || fail "leave: $body"
expect 200 DELETE "/network/$nwid2"
[[ $body == '{}' ]] || fail "second leave: $body"
[[ ! -e $tmp/a/networks.d/$nwid2.local.conf ]] || fail "$nwid2.local.conf left"
expect 404 GET "/network/$nwid2"
log "leave ok"

# ---- peers and moons
expect 200 GET /peer
[[ $(js '[p["address"] for p in d] == sorted(p["address"] for p in d)') == True ]] ||
    fail "peers not sorted"
expect 200 GET "/peer/$addr_root"
[[ $(js 'd["role"]') == PLANET && $(js 'd["versionMajor"]') == 1 ]] || fail "root peer: $body"
[[ $(js '[p for p in d["paths"] if p["preferred"]][0]["address"]') == "127.0.0.1/$port" ]] ||
    fail "root path: $body"
[[ $(js 'd["paths"][0]["localPort"]') == "$aport" ]] || fail "localPort: $body"
expect 200 GET /peer/0000000001
[[ $body == '{}' ]] || fail "unknown peer: $body"
expect 200 GET /moon
[[ $body == '[]' ]] || fail "/moon: $body"
expect 200 GET "/moon/$addr_root"
[[ $body == '{}' ]] || fail "/moon/<id>: $body"
expect 400 POST "/moon/$addr_root" '{"seed":'
expect 200 POST "/moon/$addr_root" '{"seed":"0"}'
[[ $body == '{}' ]] || fail "orbit with seed 0: $body"
expect 200 POST "/moon/$addr_root" "{\"seed\":\"$addr_root\"}"
[[ $(js 'd["waiting"]') == True && $(js 'd["id"]') == "000000$addr_root" ]] || fail "orbit: $body"
expect 200 DELETE "/moon/$addr_root"
[[ $body == '{"result":true}' ]] || fail "deorbit: $body"
log "peers and moons ok"

# ---- /metrics: either token, text/plain
code=$(curl -s -m 10 -o "$tmp/metrics" -w '%{http_code} %{content_type}' \
    -H "X-ZT1-Auth: $token" "http://127.0.0.1:$aport/metrics")
[[ $code == '200 text/plain'* ]] || fail "/metrics: $code"
grep -Eq '^zt_packet\{direction="rx"\} [1-9]' "$tmp/metrics" || fail "/metrics: no zt_packet"
grep -q '^zt_num_networks 1$' "$tmp/metrics" || fail "/metrics: zt_num_networks"
grep -q "^zt_peer_latency{node_id=\"$addr_root\"}" "$tmp/metrics" || fail "/metrics: no peer"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$aport/metrics?auth=$(cat "$tmp/a/metricstoken.secret")")
[[ $code == 200 ]] || fail "/metrics with the metrics token: $code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$aport/status?auth=$(cat "$tmp/a/metricstoken.secret")")
[[ $code == 401 ]] || fail "/status with the metrics token: $code"
log "/metrics ok"
(($(grep -c " info network $nwid ok " "$tmp/a.log") == 1)) || fail "'network ok' logged more than once"

# ---- restart: networks.d is rejoined, the token kept, wildcard listeners
kill -TERM "$apid"
wait_exit 10 "$apid" || fail "a did not stop within 10 s"
((status == 0)) || fail "a exited with $status"
grep -q ' info stopped$' "$tmp/a.log" || fail "a did not stop cleanly"
mv "$tmp/a.log" "$tmp/a-first.log"
old_token=$token
start_a
[[ $token == "$old_token" ]] || fail "authtoken.secret changed at restart"
[[ $(cat "$tmp/a/zerotier-one.port") == "$aport" ]] || fail "zerotier-one.port"
poll 30 "/network/$nwid" 'd["status"] == "OK"' "$nwid not rejoined at restart"
expect 200 GET /network
[[ $(js 'len(d)') == 1 ]] || fail "after restart: $body"
[[ $(js 'd[0]["allowGlobal"]') == True ]] || fail "local settings lost at restart"
log "restart: $nwid rejoined from networks.d"
# A client outside loopback, from a network namespace of the test's own (needs root; skipped
# otherwise): refused unless in allowManagementFrom.
ns=ztapi$$
sub=$((RANDOM % 200 + 20))
on_cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    ip link del "v$ns" 2>/dev/null || true
}
nscurl() {
    ip netns exec "$ns" curl -s -m 10 -o /dev/null -w '%{http_code}' -H "X-ZT1-Auth: $token" \
        "http://10.213.$sub.1:$aport/status" || true
}
if ip netns add "$ns" 2>/dev/null; then
    { ip link add "v$ns" type veth peer name "p$ns" && ip link set "p$ns" netns "$ns" &&
        ip addr add "10.213.$sub.1/24" dev "v$ns" && ip link set "v$ns" up &&
        ip netns exec "$ns" ip addr add "10.213.$sub.2/24" dev "p$ns" &&
        ip netns exec "$ns" ip link set "p$ns" up; } || fail "network namespace set-up"
    expect 200 POST /config/settings '{"allowManagementFrom":[]}'
    code=$(nscurl)
    [[ $code == 401 ]] || fail "client 10.213.$sub.2: $code, expected 401"
    expect 200 POST /config/settings "{\"allowManagementFrom\":[\"10.213.$sub.0/30\"]}"
    code=$(nscurl)
    [[ $code == 200 ]] || fail "client 10.213.$sub.2 in allowManagementFrom: $code"
    log "allowManagementFrom ok (a client in namespace $ns)"
else
    log "no network namespace (not root?): allowManagementFrom from outside loopback untested"
fi

# ---- --no-api: nothing listens on the port
"$svc" -p 0 "${common[@]}" --no-secondary-port --no-api "$tmp/c" 2>"$tmp/c.log" &
pids+=($!)
wait_for 10 "$tmp/c.log" 'I/O thread started' || fail "c did not start"
cport=$(cat "$tmp/c/zerotier-one.port")
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$cport/health") || true
[[ $code == 000 ]] || fail "--no-api: $code"
[[ ! -e $tmp/c/authtoken.secret ]] || fail "--no-api wrote authtoken.secret"

# ---- local.conf's port settings override the command line (service.md §3); a bad one is
# ignored with a warning
mkdir -p "$tmp/d"
dport=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
printf '{"settings":{"primaryPort":%d,"allowSecondaryPort":false,"secondaryPort":"x"}}' \
    "$dport" >"$tmp/d/local.conf"
"$svc" -p 0 "${common[@]}" "$tmp/d" 2>"$tmp/d.log" &
pids+=($!)
wait_for 10 "$tmp/d.log" 'I/O thread started' || fail "d did not start"
[[ $(cat "$tmp/d/zerotier-one.port") == "$dport" ]] || fail "local.conf primaryPort not used"
grep -q " port=$dport secondary=0 " "$tmp/d.log" || fail "allowSecondaryPort false not used"
grep -q 'settings.secondaryPort is not a port; ignored' "$tmp/d.log" ||
    fail "no warning for a bad secondaryPort"
log "local.conf ports: primary $dport, no secondary"

for p in "${pids[@]}"; do kill -TERM "$p"; done
expect_clean_stop root a c d
no_sanitizer_report
log "PASS in $((SECONDS - t0)) s"
