#!/usr/bin/env bash
# End to end test of the modern API's sockets: two processes written against
# include/libzt-modern/ZeroTierSockets.h (msock_peer.c, linked with libzt-modern.a) on a private
# world on loopback, exchanging TCP and UDP over IPv4 and IPv6.
#
# The world is the one tests/integration/sockets.sh builds (lib.sh): a root that is also the
# network controller (zt-service --controller; a private network with an IPv4 pool and RFC
# 4193 IPv6, both nodes authorized ahead) and a planet naming it at 127.0.0.1.  Each library
# node gets its identity and that planet as `roots` in its storage directory
# (zts_init_from_storage, api-modern.md §7.2).
#
# usage: msock_e2e.sh <zt-service> <zt-idtool> <zt-ctltool> <msock_peer>
#
# Cases (msock_peer.c): tcp4/tcp6 (zts_tcp_client -> zts_tcp_server, 512 KiB echoed, the
# end-of-stream rule), nb4/nb6 (non-blocking zts_connect completed with poll and SO_ERROR,
# against a dual-stack non-blocking listener served with zts_bsd_poll), udp4/udp6
# (zts_udp_client -> zts_udp_server echo, sender checked).  The server's lines are checked
# against the client's: each server saw the client's own address.
# Every process is stopped by the trap (lib.sh); every wait is bounded by |budget|.
# shellcheck disable=SC2154
set -euo pipefail

(($# == 4)) || { echo "usage: $0 zt-service zt-idtool zt-ctltool msock_peer" >&2; exit 2; }
svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
peer=$(realpath "$4")
pids=()
t0=$SECONDS
budget=150 # ~25 s in the ASan+UBSan build on 2 cores
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-msock-e2e.XXXXXX")
export ZTS_PEER_ALARM=$budget
name=modern.msock_e2e
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/lib.sh
source "$here/../integration/lib.sh"

field() { sed -n "s/^ready \(.* \)\{0,1\}$2=\([^ ]*\).*/\2/p" "$1" | head -n1; }

# node <home> <msock_peer args...>: a library node in the background (log $tmp/<home>.log).
node() {
    local h=$1
    shift
    "$peer" "$tmp/$h" "$nwid" "$@" >"$tmp/$h.log" 2>&1 &
    pids+=($!)
    declare -g "pid_$h=$!"
}

ready() {
    wait_for 60 "$tmp/$1.log" '^(ready|FAIL) ' || fail "$1: not ready"
    grep -q '^ready ' "$tmp/$1.log" || fail "$1: $(grep -m1 '^FAIL' "$tmp/$1.log")"
    declare -g "ip4_$1=$(field "$tmp/$1.log" ip4)"
    declare -g "ip6_$1=$(field "$tmp/$1.log" ip6)"
    log "$1 $(grep -m1 '^ready ' "$tmp/$1.log")"
}

finish() {
    local p=pid_$1
    wait_exit "$2" "${!p}" || fail "$1: still running after $2 s"
    grep -E '^(PASS|FAIL)' "$tmp/$1.log" | sed "s/^/[$name]   $1: /" || true
    ((status == 0)) || fail "$1: exit status $status"
    grep -q '^stopped zts_node_free=0 socket_after=-2$' "$tmp/$1.log" || fail "$1: no clean stop"
}

# ---- the world -------------------------------------------------------------------------------

identities root server client
nwid="$(addr root)000001"
pool_network "$nwid" msock 10.81.0 10 250 true server client
common=(--bind-loopback --allow-loopback --log-level info)
root_ready=' info online$'
start_root 00000000c0ffee0a server client -- --controller
for h in server client; do cp "$tmp/$h/planet" "$tmp/$h/roots"; done
log "root/controller $(addr root) on 127.0.0.1/$port, network $nwid"

# ---- the run ---------------------------------------------------------------------------------

base=7000
node server server "$base" "$tmp/server.stop"
ready server
node client client "$ip4_server" "$ip6_server" "$base"
ready client
finish client "$(left)"
for c in tcp4 tcp6 nb4 nb6 udp4 udp6; do
    grep -q "^PASS $c" "$tmp/client.log" || fail "client: $c did not pass"
done
touch "$tmp/server.stop"
finish server 30

# The server saw the client's addresses: its TCP peers are the client's own (lwIP's text:
# IPv6 upper case), and the dual-stack listener saw the IPv4 client as ::FFFF:a.b.c.d.
up() { tr '[:lower:]' '[:upper:]' <<<"$1"; }
grep -q "^PASS srv_tcp4 peer=$ip4_client:[0-9]* bytes=524288$" "$tmp/server.log" ||
    fail "srv_tcp4: no echo from $ip4_client"
grep -qi "^PASS srv_tcp6 peer=$(up "$ip6_client"):[0-9]* bytes=524288$" "$tmp/server.log" ||
    fail "srv_tcp6: no echo from $ip6_client"
grep -qi "^srv_poll accepted peer=::FFFF:$ip4_client:" "$tmp/server.log" ||
    fail "srv_poll: no IPv4-mapped peer"
grep -qi "^srv_poll accepted peer=$(up "$ip6_client"):" "$tmp/server.log" ||
    fail "srv_poll: no IPv6 peer"
no_sanitizer_report
log "PASS in $((SECONDS - t0)) s"
