#!/usr/bin/env bash
# libzt's modern example programs (examples/modern/*.c, written against
# include/libzt-modern/ZeroTierSockets.h) against each other on a private world on loopback,
# with the behaviour and lines api-modern.md §10.2 gives them.
#
# The world is the one of tests/integration/examples.sh (lib.sh): a root that is also the
# network controller (zt-service --controller; a private network with an IPv4 pool and RFC
# 4193 IPv6; the nodes whose identities are made here authorized ahead) and a planet naming it
# at 127.0.0.1.  Programs with a storage directory find the planet there as `roots`; the
# memory-only ones read it through ZT_EXAMPLE_ROOTS (examples/modern/README.md), and since they
# make a new identity at each start they are authorized over the controller's HTTP API once
# they print their node ID, as a user would authorize them.
#
#   server + client          IPv4 on the controller's network: 22 bytes there and back, exit 0
#   server + client (IPv6)   on the ad-hoc network ff0fa01004000000, at their 6PLANE addresses
#   nonblockingserver/-client  the 22-byte messages arrive through zts_bsd_poll/zts_bsd_recv
#   pingable-node            identity and key pair printed; a zt-service member pings its IPv4
#   statistics               nine counter lines a second; its ICMP and link counters grow
#                            while the member pings it
#   callbackapi              NODE_ONLINE with its ID, ACCESS_DENIED before it is authorized,
#                            then NETWORK_READY_IP6 and ADDR_ADDED_IP6 with its RFC 4193 address
#   adhoc (twice)            two nodes on the ad-hoc network, each at its 6PLANE address (the
#                            IPv6 server and client above reach each other on that network)
#   nostorage                the store events (270, 141, the planet's length), online, and no
#                            file in its working directory or in HOME
#   customroots              its own signed planet naming the test's root: identity.public,
#                            identity.secret and roots (= the printed blob) in its directory,
#                            online, the root's path printed
#
# usage: examples_modern.sh <zt-service> <zt-idtool> <zt-ctltool> <examples bin directory>
# Every process is stopped by the trap (lib.sh); every wait is bounded by |budget|.
# ZT_KEEP_TMP=1 keeps the temp directory.
# shellcheck disable=SC2154,SC2034
set -euo pipefail

