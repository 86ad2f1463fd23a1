#!/usr/bin/env bash
# Socket tests of the zts_* API across processes, on a private world on loopback: a root that is
# also the network controller (zt-service --controller; its store made beforehand with
# zt-ctltool: a private network with an IPv4 pool, RFC 4193 IPv6, multicast and an ACCEPT rule,
# every member pre-authorized) and library nodes, each a zts_peer process with its own config
# directory (the planet and an identity made with zt-idtool).  A planet whose root is on
# 127.0.0.1 makes the library accept loopback paths by itself.
#
# usage: sockets.sh <group> <zt-service> <zt-idtool> <zt-ctltool> <zts_peer>
#
#   tcp        100 MB echoed byte-exact over IPv4 and over IPv6 (RFC 4193), MB/s printed
#              (ZTS_PEER_MB=<n> changes the size)
#   misc       UDP (up to the largest datagram, sender addresses, truncation, connected UDP),
#              non-blocking connect with zts_poll and zts_select, ECONNREFUSED, EADDRINUSE,
#              getsockname/getpeername (matched against the server's accept lines), dual stack,
#              listen backlog, SHUT_WR half-close, SO_RCVTIMEO, SO_SNDTIMEO, TCP_NODELAY,
#              SO_LINGER {1,0} both ways
#   mcast      IPv4 (IP_ADD_MEMBERSHIP) and IPv6 (IPV6_JOIN_GROUP, ff0e::) multicast: the member
#              that joined receives, the one that did not receives nothing (but gets unicast)
#   adhoc      an ad-hoc network (no controller): TCP to a port inside its range works, a port
#              outside does not connect
#   many       10,000 concurrent TCP connections from one node to another (ZTS_PEER_MANY=<n>)
#   cycles     20 zts_start/zts_stop cycles in one process, then a transfer, then zts_free
#   kill       a server killed (SIGKILL) mid-transfer: the client's blocked send and recv fail
#              with a sensible errno within a bound
#   lossy      TCP over a lossy underlay (lossy_shim.c: 5% of datagrams dropped, 1%
#              duplicated, 2% reordered): 100 MB one way (push4, ZTS_PEER_PUSH_MB) and 1 MiB
#              echoed over IPv6 (tcp6, ZTS_PEER_MB), byte-exact
#
# Every process is stopped by the trap (lib.sh); every wait is bounded by the group's budget.
# The library nodes bind their UDP port on every interface but only talk to 127.0.0.1.
# ZT_KEEP_TMP=1 keeps the temp directory.
# ip4_<home>, ip6_<home>, id_<home> and pid_<home> are set by ready() and node() (declare -g).
# shellcheck disable=SC2154
set -euo pipefail

(($# == 5)) || { echo "usage: $0 group zt-service zt-idtool zt-ctltool zts_peer" >&2; exit 2; }
group=$1
svc=$(realpath "$2")
idtool=$(realpath "$3")
ctltool=$(realpath "$4")
peer=$(realpath "$5")
pids=()
t0=$SECONDS
# Budgets (s), each several times what the group takes in the ASan+UBSan build (measured
# on 2 cores): tcp ~15, misc ~20, mcast ~13, adhoc ~11, many ~16-26, cycles ~7, kill ~16.
case $group in
tcp) budget=120 ;;
misc) budget=90 ;;
mcast) budget=60 ;;
adhoc) budget=60 ;;
many) budget=150 ;;
cycles) budget=90 ;;
kill) budget=60 ;;
lossy) budget=420 ;;
*) echo "sockets.sh: unknown group '$group'" >&2; exit 2 ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-sockets-$group.XXXXXX")
# zts_peer's own alarm: a hung call ends the process, never the script's budget.
export ZTS_PEER_ALARM=$budget

name=sockets.$group
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# A regex matching the text |1| literally.
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

# field <file> <key>: the value of "key=value" on the file's "ready" line.
field() { sed -n "s/^ready \(.* \)\{0,1\}$2=\([^ ]*\).*/\2/p" "$1" | head -n1; }

# ---- the world: identities, the controller's store, the root --------------------------------

