#!/usr/bin/env bash
# integration.dvx: the DevilutionX ("DVX") scenario of api-modern.md §9.4, with a program
# written for this project from the description of §9.1-§9.2 (tests/dvx/dvx_*.cpp).
#
# usage: dvx.sh <zt-service> <zt-idtool> <zt-ctltool> <dvx_peer> <source dir> <cmake> <lwIP src>
#
#  1. Build integration (§9.3): tests/dvx/CMakeLists.txt configured as a consumer project
#     (FetchContent of <source dir>, -DZT_LIBZT_API=modern, BUILD_HOST_SELFTEST OFF, zt-static,
#     the four include directories first on its own target); zt-static must be libzt-modern with
#     ZT_LIBZT_MODERN in its interface, and the three translation units must compile there
#     (C++17: static_assert(O_NONBLOCK == 1), mcaddr.zone, htons, LOCK_TCPIP_CORE).  No header
#     under src/ may shadow a system or lwIP header when src/ is on the include path.
#  2. A private world on loopback (tests/integration/lib.sh): a zt-service root that is also the
#     controller, a network with an IPv4 pool and RFC 4193 IPv6, members a, b, c authorized
#     ahead; each member's identity and the planet (as `roots`) in <config>/zerotier/.
#  3. Three dvx_peer processes: each checks its events (payloads, order, ids), the repeated
#     init/start calls, the MLD joins from the handler, non-blocking lwIP sockets on [::]:6112,
#     discovery datagrams through both multicast groups, TCP both ways with the end-of-stream
#     rule, a refused connection, MAC resolution + zts_core_query_peer_info, the relay
#     bookkeeping; this script checks their lines against the identities it made.
#  4. A player leaves: c ends its game; a and b must get PEER_PATH_DEAD then PEER_RELAY about
#     it within 45 s (its paths go quiet after ~19 s; api-modern.md §6.3 item 5), with
#     zts_core_query_peer_info saying the same (no path), and end with c relayed, each other
#     direct.
#  5. Restarts: a again (its stored identity keeps its address) and a fresh home d twice (the
#     identity the library made and stored is used the second time).
# Every process is stopped by lib.sh's trap; every wait is bounded by |budget|.
# shellcheck disable=SC2154,SC2034 # set or used by lib.sh
set -euo pipefail