(($# == 4)) || { echo "usage: $0 zt-service zt-idtool zt-ctltool examples-bin-dir" >&2; exit 2; }
svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
bin=$(realpath "$4")
pids=()
t0=$SECONDS
budget=90
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-examples-modern.XXXXXX")
name=modern.examples
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/lib.sh
source "$here/../integration/lib.sh"
# lib.sh's log line, with the seconds since the start.
log() { printf '[%s] %3ds %s\n' "$name" "$((SECONDS - t0))" "$*"; }

for p in pingable-node callbackapi statistics adhoc nostorage customroots server client \
    nonblockingserver nonblockingclient; do
    [[ -x $bin/$p ]] || fail "no program $bin/$p"
done

adhoc_nwid=ff0fa01004000000 # zts_net_compute_adhoc_id(4000, 4100)

# A node ID as %llx prints it (no leading zeros), and back to 10 digits.
hexnz() { printf '%x' "$((0x$1))"; }
hex10() { printf '%010x' "$((0x$1))"; }

# first_match <file> <sed expression printing the wanted part>
first_match() { sed -n "$2" "$1" | head -n1; }

# run <name> <program> <arg>...: a program in the background, in $tmp/<name>.cwd (made empty),
# its output in $tmp/<name>.log; sets pid_<name>.  |run_env| (an array) goes before it.
run() {
    local n=$1 p=$2
    shift 2
    mkdir -p "$tmp/$n.cwd"
    (cd "$tmp/$n.cwd" && exec env "${run_env[@]}" "$bin/$p" "$@") >"$tmp/$n.log" 2>&1 &
    pids+=($!)
    declare -g "pid_$n=$!"
    run_env=()
}
run_env=()

# authorize <node ID>: the controller's HTTP API (the root's local API) authorizes it; a
# refused or failed request is tried again (five times in all), then fails the test.
authorize() {
    local url code try
    url="http://127.0.0.1:$(cat "$tmp/root/zerotier-one.port")/controller/network/$nwid/member/$(hex10 "$1")"
    for try in 1 2 3 4 5; do
        code=$(curl -s -m 10 -o "$tmp/authorize.out" -w '%{http_code}' -X POST \
            -H "X-ZT1-Auth: $(cat "$tmp/root/authtoken.secret")" \
            -H 'Content-Type: application/json' --data-binary '{"authorized":true}' "$url") || true
        [[ $code == 200 ]] && grep -q '"authorized": *true' "$tmp/authorize.out" && return 0
        log "authorize $1 (try $try): HTTP ${code:-none} $(head -c 200 "$tmp/authorize.out" 2>/dev/null)"
        sleep 0.5
    done
    fail "could not authorize $1 over the controller's API"
}

# node_id <name> <regex before the ID>: waits for the line and prints the ID it gives.
node_id() {
    wait_for 30 "$tmp/$1.log" "^$2[0-9a-f]+\$" || fail "$1: no line '$2<node ID>'"
    sed -nE "s/^$2([0-9a-f]+)\$/\1/p" "$tmp/$1.log" | head -n1
}

# v6 <address>: the IPv6 address as 32 lower-case hex digits (any text form; no python, whose
# start-up costs a second on a loaded machine).
v6() {
    local a=${1,,} head tail g out='' n=0 hg=() tg=()
    if [[ $a == *::* ]]; then head=${a%%::*} tail=${a#*::}; else head=$a tail=''; fi
    [[ -n $head ]] && IFS=: read -ra hg <<<"$head"
    [[ -n $tail ]] && IFS=: read -ra tg <<<"$tail"
    [[ $a == *::* ]] && n=$((8 - ${#hg[@]} - ${#tg[@]}))
    for g in "${hg[@]}"; do out+=$(printf '%04x' "$((16#$g))"); done
    for ((; n > 0; n--)); do out+=0000; done
    for g in "${tg[@]}"; do out+=$(printf '%04x' "$((16#$g))"); done
    echo "$out"
}

# rfc4193 / sixplane <nwid> <node>: the addresses api-modern.md §5.5 computes (32 hex digits).
rfc4193() { printf 'fd%016x9993%010x' "$((0x$1))" "$((0x$2))"; }
sixplane() {
    local n=$((0x$1))
    printf 'fc%08x%010x000000000001' "$(((n ^ (n >> 32)) & 0xffffffff))" "$((0x$2))"
}

# ---- the world ----------------------------------------------------------------------------

homes=(root server client nbserver nbclient member s6 c6)
identities "${homes[@]}"
nwid="$(addr root)000001"
nwid_p=$(hexnz "$nwid") # as the programs print it (%llx): no leading zero
pool_network "$nwid" examples-modern 10.83.0 10 60 true server client nbserver nbclient member
common=(--bind-loopback --allow-loopback --log-level info)
root_ready=' info online$'
start_root 00000000c0ffee0b "${homes[@]:1}" -- --controller
for h in server client nbserver nbclient s6 c6; do cp "$tmp/$h/planet" "$tmp/$h/roots"; done
log "root/controller $(addr root) on 127.0.0.1/$port, network $nwid"

# ---- every program at once (the clients and the pinging member follow their servers) --------

roots_env=(ZT_EXAMPLE_ROOTS="$tmp/planet")
run server server "$tmp/server" "$nwid" 0.0.0.0 5000
run nbserver nonblockingserver "$tmp/nbserver" "$nwid" 0.0.0.0 5001
run s6 server "$tmp/s6" "$adhoc_nwid" :: 4000
run_env=("${roots_env[@]}") && run pingable pingable-node "$nwid"
run_env=("${roots_env[@]}") && run stats statistics "$nwid"
run_env=("${roots_env[@]}") && run callback callbackapi "$nwid"
run_env=("${roots_env[@]}") && run adhoc1 adhoc 4000 4100
run_env=("${roots_env[@]}") && run adhoc2 adhoc 4000 4100
mkdir -p "$tmp/nostorage.home"
run_env=("${roots_env[@]}" HOME="$tmp/nostorage.home") && run nostorage nostorage
run_env=(ZT_EXAMPLE_ROOT_ID="$(cat "$tmp/root/identity.public")"
    ZT_EXAMPLE_ROOT_ENDPOINT="127.0.0.1/$port") && run custom customroots

# The memory-only nodes are new to the controller: authorize pingable-node and statistics as
# soon as they print their IDs; callbackapi only after it has reported ACCESS_DENIED.
id_pingable=$(node_id pingable 'My public identity \(node ID\) is ')
authorize "$id_pingable"
id_stats=$(node_id stats 'My public identity \(node ID\) is ')
authorize "$id_stats"
id_callback=$(node_id callback "ZTS_EVENT_NODE_ONLINE --- This node's ID is ")
wait_for 30 "$tmp/callback.log" "^ZTS_EVENT_NETWORK_ACCESS_DENIED --- Access to virtual network $nwid_p has been denied" ||
    fail "callbackapi: no ACCESS_DENIED before it was authorized"
authorize "$id_callback"
log "authorized the memory-only nodes $id_pingable, $id_stats and $id_callback (after its ACCESS_DENIED)"

# ip_of_example <name> <regex of the address>: from "This node's address on network ... is".
ip_of_example() {
    wait_for 30 "$tmp/$1.log" "^This node's address on network [0-9a-f]+ is $2\$" ||
        fail "$1: no address"
    first_match "$tmp/$1.log" "s/^This node's address on network [0-9a-f]* is \(.*\)\$/\1/p"
}
ip_server=$(ip_of_example server '10\.83\.0\.[0-9]+')
wait_for 10 "$tmp/server.log" '^Starting server on 0\.0\.0\.0 port 5000' || fail "server: not started"
run client client "$tmp/client" "$nwid" "$ip_server" 5000
ip_nbserver=$(ip_of_example nbserver '10\.83\.0\.[0-9]+')
wait_for 10 "$tmp/nbserver.log" '^Listening on 0\.0\.0\.0 port 5001$' || fail "nonblockingserver: not listening"
run nbclient nonblockingclient "$tmp/nbclient" "$nwid" "$ip_nbserver" 5001
ip_s6=$(ip_of_example s6 '[0-9A-Fa-f:]+')
wait_for 10 "$tmp/s6.log" '^Starting server on :: port 4000' || fail "server (ad-hoc): not started"
run c6 client "$tmp/c6" "$adhoc_nwid" "$ip_s6" 4000

# ping_ip <name>: the "Join <nwid> and ping me at <IPv4>" address of a memory-only node.
ping_ip() {
    wait_for 30 "$tmp/$1.log" "^Join $nwid_p and ping me at 10\\.83\\.0\\.[0-9]+\$" ||
        fail "$1: no IPv4 'ping me at' line"
    first_match "$tmp/$1.log" "s/^Join $nwid_p and ping me at \(10\.83\.0\.[0-9]*\)\$/\1/p"
}
ip_pingable=$(ping_ip pingable)
ip_stats=$(ping_ip stats)
"$svc" -p 0 --bind-loopback --allow-loopback --log-level debug --join "$nwid" --answer-arp-icmp \
    --ping-ip "$nwid:$ip_pingable" --ping-ip "$nwid:$ip_stats" --interval 300 \
    "$tmp/member" 2>"$tmp/member.log" &
pids+=($!)
log "all started; member $(addr member) pings pingable-node ($ip_pingable) and statistics ($ip_stats)"

# ---- the checks ----------------------------------------------------------------------------

# finished <name> <seconds>: the program exits 0 within the bound.
finished() {
    local p=pid_$1
    wait_exit "$2" "${!p}" || fail "$1: still running after $2 s"
    ((status == 0)) || fail "$1: exit status $status"
}

# has <name> <extended regex>...: each matches a whole line of the program's output.
has() {
    local n=$1 l
    shift
    for l in "$@"; do grep -Eq -- "^$l\$" "$tmp/$n.log" || fail "$n: no line '$l'"; done
}

# check_client <client>: connected, 22 bytes there and back, exit 0.
check_client() {
    finished "$1" 40
    has "$1" 'Connected\.' 'Sent 22 bytes: Welcome to the machine' \
        'Read 22 bytes: Welcome to the machine' 'Closing socket' 'Shutting down service'
}

# check_server <server> <client's address, as v6 prints it for IPv6, else a regex>: the message
# read and echoed, exit 0 (the server waits up to 5 s for the client to close: checked last).
check_server() {
    local peer
    finished "$1" 15
    has "$1" 'Read 22 bytes: Welcome to the machine' 'Sent 22 bytes: Welcome to the machine' \
        'Closing connection socket' 'Shutting down service'
    peer=$(first_match "$tmp/$1.log" 's/^Accepted connection from \(.*\):[0-9]*$/\1/p')
    [[ -n $peer ]] || fail "$1: no 'Accepted connection from <ip>:<port>'"
    [[ $peer == *:* ]] && peer=$(v6 "$peer")
    [[ $peer =~ ^$2$ ]] || fail "$1: accepted $peer, expected the client ($2)"
}

check_server_client() {
    has server "Public identity \\(node ID\\) is $(hexnz "$(addr server)")"
    ip_client=$(ip_of_example client '10\.83\.0\.[0-9]+')
    [[ $ip_client != "$ip_server" ]] || fail "client: the server's address"
    check_client client
    log "client ($ip_client) -> server ($ip_server) over IPv4: 22 bytes there and back, exit 0"
}

check_server_client6() {
    local want_s want_c ip_c6
    want_s=$(sixplane "$adhoc_nwid" "$(addr s6)")
    want_c=$(sixplane "$adhoc_nwid" "$(addr c6)")
    [[ $(v6 "$ip_s6") == "$want_s" ]] || fail "server (ad-hoc): address $ip_s6, expected 6PLANE $want_s"
    ip_c6=$(ip_of_example c6 '[0-9A-Fa-f:]+')
    [[ $(v6 "$ip_c6") == "$want_c" ]] || fail "client (ad-hoc): address $ip_c6, expected 6PLANE $want_c"
    check_client c6
    log "client ($ip_c6) -> server ($ip_s6) over IPv6 on ad-hoc $adhoc_nwid: 22 bytes, exit 0"
}

check_servers() {
    check_server server "${ip_client//./\\.}"
    check_server s6 "$(sixplane "$adhoc_nwid" "$(addr c6)")"
    log "both servers saw their client's address, echoed 22 bytes and exited 0"
}

check_nonblocking() {
    local ip_nbclient n
    wait_for 20 "$tmp/nbserver.log" '^Accepted connection from ' || fail "nonblockingserver: no client"
    ip_nbclient=$(ip_of_example nbclient '10\.83\.0\.[0-9]+')
    has nbserver "Accepted connection from ${ip_nbclient//./\\.}:[0-9]+"
    # The first message goes at once, the next within 5 s: wait for two.
    wait_for 15 "$tmp/nbserver.log" '^zts_bsd_recv\(0, \.\.\.\)=22$' || fail "nonblockingserver: nothing received"
    for ((n = 0; n < 100; n++)); do
        (($(grep -c '^zts_bsd_recv(0, ...)=22$' "$tmp/nbserver.log") >= 2)) && break
        sleep 0.1
    done
    (($(grep -c '^zts_bsd_recv(0, ...)=22$' "$tmp/nbserver.log") >= 2)) ||
        fail "nonblockingserver: fewer than two 22-byte messages in 10 s"
    has nbserver 'zts_bsd_poll\(\)=0' 'zts_bsd_poll\(\)=1' 'Received: Welcome to the machine'
    has nbclient 'Connected\.' 'zts_send\(\)=22'
    # Nothing else arrived: every recv got whole 22-byte messages (two sent close together may
    # arrive as one), or nothing yet (-1, EAGAIN).
    sed -n 's/^zts_bsd_recv(0, ...)=\(.*\)$/\1/p' "$tmp/nbserver.log" |
        awk '$1 != -1 && ($1 <= 0 || $1 % 22 != 0) { bad = 1 } END { exit bad }' ||
        fail "nonblockingserver: a recv that is not whole 22-byte messages"
    log "nonblockingclient ($ip_nbclient) -> nonblockingserver: $(grep -c '^zts_bsd_recv(0, ...)=22$' \
        "$tmp/nbserver.log") messages of 22 bytes through poll/recv"
}

check_pingable() {
    local key
    key=$(first_match "$tmp/pingable.log" 's/^Identity \[public\/secret pair\] = \(.*\)$/\1/p')
    [[ ${#key} == 270 && $key =~ ^$(hex10 "$id_pingable"):0:[0-9a-f]{128}:[0-9a-f]{128}$ ]] ||
        fail "pingable-node: key pair '$key' is not the 270-character secret identity of $id_pingable"
    has pingable "Joining network $nwid_p" 'Node will now idle\.\.\.'
    wait_for 30 "$tmp/member.log" " info icmp-reply from=${ip_pingable//./\\.} seq=[0-9]+\$" ||
        fail "member: no ICMP echo reply from pingable-node ($ip_pingable)"
    log "pingable-node $id_pingable (key pair of 270 characters) answers pings at $ip_pingable"
}

# icmp4_rx values of statistics, one per second, in order.
icmp4_rx() { sed -n 's/^icmp4_tx=[0-9]*, icmp4_rx=\([0-9]*\), icmp4_drop=.*/\1/p' "$tmp/stats.log"; }
link_rx() { sed -n 's/^link_tx=[0-9]*, link_rx=\([0-9]*\), link_drop=.*/\1/p' "$tmp/stats.log"; }

check_statistics() {
    local names=(link etharp ip4 ip6 icmp4 icmp6 udp tcp nd6) block i first=0 last=0 n
    wait_for 20 "$tmp/stats.log" '^nd6_tx=' || fail "statistics: no counters"
    ! grep -q '^no results$' "$tmp/stats.log" || fail "statistics: zts_stats_get_all gave no results"
    # Nine lines a second, in the order of zts_stats_counter_t.
    mapfile -t block < <(grep -A8 -m1 '^link_tx=' "$tmp/stats.log")
    for i in "${!names[@]}"; do
        [[ ${block[$i]:-} =~ ^${names[$i]}_tx=[0-9]+,\ ${names[$i]}_rx=[0-9]+,\ ${names[$i]}_drop=[0-9]+,\ ${names[$i]}_err=[0-9]+$ ]] ||
            fail "statistics: line $((i + 1)) of a block is '${block[$i]:-}', expected ${names[$i]}_*"
    done
    # The member's pings are counted, and the counters keep growing.
    for ((n = 0; n < 300; n++)); do
        first=$(icmp4_rx | awk '$1 > 0 { print; exit }')
        last=$(icmp4_rx | tail -n1)
        [[ -n $first ]] && ((last > first)) && break
        sleep 0.1
    done
    if [[ -z $first ]] || ((last <= first)); then
        fail "statistics: icmp4_rx does not grow (${first:-0} .. $last)"
    fi
    (($(link_rx | tail -n1) > $(link_rx | head -n1))) || fail "statistics: link_rx does not grow"
    wait_for 10 "$tmp/member.log" " info icmp-reply from=${ip_stats//./\\.} seq=[0-9]+\$" ||
        fail "member: no ICMP echo reply from statistics ($ip_stats)"
    log "statistics: nine counter lines a second; icmp4_rx $first -> $last, link_rx $(link_rx | head -n1) -> $(link_rx | tail -n1)"
}

check_callbackapi() {
    local got want
    wait_for 20 "$tmp/callback.log" "^ZTS_EVENT_NETWORK_READY_IP6 --- .* network $nwid_p\$" ||
        fail "callbackapi: no NETWORK_READY_IP6 after it was authorized"
    wait_for 5 "$tmp/callback.log" "^ZTS_EVENT_ADDR_ADDED_IP6 --- Join $nwid_p and ping me at " ||
        fail "callbackapi: no ADDR_ADDED_IP6"
    got=$(first_match "$tmp/callback.log" "s/^ZTS_EVENT_ADDR_ADDED_IP6 --- Join $nwid_p and ping me at \(.*\)\$/\1/p")
    want=$(rfc4193 "$nwid" "$id_callback")
    [[ $(v6 "$got") == "$want" ]] || fail "callbackapi: ADDR_ADDED_IP6 $got, expected its RFC 4193 $want"
    has callback "ZTS_EVENT_ADDR_ADDED_IP4 --- Join $nwid_p and ping me at 10\\.83\\.0\\.[0-9]+"
    log "callbackapi: node $id_callback online, ACCESS_DENIED, then READY_IP6 and $got"
}

check_adhoc() {
    local h id got
    for h in adhoc1 adhoc2; do
        wait_for 20 "$tmp/$h.log" '^Node will now idle\.\.\.$' || fail "$h: never idles"
        id=$(node_id "$h" 'My public identity \(node ID\) is ')
        has "$h" "Joining ad-hoc network $adhoc_nwid \\(ports 4000 to 4100\\)"
        got=$(first_match "$tmp/$h.log" "s/^Join $adhoc_nwid and ping me at \(.*\)\$/\1/p")
        [[ -n $got && $(v6 "$got") == $(sixplane "$adhoc_nwid" "$id") ]] ||
            fail "$h: assigned '$got', expected its 6PLANE $(sixplane "$adhoc_nwid" "$id")"
        got=$(first_match "$tmp/$h.log" "s/^6PLANE address on network $adhoc_nwid is \(.*\)\$/\1/p")
        [[ -n $got && $(v6 "$got") == $(sixplane "$adhoc_nwid" "$id") ]] || fail "$h: 6PLANE line '$got'"
        got=$(first_match "$tmp/$h.log" "s/^RFC 4193 address on network $adhoc_nwid is \(.*\) (computed.*/\1/p")
        [[ -n $got && $(v6 "$got") == $(rfc4193 "$adhoc_nwid" "$id") ]] || fail "$h: RFC 4193 line '$got'"
        log "$h: node $id at its 6PLANE address $(sixplane "$adhoc_nwid" "$id")"
    done
}

check_nostorage() {
    local sec pub plen id left_over
    wait_for 30 "$tmp/nostorage.log" '^Node [0-9a-f]+ is now online\. Idling\.$' ||
        fail "nostorage: never online"
    sec=$(first_match "$tmp/nostorage.log" 's/^ZTS_EVENT_STORE_IDENTITY_SECRET (len=270): \(.*\)$/\1/p')
    pub=$(first_match "$tmp/nostorage.log" 's/^ZTS_EVENT_STORE_IDENTITY_PUBLIC (len=141): \(.*\)$/\1/p')
    plen=$(first_match "$tmp/nostorage.log" 's/^ZTS_EVENT_STORE_PLANET (len=\([0-9]*\))$/\1/p')
    id=$(first_match "$tmp/nostorage.log" 's/^Node \([0-9a-f]*\) is now online\. Idling\.$/\1/p')
    [[ $sec =~ ^$(hex10 "$id"):0:[0-9a-f]{128}:[0-9a-f]{128}$ ]] ||
        fail "nostorage: no STORE_IDENTITY_SECRET (len=270) with the identity of node $id"
    [[ -n $pub && $pub == "${sec:0:141}" ]] || fail "nostorage: no STORE_IDENTITY_PUBLIC (len=141) matching it"
    [[ $plen =~ ^[1-9][0-9]*$ ]] || fail "nostorage: no STORE_PLANET with a length > 0"
    ((plen == $(stat -c %s "$tmp/planet"))) || fail "nostorage: STORE_PLANET of $plen bytes, the planet has $(stat -c %s "$tmp/planet")"
    # The store events come first, then NODE_ONLINE.
    [[ $(grep -E '^(ZTS_EVENT_STORE_|ZTS_EVENT_NODE_ONLINE)' "$tmp/nostorage.log" | awk '{ print $1 }' |
        tr '\n' ' ') == 'ZTS_EVENT_STORE_IDENTITY_SECRET ZTS_EVENT_STORE_IDENTITY_PUBLIC ZTS_EVENT_STORE_PLANET ZTS_EVENT_NODE_ONLINE ' ]] ||
        fail "nostorage: events not in the order SECRET, PUBLIC, PLANET, NODE_ONLINE"
    left_over=$(find "$tmp/nostorage.cwd" "$tmp/nostorage.home" -mindepth 1 | head -n3)
    [[ -z $left_over ]] || fail "nostorage: files written: $left_over"
    log "nostorage: node $id, store events 270/141/$plen, online, no file written"
}

check_customroots() {
    local d=$tmp/custom.cwd len hex id f
    wait_for 30 "$tmp/custom.log" '^Node [0-9a-f]+ is now online\. Idling\.$' ||
        fail "customroots: never online with the test's root"
    len=$(first_match "$tmp/custom.log" 's/^roots_len = \([0-9]*\)$/\1/p')
    [[ $len =~ ^[1-9][0-9]*$ ]] || fail "customroots: no roots_len > 0"
    has custom 'prev_key_len = 128' 'curr_key_len = 128' "Root $(addr root) at 127\\.0\\.0\\.1/$port"
    hex=$(first_match "$tmp/custom.log" 's/^roots_data = \([0-9a-f]*\)$/\1/p')
    ((${#hex} == 2 * len)) || fail "customroots: roots_data is not roots_len ($len) bytes"
    for f in identity.public identity.secret roots; do
        [[ -s $d/$f ]] || fail "customroots: no $f in its directory"
    done
    [[ $(od -An -v -tx1 "$d/roots" | tr -d ' \n') == "$hex" ]] || fail "customroots: roots is not the printed root set"
    id=$(first_match "$tmp/custom.log" 's/^Node \([0-9a-f]*\) is now online\. Idling\.$/\1/p')
    [[ $(cut -c1-10 "$d/identity.public") == "$(hex10 "$id")" ]] || fail "customroots: identity.public is not node $id's"
    has custom 'event_code = 200' 'event_code = 201' "ZTS_EVENT_NODE_ONLINE --- This node's ID is $id"
    # Not checked: which peer events come, and when.  api-modern.md §6.3 item 5 wants a root
    # first seen to yield PEER_DIRECT alone, PATH_DISCOVERED only when its path count grows,
    # and peer events only while online; the library gives PATH_DISCOVERED (path_count 1),
    # PEER_DIRECT, both before NODE_ONLINE, then PATH_DISCOVERED again with path_count still 1
    # (the same endpoint through the node's second UDP socket).  Reported, not worked around.
    wait_for 10 "$tmp/custom.log" "^  root $(hexnz "$(addr root)") \\(PLANET\\): event 24[0-4]," ||
        fail "customroots: no peer event for the root"
    wait_for 10 "$tmp/custom.log" "^    path\\[[0-9]+\\] = 127\\.0\\.0\\.1/$port\$" ||
        fail "customroots: the root's path 127.0.0.1/$port is not printed"
    log "customroots: its own planet ($len bytes, keys 128/128), node $id online, files and path OK"
}

# ---- run the checks ----------------------------------------------------------------------------

check_server_client
check_server_client6
check_nonblocking
check_pingable
check_statistics
check_callbackapi
check_adhoc
check_nostorage
check_customroots
check_servers

elapsed=$((SECONDS - t0))
((elapsed <= budget)) || fail "took ${elapsed}s, budget ${budget}s"
no_sanitizer_report
log "PASS (${elapsed}s)"
