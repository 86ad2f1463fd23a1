#!/usr/bin/env bash
# The controller's REST routes through zt-service's local API (controller.md §5), on
# loopback with a private planet: a root that runs the controller, and member A, both driven
# only over HTTP.  A network is created over HTTP (its ID under the root's address), A joins
# and is refused (ACCESS_DENIED, its member record appears), then it is authorized over HTTP
# and its network becomes OK within two seconds: the edit is pushed, not waited for at A's
# next refresh.  Member B, authorized ahead, pings A's address; deauthorized over HTTP, B is
# cut off within a second (the controller's revocation reaches A, which refuses B's frames).
# Deleted, the network is gone from the listings.
#
# usage: controller_api.sh <zt-service> <zt-idtool>
# Every wait is bounded; every process is stopped by the trap.  ZT_KEEP_TMP=1 keeps the
# temp directory.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-ctlapi.XXXXXX")
pids=()
budget=90
t0=$SECONDS

name=controller_api
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# call <home> <method> <path> [body]: a request to that node's API; sets |code| and |body|.
call() {
    local home=$tmp/$1 args
    args=(-s -m 10 -o "$tmp/body" -w '%{http_code}' -X "$2"
        -H "X-ZT1-Auth: $(cat "$home/authtoken.secret")")
    (($# >= 4)) && args+=(-H 'Content-Type: application/json' --data-binary "$4")
    code=$(curl "${args[@]}" "http://127.0.0.1:$(cat "$home/zerotier-one.port")$3") || code=000
    body=$(cat "$tmp/body")
}

# expect <code> <home> <method> <path> [body]
expect() {
    local want=$1
    shift
    call "$@"
    [[ $code == "$want" ]] || fail "$1 $2 $3: status $code, expected $want (body: ${body:0:300})"
}

# js <python expression over d>: evaluates it on the last |body| (JSON).
js() {
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$body" "$1"
}

# network_status: A's view of the network (or "none").
network_status() {
    call a GET "/network/$nwid"
    if [[ $code == 200 ]]; then js 'd.get("status", "none")'; else echo none; fi
}

# wait_status <seconds> <status>: until A's network has that status; prints the wait in ms.
wait_status() {
    local start deadline
    start=$(date +%s%N)
    deadline=$((SECONDS + $1))
    until [[ $(network_status) == "$2" ]]; do
        ((SECONDS < deadline && $(left) > 1)) || fail "network never $2 (last: $body)"
        sleep 0.05
    done
    echo $((($(date +%s%N) - start) / 1000000))
}

identities root a b
addr_root=$(addr root)
addr_a=$(addr a)
addr_b=$(addr b)
common=(--bind-loopback --allow-loopback --log-level debug)
start_root 00000000c0ffee06 a b -- --controller
log "root/controller $addr_root on 127.0.0.1:$port"

# ---- the controller's status object and an empty listing
expect 200 root GET /controller
want_head=$'{\n\t"controller": true,\n\t"apiVersion": 4,\n\t"clock": '
want_tail=$',\n\t"databaseReady": true\n}'
[[ $body == "$want_head"*"$want_tail" ]] || fail "GET /controller: $body"
expect 200 root GET /controller/network
[[ $body == '[]' ]] || fail "no networks yet: $body"

# ---- a network made over HTTP, under the controller's address
expect 200 root POST /controller/network '{"name":"rest-net","private":true,
    "v4AssignMode":{"zt":true},
    "ipAssignmentPools":[{"ipRangeStart":"10.79.0.10","ipRangeEnd":"10.79.0.20"}],
    "routes":[{"target":"10.79.0.0/24"}],"rules":[{"type":"ACTION_ACCEPT"}]}'
nwid=$(js 'd["id"]')
[[ $nwid == "$addr_root"?????? && $(js 'd["name"]') == rest-net ]] || fail "created: $body"
expect 200 root GET /controller/network
[[ $(js 'd') == "['$nwid']" ]] || fail "listing: $body"
log "network $nwid created over HTTP"

# ---- A joins over its own API and is refused; its record appears at the controller
"$svc" -p 0 "${common[@]}" --no-secondary-port --answer-arp-icmp "$tmp/a" 2>"$tmp/a.log" &
pids+=($!)
wait_for 10 "$tmp/a.log" 'I/O thread started' || fail "a did not start"
wait_for 20 "$tmp/a.log" ' info online$' || fail "a never online"
expect 200 a POST "/network/$nwid" '{}'
wait_status 20 ACCESS_DENIED >/dev/null
expect 200 root GET "/controller/network/$nwid/member"
[[ $(js "'$addr_a' in d") == True ]] || fail "member list: $body"
expect 200 root GET "/controller/network/$nwid/member/$addr_a"
[[ $(js 'd["authorized"]') == False ]] || fail "member before: $body"
log "a joined and was refused; its record is there"

# ---- authorized over HTTP: pushed to A at once
expect 200 root POST "/controller/network/$nwid/member/$addr_a" '{"authorized":true}'
[[ $(js 'd["authorized"]') == True ]] || fail "authorize answer: $body"
ms=$(wait_status 2 OK)
call a GET "/network/$nwid"
[[ $(js 'd["assignedAddresses"][0]') == 10.79.0.* ]] || fail "no pool address: $body"
log "authorized over HTTP: a's network OK after $ms ms"

# ---- B, authorized ahead over HTTP, pings A's address (ARP, then ICMP echo every 100 ms)
expect 200 root POST "/controller/network/$nwid/member/$addr_b" '{"authorized":true}'
call a GET "/network/$nwid"
ip_a=$(js 'd["assignedAddresses"][0].split("/")[0]')
"$svc" -p 0 "${common[@]}" --no-secondary-port --join "$nwid" --ping-ip "$nwid:$ip_a" \
    --interval 100 "$tmp/b" 2>"$tmp/b.log" &
pids+=($!)
wait_for 30 "$tmp/b.log" "icmp-reply from=$ip_a " || fail "b never got an echo reply from a"
replies=$(grep -c "icmp-reply from=$ip_a " "$tmp/b.log")
sleep 1
(($(grep -c "icmp-reply from=$ip_a " "$tmp/b.log") >= replies + 5)) ||
    fail "a answers b only now and then"
log "b pings a ($ip_a) over the network, ~10 replies a second"

# ---- B deauthorized over HTTP: the record says so, and the revocation the controller sends
# to A makes A refuse B's frames within a second (B keeps its config: only A can cut it)
expect 200 root POST "/controller/network/$nwid/member/$addr_b" '{"authorized":false}'
[[ $(js 'd["authorized"]') == False ]] || fail "deauthorize answer: $body"
expect 200 root GET "/controller/network/$nwid/member/$addr_b"
[[ $(js 'd["authorized"]') == False ]] || fail "member after: $body"
sleep 1
replies=$(grep -c "icmp-reply from=$ip_a " "$tmp/b.log")
sleep 2
[[ $(grep -c "icmp-reply from=$ip_a " "$tmp/b.log") == "$replies" ]] ||
    fail "a still answers b 1-3 s after b was deauthorized"
log "b deauthorized over HTTP: a stopped answering it within a second"

# ---- bad input, unknown routes, delete
expect 500 root POST "/controller/network/$nwid" '{"name":'
[[ $(js 'd["error"]') == 500 ]] || fail "malformed JSON: $body"
expect 404 root GET "/controller/network/${addr_root}ffffff"
[[ -z $body ]] || fail "404 with a body: $body"
expect 404 root GET /controller/nope
expect 200 root DELETE "/controller/network/$nwid"
expect 200 root GET /controller/network
[[ $body == '[]' ]] || fail "after delete: $body"
expect 404 a GET /controller # A runs no controller
log "malformed JSON 500, unknown 404, delete ok"

stop_all
no_sanitizer_report
log "PASS"