# world <home>...: an identity per home (and the root's), the network with every home
# authorized, the root running with the planet copied into every home.
world() {
    local homes=("$@")
    identities root "${homes[@]}"
    addr_root=$(addr root)
    nwid="${addr_root}000001"
    pool_network "$nwid" sockets 10.79.0 10 250 true "${homes[@]}"
    common=(--bind-loopback --allow-loopback --log-level "${ZTS_ROOT_LOG:-info}")
    root_ready=' info online$'
    start_root 00000000c0ffee05 "${homes[@]}" -- --controller
    log "root/controller $addr_root on 127.0.0.1/$port, network $nwid, nodes: ${homes[*]}"
}

# node <home> <zts_peer args...>: starts a library node in the background, output in
# $tmp/<home>.log, pid in pid_<home>.
node() {
    local h=$1
    shift
    ZTS_LOG=1 "$peer" "$@" >"$tmp/$h.log" 2>&1 &
    pids+=($!)
    declare -g "pid_$h=$!"
}

# ready <home> [seconds]: waits for the node's "ready" line; sets ip4_<home>, ip6_<home> and
# id_<home>.
ready() {
    local h=$1 s=${2:-40}
    wait_for "$s" "$tmp/$h.log" '^ready ' || fail "$h: not ready (no 'ready' line)"
    declare -g "ip4_$h=$(field "$tmp/$h.log" ip4)"
    declare -g "ip6_$h=$(field "$tmp/$h.log" ip6)"
    declare -g "id_$h=$(field "$tmp/$h.log" node)"
    log "$h ready: $(grep -m1 '^ready ' "$tmp/$h.log")"
}

# finish <home> <seconds>: waits for the node to exit; fails unless its status is 0.
finish() {
    local h=$1 p
    p=pid_$h
    wait_exit "$2" "${!p}" || fail "$h: still running after $2 s"
    ((status == 0)) || fail "$h: exit status $status"
}

# stop_server <home>: the server's stop file, then a clean exit (zts_free) with status 0.
stop_server() {
    touch "$tmp/$1.stop"
    finish "$1" 20
    grep -q '^stopped zts_free=0$' "$tmp/$1.log" || fail "$1: zts_free did not return 0"
}

# results <home>: every PASS/FAIL line of a node; fails on any FAIL or TIMEOUT.
results() {
    grep -E '^(PASS|FAIL|TIMEOUT)' "$tmp/$1.log" | sed "s/^/[$name]   $1: /" || true
    ! grep -Eq '^(FAIL|TIMEOUT)' "$tmp/$1.log" || fail "$1: a case failed"
}

# The line "PASS <case> ..." of |1|'s log, field |3| ("key=value").
pass_field() { sed -n "s/^PASS $2 \(.* \)\{0,1\}$3=\([^ ]*\).*/\2/p" "$tmp/$1.log" | head -n1; }

base=9000

case $group in
lossy)
    # A lossy underlay: every process of this world (the root too) sends its UDP through the
    # lossy_shim preload, which drops 5%, duplicates 1% and holds back 2% of the datagrams
    # until the next one (reordering).  TCP must still deliver byte-exact: 100 MB one way over
    # IPv4 (push4, checked byte by byte by the receiver), 1 MiB echoed over IPv6 (tcp6).
    # lwIP recovers from loss much more slowly than a kernel does (docs/internals/socket.md).
    [[ -n ${ZT_LOSSY_SHIM:-} && -f $ZT_LOSSY_SHIM ]] || fail "ZT_LOSSY_SHIM names no library"
    export LD_PRELOAD=$ZT_LOSSY_SHIM ZT_SHIM_LOSS=5 ZT_SHIM_DUP=1 ZT_SHIM_REORDER=2
    export ZTS_PEER_MB=${ZTS_PEER_MB:-1} ZTS_PEER_PUSH_MB=${ZTS_PEER_PUSH_MB:-100}
    export ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0
    world server client
    node server server "$tmp/server" "$nwid" "$base" "$tmp/server.stop"
    ready server
    node client client "$tmp/client" "$nwid" "$ip4_server" "$ip6_server" "$base" push4 tcp6
    ready client
    finish client "$(left)"
    results client
    stop_server server
    ;;

