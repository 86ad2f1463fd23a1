#!/usr/bin/env bash
# Unmodified programs on the virtual network through libztintercept.so (docs/intercept.md), on
# loopback with a private planet: a root with a controller and a pool network, services A and
# B (zt-service, each with its stack and its socket nc_<nwid>), and a library node L.
#
#   - python3 -m http.server on A, curl on B: the file arrives byte-exact;
#   - an epoll-driven client on B (non-blocking connect, SO_ERROR) gets the same file;
#   - redis-server on A, redis-benchmark -q -n 10000 on B (SET and GET);
#   - a forking TCP echo server on A (each child asks for its socket's names after the fork)
#     and UDP echo; clients on B: three concurrent 4 MB echoes, datagrams of 0-60000 bytes,
#     unconnected and connected;
#   - a dual-stack IPv6 echo server on A: clients on B over IPv6 (the network's RFC 4193
#     addresses) and over IPv4;
#   - the library node L (zts_peer, the zts_* API) talks to an intercepted echo server on A
#     (its tcp4 and udp4 cases);
#   - a broken client (garbage, a wrong size, a descriptor that is no socket) cannot take A's
#     service down: curl still gets the file afterwards;
#   - B's service stopped: an intercepted program fails at once with a clear message instead
#     of hanging.
#
# usage: intercept.sh <zt-service> <zt-idtool> <zt-ctltool> <libztintercept.so> <zts_peer>
# Every wait is bounded; every process is stopped by the trap.  ZT_KEEP_TMP=1 keeps the temp
# directory.
set -euo pipefail