(($# == 7)) || { echo "usage: $0 zt-service zt-idtool zt-ctltool dvx_peer src cmake lwip" >&2; exit 2; }
svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
peer=$(realpath "$4")
src=$(realpath "$5")
cmake_bin=$6
lwip_src=$7
pids=()
t0=$SECONDS
budget=200 # ~90 s in the ASan+UBSan build on 2 cores
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-dvx.XXXXXX")
name=dvx
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/lib.sh
source "$here/../integration/lib.sh"
export DVX_BUDGET=130

# ---- 1. build integration --------------------------------------------------------------------

consumer() {
    local b=$tmp/consumer
    "$cmake_bin" -G "Unix Makefiles" -S "$src/tests/dvx" -B "$b" -DZT_LIBZT_API=modern \
        -DZT_LWIP_SRC="$lwip_src" \
        -DCMAKE_BUILD_TYPE=Debug >"$tmp/consumer.log" 2>&1 || fail "consumer: configure failed"
    grep -q '^-- dvx: zt-static OUTPUT_NAME=zt-modern INTERFACE_COMPILE_DEFINITIONS=ZT_LIBZT_MODERN=1$' \
        "$tmp/consumer.log" || fail "consumer: zt-static is not the modern library"
    grep -q -- "-I$src/include -I$src/src -I$src/ext/lwip/src/include" \
        "$b/CMakeFiles/dvx_consumer.dir/flags.make" || fail "consumer: include/ is not first"
    make -s -C "$b" dvx_native.o dvx_lwip.o dvx_proto.o >>"$tmp/consumer.log" 2>&1 ||
        fail "consumer: the program does not compile against our headers"
    log "consumer project: FetchContent + zt-static (modern) + DVX include path: compiles"
}

# Headers of src/ by their path under src/, against the compilers' system directories, lwIP's and
# the port's.
no_shadowing() {
    local dirs h d
    dirs=$({ c++ -xc++ -E -v /dev/null 2>&1; cc -xc -E -v /dev/null 2>&1; } |
        sed -n '/^#include <...> search starts here:/,/^End of search list./p' | grep '^ ' | sort -u)
    while read -r h; do
        for d in $dirs "$lwip_src/src/include" "$src/src/stack"; do
            [[ ! -e $d/$h ]] || fail "src/$h shadows $d/$h"
        done
    done < <(cd "$src/src" && find . -name '*.h' | sed 's|^\./||')
    log "no header under src/ shadows a system or lwIP header"
}

consumer
no_shadowing

# ---- 2. the world ----------------------------------------------------------------------------

identities root a b c
nwid="$(addr root)000001"
pool_network "$nwid" dvx 10.82.0 10 250 true a b c
common=(--bind-loopback --allow-loopback --log-level info)
root_ready=' info online$'
start_root 00000000c0ffee0b a b c -- --controller
for h in a b c; do
    mkdir -p "$tmp/$h/zerotier"
    cp "$tmp/$h/identity.secret" "$tmp/$h/identity.public" "$tmp/$h/zerotier/"
    cp "$tmp/$h/planet" "$tmp/$h/zerotier/roots"
done
log "root/controller $(addr root) on 127.0.0.1/$port, network $nwid"

# ---- 3. the game -----------------------------------------------------------------------------

for h in a b c; do
    "$peer" "$tmp/$h" "$nwid" 2 >"$tmp/$h.log" 2>&1 &
    pids+=($!)
    declare -g "pid_$h=$!"
done
for h in a b c; do
    wait_for 100 "$tmp/$h.log" '^(DONE|FAIL)' || fail "$h: not done"
    grep -q '^DONE$' "$tmp/$h.log" || fail "$h: $(grep -m1 '^FAIL' "$tmp/$h.log")"
done
log "all three members done in $((SECONDS - t0)) s"

# stop <home>...: each member ends its game (final checks, zts_node_free) with status 0.
stop() {
    local h p
    for h in "$@"; do touch "$tmp/$h/stop"; done
    for h in "$@"; do
        p=pid_$h
        wait_exit 30 "${!p}" || fail "$h: still running"
        ((status == 0)) || fail "$h: exit status $status"
    done
}

# ---- 4. a player leaves ------------------------------------------------------------------------

left_at=$SECONDS
stop c
for h in a b; do
    echo "$(addr c)" >"$tmp/$h/gone.tmp"
    mv "$tmp/$h/gone.tmp" "$tmp/$h/gone"
done
for h in a b; do
    wait_for 60 "$tmp/$h.log" '^(PASS|FAIL) departed' || fail "$h: nothing about c leaving"
    grep -q '^PASS departed' "$tmp/$h.log" || fail "$h: $(grep -m1 '^FAIL departed' "$tmp/$h.log")"
done
log "c left: a and b got PATH_DEAD then RELAY for it after $((SECONDS - left_at)) s"
stop a b

# field <home> <name>: a value of the member's "ready" line.
field() { sed -n "s/^ready .*$2=\([^ ]*\).*/\1/p" "$tmp/$1.log" | head -n1; }

# The RFC 4193 address of node <addr> on the network, fully written out.
rfc4193() { python3 -c "import ipaddress,sys; print(ipaddress.IPv6Address(bytes.fromhex(
    'fd'+sys.argv[1]+'9993'+sys.argv[2])).exploded)" "$nwid" "$1"; }
exploded() { python3 -c "import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]).exploded)" "$1"; }

need() { grep -Eqi -- "$2" "$tmp/$1.log" || fail "$1: no line matching '$2'"; }