tcp)
    world server client
    node server server "$tmp/server" "$nwid" "$base" "$tmp/server.stop"
    ready server
    node client client "$tmp/client" "$nwid" "$ip4_server" "$ip6_server" "$base" tcp4 tcp6
    ready client
    finish client "$(left)"
    results client
    stop_server server
    ;;

misc)
    world server client
    node server server "$tmp/server" "$nwid" "$base" "$tmp/server.stop"
    ready server
    # ZTS_SOCKETS_CASES="<case>..." runs only those (the server-side checks below then fail
    # for the cases left out).
    read -r -a cases <<<"${ZTS_SOCKETS_CASES:-udp4 udp6 nbpoll nbselect refused4 refused6 \
        addrinuse names4 names6 dualstack linger backlog halfclose rcvtimeo sndtimeo nodelay}"
    node client client "$tmp/client" "$nwid" "$ip4_server" "$ip6_server" "$base" "${cases[@]}"
    ready client
    finish client "$(left)"
    results client
    # The server saw what the client saw: its accept lines name the client's endpoints.
    for c in names4 names6; do
        l=$(pass_field client "$c" local)
        p=$(pass_field client "$c" peer)
        want="from=$(re "$l") local=$(re "$p") peer=$(re "$l")"
        grep -Eq "^accept echo[46] port=[0-9]+ fd=[0-9]+ $want\$" "$tmp/server.log" ||
            fail "$c: no server accept line from=$l local=$p peer=$l"
    done
    l=$(pass_field client dualstack local)
    want="from=\[::ffff:$(re "${l%:*}")\]:${l##*:} "
    grep -Eq "^accept echo6 port=$((base + 1)) fd=[0-9]+ $want" "$tmp/server.log" ||
        fail "dualstack: the IPv6 listener did not see [::ffff:$l]"
    # UDP: the server got datagrams from the client's address and port, the largest included.
    l=$(pass_field client udp4 local)
    max=$(pass_field client udp4 max)
    grep -Eq "^udp4 from=$(re "$ip4_client"):${l##*:} len=$max\$" "$tmp/server.log" ||
        fail "udp4: no datagram of $max bytes from $ip4_client:${l##*:} at the server"
    l=$(pass_field client udp6 local)
    max=$(pass_field client udp6 max)
    grep -Eq "^udp6 from=\[$(re "$ip6_client")\]:${l##*:} len=$max\$" "$tmp/server.log" ||
        fail "udp6: no datagram of $max bytes from [$ip6_client]:${l##*:} at the server"
    # SO_LINGER {1,0} on the client's close: the server's blocked recv saw ECONNRESET (104).
    l=$(pass_field client linger reset_sent_from)
    wait_for 30 "$tmp/server.log" '^rstpeer fd=[0-9]+ recv=' || fail "linger: server never woke up"
    grep -Eq '^rstpeer fd=[0-9]+ recv=-1 errno=104 zts_errno=104 ' "$tmp/server.log" ||
        fail "linger: server: $(grep '^rstpeer' "$tmp/server.log")"
    grep -Eq "^accept rstpeer port=$((base + 8)) fd=[0-9]+ from=$(re "$l") " "$tmp/server.log" ||
        fail "linger: the reset connection was not from $l"
    log "server side: accept names, dual stack ::ffff:, UDP senders, reset seen as ECONNRESET"
    stop_server server
    ;;