(($# == 5)) || { echo "usage: $0 zt-service zt-idtool zt-ctltool libztintercept.so zts_peer" >&2; exit 2; }
svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
lib=$(realpath "$4")
peer=$(realpath "$5")
progs=$(realpath "$(dirname "$0")/intercept_progs.py")
py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-intercept.XXXXXX")
pids=()
budget=240
t0=$SECONDS

name=intercept
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

for tool in curl redis-server redis-benchmark redis-cli "$py"; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup.sh installs it)"
done

# bg <logname> <home> <command>...: on (lib.sh) in the background, output in $tmp/<logname>.log;
# the program itself is the background job (its pid in |pids|, stopped by the trap).
bg() {
    local l=$1 h=$2
    shift 2
    LD_PRELOAD=$lib ZT_NC_NETWORK=$tmp/$h/nc_$nwid "$@" >"$tmp/$l.log" 2>&1 &
    pids+=($!)
    declare -g "pid_$l=$!"
}

identities root a b l
nwid=$(addr root)0000ab
common=(--bind-loopback --allow-loopback --log-level debug)
pool_network "$nwid" intercept-net 10.78.0 10 50 true a b l
start_root 00000000c0ffee0b a b l -- --controller
for h in a b; do
    "$svc" -p 0 "${common[@]}" --no-secondary-port --join "$nwid" "$tmp/$h" 2>"$tmp/$h.log" &
    pids+=($!)
    declare -g "svc_$h=$!"
done
for h in a b; do
    wait_for 30 "$tmp/$h.log" "intercept: network $nwid at " || fail "$h: no socket nc_$nwid"
    wait_for 10 "$tmp/$h.log" "network $nwid ok " || fail "$h: network not ok"
done
[[ $(stat -c %a "$tmp/a/nc_$nwid") == 600 ]] || fail "nc_$nwid is not mode 0600"
ip_a=$(ip_of a)
ip_b=$(ip_of b)
ip6_a=$(grep -m1 -o ' ok mac=.* ips=[^ ]*' "$tmp/a.log" | sed 's/.*ips=//' | tr ',' '\n' |
    grep -m1 ':' | cut -d/ -f1)
[[ -n $ip6_a ]] || fail "a has no IPv6 address"
log "services up: a=$ip_a b=$ip_b, sockets $tmp/{a,b}/nc_$nwid"

# ---- http.server on A, curl on B
mkdir -p "$tmp/www"
head -c 3000000 /dev/urandom >"$tmp/www/file.bin"
bg http a "$py" -m http.server 8000 --bind 0.0.0.0 --directory "$tmp/www"
deadline=$((SECONDS + 30))
until on b curl -s -f -m 10 -o "$tmp/got.bin" "http://$ip_a:8000/file.bin" 2>"$tmp/curl.err"; do
    ((SECONDS < deadline)) || fail "curl never got the file: $(cat "$tmp/curl.err")"
    sleep 0.3
done
cmp -s "$tmp/www/file.bin" "$tmp/got.bin" || fail "the file differs"
log "http.server on a, curl on b: 3000000 bytes, byte-exact"

out=$(on b timeout 40 "$py" "$progs" epoll-client "$ip_a" 8000 /file.bin 3000000) ||
    fail "epoll client: $out"
log "epoll client on b: $out"

# ---- redis-server on A, redis-benchmark on B
bg redis a redis-server --port 6390 --bind 0.0.0.0 --save '' --appendonly no \
    --protected-mode no --dir "$tmp"
deadline=$((SECONDS + 20))
until [[ $(on b redis-cli -h "$ip_a" -p 6390 ping 2>/dev/null) == PONG ]]; do
    ((SECONDS < deadline)) || fail "redis-cli never got PONG"
    sleep 0.3
done
on b timeout 120 redis-benchmark -h "$ip_a" -p 6390 -q -n 10000 -t set,get \
    >"$tmp/bench.out" 2>&1 || fail "redis-benchmark: $(tail -3 "$tmp/bench.out")"
tr '\r' '\n' <"$tmp/bench.out" | grep -E '^(SET|GET): [0-9.]+ requests per second' \
    >"$tmp/bench.txt" || true
(($(wc -l <"$tmp/bench.txt") == 2)) || fail "redis-benchmark: $(tail -c 300 "$tmp/bench.out")"
log "redis-benchmark on b against redis-server on a: $(tr '\n' ' ' <"$tmp/bench.txt")"

# ---- forking echo server and UDP echo on A; clients on B
bg echo a "$py" -u "$progs" echo --tcp 7000 --udp 7001 --fork
wait_for 10 "$tmp/echo.log" '^listening' || fail "echo server did not start"
for i in 1 2 3; do
    on b timeout 60 "$py" "$progs" tcp-client "$ip_a" 7000 4 >"$tmp/tcp$i.out" 2>&1 &
    pids+=($!)
    declare -g "pid_tcp$i=$!"
done
for i in 1 2 3; do
    p=pid_tcp$i
    wait "${!p}" || fail "tcp client $i: $(cat "$tmp/tcp$i.out")"
done
log "forking echo on a: three concurrent 4 MB echoes from b ($(cut -d' ' -f3- "$tmp/tcp1.out"))"
out=$(on b timeout 60 "$py" "$progs" udp-client "$ip_a" 7001) || fail "udp client: $out"
log "udp echo: $out"

bg echo6 a "$py" -u "$progs" echo --tcp6 7006
wait_for 10 "$tmp/echo6.log" '^listening' || fail "IPv6 echo server did not start"
out=$(on b timeout 60 "$py" "$progs" tcp-client "$ip6_a" 7006 2) || fail "tcp over IPv6: $out"
out4=$(on b timeout 60 "$py" "$progs" tcp-client "$ip_a" 7006 2) ||
    fail "IPv4 to a dual-stack socket: $out4"
log "dual-stack echo on a: IPv6 ($ip6_a) $out; IPv4 $out4"

# ---- the library node L against an intercepted echo server on A (zts_peer's port plan:
# TCP echo on base+0, UDP echo on base+2)
bg echo2 a "$py" -u "$progs" echo --tcp 7100 --udp 7102
wait_for 10 "$tmp/echo2.log" '^listening' || fail "second echo server did not start"
ZTS_PEER_MB=4 ZTS_PEER_ALARM=120 ZTS_LOG=1 "$peer" client "$tmp/l" "$nwid" "$ip_a" :: 7100 \
    tcp4 udp4 >"$tmp/l.log" 2>&1 || fail "library node: $(grep -E 'FAIL|TIMEOUT' "$tmp/l.log")"
log "library node l: $(grep -E '^PASS' "$tmp/l.log" | cut -c1-60 | tr '\n' ' ')"

# ---- a broken client cannot take A's service down
"$py" - "$tmp/a/nc_$nwid" <<'PY' || fail "broken client script failed"
import socket, struct, sys, array, os
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(2)
    return s
for junk in (os.urandom(4096), struct.pack("<I", 0xFFFFFFFF) + b"x" * 60,
             struct.pack("<IIHHI", 16, 1, 999, 0, 12345), struct.pack("<I", 3)):
    s = conn()
    try:
        s.sendall(junk)
        s.recv(100)
    except (OSError, socket.timeout):
        pass
    s.close()
# SOCKET with a descriptor that is a pipe, not a socketpair end: refused, nothing kept.
r, w = os.pipe()
s = conn()
s.sendmsg([struct.pack("<IIHHI", 28, 1, 2, 0, 0) + struct.pack("<BBHQ", 4, 1, 0, 1)],
          [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r]))])
size, rid, result, err = struct.unpack("<IIii", s.recv(16))
assert result == -1 and err != 0, (result, err)
PY
on b curl -s -f -m 10 -o "$tmp/got2.bin" "http://$ip_a:8000/file.bin" || fail "curl after junk"
cmp -s "$tmp/www/file.bin" "$tmp/got2.bin" || fail "the file differs after junk"
kill -0 "$svc_a" || fail "service a died"
log "garbage, bad sizes and a pipe for a socket: a's service still serves"

# ---- B's service gone: no hang, a clear message
kill -TERM "$svc_b"
wait_exit 20 "$svc_b" || fail "b did not stop"
start=$SECONDS
if on b timeout 20 curl -s -m 15 "http://$ip_a:8000/file.bin" -o /dev/null 2>"$tmp/gone.err"; then
    fail "curl succeeded with b's service stopped"
fi
((SECONDS - start < 10)) || fail "curl took $((SECONDS - start)) s to fail"
[[ ! -e $tmp/b/nc_$nwid ]] || fail "b's socket file outlived the service"
log "b's service stopped: curl fails at once ($(head -c 120 "$tmp/gone.err" | tr '\n' ' '))"

stop_all
no_sanitizer_report
log "PASS"