check_member() {
    local h=$1 me o oa ip6
    me=$(addr "$h")
    ip6=$(field "$h" ip6)
    ! grep -m3 '^FAIL' "$tmp/$h.log" || fail "$h: a check failed"
    [[ $(exploded "$ip6") == "$(rfc4193 "$me")" ]] || fail "$h: $ip6 is not its RFC 4193 address"
    need "$h" '^construct n=1 init_from_storage=0 set_event_handler=0 node_start=0$'
    for c in 'construct n=2' construct_other 'construct n=3'; do
        need "$h" "^$c init_from_storage=-2 set_event_handler=-2 node_start=-2$"
    done
    need "$h" "^online node=$me$"
    need "$h" "^join net=$nwid rv=0$"
    need "$h" "^ready6 net=$nwid mld_group1=0 mld_group2=0$"
    need "$h" "^addr6 $ip6 sin6_len=28 sin6_family=10$"
    for c in order unchanged nonblocking netif_default mc_sub; do need "$h" "^PASS $c "; done
    # EINPROGRESS (115) from connect and from the send made at once, EAGAIN (11) from recv.
    need "$h" '^connect to=[0-9a-f]{10} rc=-1 errno=115 send=-1 errno=115 recv=-1 errno=11$'
    for o in a b c; do
        [[ $o != "$h" ]] || continue
        oa=$(addr "$o")
        if [[ $o == c && $h != c ]]; then # c left first (4.)
            need "$h" "^PASS peerstate peer=$oa relay$"
            need "$h" "^PASS departed peer=$oa path_dead_then_relay "
        else
            need "$h" "^PASS peerstate peer=$oa direct$"
        fi
        need "$h" "^disc group=1 from=$oa addr=$(field "$o" ip6)$"
        need "$h" "^disc group=2 from=$oa addr=$(field "$o" ip6)$"
        need "$h" "^PASS tcp_out to=$oa "
        need "$h" "^tcp_in from=$oa$"
        need "$h" "^PASS eof from=$oa recv_zero=1 then_errno=ENOTCONN$"
        need "$h" "^PASS refused peer=$oa errno=(111|104)$"
        need "$h" "^PASS peerinfo peer=$oa mac=$(field "$o" mac)$"
    done
    need "$h" '^free rv=0$'
    need "$h" '^exit failures=0$'
    log "$h ($me, $ip6): every check passed"
}

for h in a b c; do check_member "$h"; done

# ---- 5. restarts -----------------------------------------------------------------------------

# online_run <home> <log>: dvx_peer in its online-only mode; prints the node ID it reported.
online_run() {
    "$peer" "$tmp/$1" "$nwid" 0 >"$tmp/$2.log" 2>&1 &
    pids+=($!)
    wait_exit 60 "$!" || fail "$2: still running"
    ((status == 0)) || fail "$2: exit status $status"
    ! grep -m3 '^FAIL' "$tmp/$2.log" || fail "$2: a check failed"
    need "$2" '^construct n=2 init_from_storage=-2 set_event_handler=-2 node_start=-2$'
    sed -n 's/^online_only node=\([0-9a-f]\{10\}\)$/\1/p' "$tmp/$2.log"
}

[[ $(online_run a a2) == "$(addr a)" ]] || fail "a: another address after a restart"
log "a restarted with its stored identity: same address $(addr a)"
mkdir -p "$tmp/d/zerotier"
cp "$tmp/planet" "$tmp/d/zerotier/roots"
d1=$(online_run d d1)
[[ -n $d1 && $(stat -c %a "$tmp/d/zerotier/identity.secret") == 600 ]] ||
    fail "d: no identity.secret (0600) stored"
[[ $(cut -c1-10 "$tmp/d/zerotier/identity.secret") == "$d1" ]] || fail "d: stored identity differs"
[[ $(online_run d d2) == "$d1" ]] || fail "d: another address after a restart"
log "d: the identity the library made and stored keeps its address $d1"

no_sanitizer_report
log "PASS in $((SECONDS - t0)) s"