mcast)
    g4=239.77.1.2
    g6=ff0e::77:1:2
    world member other sender
    node member mcast-recv "$tmp/member" "$nwid" "$g4" "$g6" 9100 join "$tmp/member.stop"
    node other mcast-recv "$tmp/other" "$nwid" "$g4" "$g6" 9100 nojoin "$tmp/other.stop"
    ready member
    ready other
    wait_for 10 "$tmp/member.log" "^joined " || fail "member: did not join the groups"
    wait_for 10 "$tmp/other.log" "^listening " || fail "other: not listening"
    # 60 datagrams per group, 150 ms apart (9 s): a new subscription reaches the root only at
    # the member's next 5 s timer tick (zt__node_multicast_subscribe, src/core/multicast.c),
    # and the sender learns of it then; the datagrams sent before that are lost.
    node sender mcast-send "$tmp/sender" "$nwid" "$g4" "$g6" 9100 60 "$ip4_other"
    ready sender
    finish member 40
    finish sender 20
    touch "$tmp/other.stop"
    finish other 20
    results member
    results other
    # Every multicast datagram the member got came from the sender's address.
    grep -Eq "^got m4 [0-9]+ from=$(re "$ip4_sender"):[0-9]+ on=v4 " "$tmp/member.log" ||
        fail "member: no IPv4 multicast from $ip4_sender"
    grep -Eq "^got m6 [0-9]+ from=\[$(re "$ip6_sender")\]:[0-9]+ on=v6 " "$tmp/member.log" ||
        fail "member: no IPv6 multicast from $ip6_sender"
    senders="from=($(re "$ip4_sender")|\[$(re "$ip6_sender")\]):"
    ! grep -E '^got m[46] ' "$tmp/member.log" | grep -Ev "$senders" ||
        fail "member: multicast from an unexpected sender"
    ;;

adhoc)
    # The ad-hoc network needs no controller; the root only introduces the two nodes.
    world s c
    first=5000
    last=5010
    node s adhoc-server "$tmp/s" "$first" "$last" 5005 6000 "$tmp/s.stop"
    ready s
    node c adhoc-client "$tmp/c" "$first" "$last" "$id_s" 5005 6000
    ready c
    finish c "$(left)"
    results c
    grep -Eq '^accept echo6 port=5005 ' "$tmp/s.log" || fail "s: no connection on port 5005"
    ! grep -Eq '^accept echo6 port=6000 ' "$tmp/s.log" || fail "s: a connection on port 6000"
    stop_server s
    ;;

many)
    n=${ZTS_PEER_MANY:-10000}
    world ms mc
    node ms many-server "$tmp/ms" "$nwid" 9200 "$n"
    ready ms
    wait_for 10 "$tmp/ms.log" '^serving many ' || fail "ms: not listening"
    node mc many-client "$tmp/mc" "$nwid" "$ip4_ms" 9200 "$n" "$tmp/mc.stop"
    ready mc
    finish ms "$(left)"
    touch "$tmp/mc.stop"
    finish mc 20
    results mc
    results ms
    ;;

cycles)
    world server cyc
    node server server "$tmp/server" "$nwid" "$base" "$tmp/server.stop"
    ready server
    node cyc cycles "$tmp/cyc" "$nwid" 20 "$ip4_server" "$base"
    finish cyc "$(left)"
    grep -E '^cycle ' "$tmp/cyc.log" | tail -n 3 | sed "s/^/[$name]   cyc: /"
    (($(grep -c '^cycle ' "$tmp/cyc.log") == 20)) || fail "cyc: not 20 cycles"
    grep -E '^transfer ' "$tmp/cyc.log" | sed "s/^/[$name]   cyc: /"
    results cyc
    stop_server server
    ;;

kill)
    world server kc
    node server server "$tmp/server" "$nwid" "$base" "$tmp/server.stop"
    ready server
    node kc kill-client "$tmp/kc" "$nwid" "$ip4_server" "$base"
    ready kc
    wait_for 40 "$tmp/kc.log" '^transferring ' || fail "kc: transfer did not start"
    kill -KILL "$pid_server"
    t_kill=$SECONDS
    log "server killed (SIGKILL) during: $(grep -m1 '^transferring ' "$tmp/kc.log")"
    # The client's send (SO_SNDTIMEO 5 s) and recv (keepalive 2+3x1 s, SO_RCVTIMEO 15 s) end.
    finish kc 40
    log "client done $((SECONDS - t_kill)) s after the kill"
    ((SECONDS - t_kill <= 30)) || fail "kc: took $((SECONDS - t_kill)) s after the kill"
    results kc
    ;;
esac

no_sanitizer_report
log "PASS ($((SECONDS - t0)) s)"
