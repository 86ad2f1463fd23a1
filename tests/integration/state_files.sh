#!/usr/bin/env bash
# State files as a careless operator or a failing disk leaves them (issue 9), real zt-service
# processes on loopback:
#  - identity.secret as a FIFO, or as a dangling symbolic link: zt-service exits at once with
#    status 1 and one clear line, and the FIFO or link is left exactly as it was (no new
#    identity, no identity.public);
#  - a planet with one byte changed near its end: refused the same way, file untouched;
#  - moons.d with a 100 MB file and a moon whose signature fails (filed under another ID): one
#    line each, the second naming the moon by its own ID; a networks.d config that is a FIFO:
#    ignored with one line; the node runs, and SIGTERM stops it at once;
#  - a networks.d config truncated to 500 bytes of dictionary: ignored with one line naming the
#    cause, asked again from the controller, and the node ends with its real config (the same
#    address), never with the truncated one.
#
# usage: state_files.sh <zt-service> <zt-idtool> <zt-ctltool>
# Every socket is bound to 127.0.0.1 / ::1 (--bind-loopback); every process is stopped by the
# trap; every wait is bounded.  ZT_KEEP_TMP=1 keeps the temp directory for inspection.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-state.XXXXXX")
pids=()
budget=120
t0=$SECONDS

name=state_files
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

common=(--bind-loopback --allow-loopback --log-level debug)

# forget <pid>: the process has ended; the trap no longer needs to stop it.
forget() {
    local keep=() q
    for q in "${pids[@]}"; do [[ $q == "$1" ]] || keep+=("$q"); done
    pids=("${keep[@]}")
}

# ended <pid> <seconds>: true once the process has exited (reaped: its status in |rc|).
ended() {
    local deadline=$((SECONDS + $2))
    while kill -0 "$1" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -0 "$1" 2>/dev/null && return 1
    rc=0
    wait "$1" || rc=$?
    forget "$1"
}

# start <home> <log> <zt-service argument>...: zt-service on $tmp/<home>, in the background,
# its lines in $tmp/<log>.log; sets |pid|.
start() {
    local h=$1 l=$2
    shift 2
    "$svc" -p 0 "${common[@]}" "$@" "$tmp/$h" 2>"$tmp/$l.log" &
    pid=$!
    pids+=("$pid")
}

# refused <home>: zt-service on $tmp/<home> must exit by itself within 10 s with status 1.
refused() {
    start "$1" "$1"
    ended "$pid" 10 || fail "$1: zt-service still running after 10 s"
    ((rc == 1)) || fail "$1: exit status $rc, want 1"
}

# stop_one <pid> <what>: SIGTERM; it must exit 0 within 10 s.
stop_one() {
    kill -TERM "$1"
    ended "$1" 10 || fail "$2: still running 10 s after SIGTERM"
    ((rc == 0)) || fail "$2: exit status $rc after SIGTERM"
}

# ---- identities, the planet, the controller's store
mkdir -p "$tmp/fifo-id" "$tmp/link-id"
identities root a m bad-planet
addr_root=$(addr root)
addr_a=$(addr a)
nwid="${addr_root}000001"
pool_network "$nwid" state-files 10.78.0 10 20 false a
log "root/controller $addr_root, member $addr_a, network $nwid"

# ---- identity.secret as a FIFO: no blocking open, no new identity
mkfifo "$tmp/fifo-id/identity.secret"
refused fifo-id
grep -q "zt-service: cannot read $tmp/fifo-id/identity.secret: a FIFO, not a regular file; it is left as it is; refusing to start" \
    "$tmp/fifo-id.log" || fail "fifo identity: no clear message"
[[ -p $tmp/fifo-id/identity.secret ]] || fail "fifo identity: the FIFO was replaced"
[[ ! -e $tmp/fifo-id/identity.public ]] || fail "fifo identity: identity.public written"
log "identity.secret as a FIFO: refused at once, left as it was"

# ---- identity.secret as a dangling link: refused, the link untouched
ln -s "$tmp/fifo-id/no-such.secret" "$tmp/link-id/identity.secret"
refused link-id
grep -q "zt-service: cannot read $tmp/link-id/identity.secret: a dangling symbolic link; it is left as it is; refusing to start" \
    "$tmp/link-id.log" || fail "dangling identity: no clear message"
[[ -L $tmp/link-id/identity.secret && $(readlink "$tmp/link-id/identity.secret") == "$tmp/fifo-id/no-such.secret" ]] ||
    fail "dangling identity: the link was changed"
[[ ! -e $tmp/fifo-id/no-such.secret && ! -e $tmp/link-id/identity.public ]] ||
    fail "dangling identity: a new identity was written"
log "identity.secret as a dangling link: refused, link untouched"

# ---- the root with its controller, on a port named in the planet (retry if taken meanwhile)
start_root 00000000c0ffee09 a m bad-planet -- --controller
log "root and controller on 127.0.0.1/$port"

# ---- a planet with one byte changed near its end: refused, untouched
size=$(stat -c %s "$tmp/bad-planet/planet")
off=$((size - 3))
orig=$(od -An -tu1 -j "$off" -N1 "$tmp/bad-planet/planet" | tr -d ' ')
printf "$(printf '\\%03o' $(((orig ^ 1) & 255)))" |
    dd of="$tmp/bad-planet/planet" bs=1 seek="$off" conv=notrunc status=none
cp "$tmp/bad-planet/planet" "$tmp/bad-planet.orig"
cmp -s "$tmp/bad-planet/planet" "$tmp/planet" && fail "planet: the byte was not changed"
refused bad-planet
grep -q "zt-service: $tmp/bad-planet/planet is corrupt (planet 00000000c0ffee09: its signature verifies neither under its own update key nor under the key of the revision it updates); refusing to start" \
    "$tmp/bad-planet.log" || fail "altered planet: no clear message"
cmp -s "$tmp/bad-planet/planet" "$tmp/bad-planet.orig" || fail "altered planet: file modified"
log "planet with one byte changed: refused, untouched"

# ---- moons.d: 100 MB, and a bad signature under another file name; a FIFO config
mkdir -p "$tmp/m/moons.d" "$tmp/m/networks.d" "$tmp/moon"
"$idtool" generate "$tmp/moon/id.secret" "$tmp/moon/id.public" >/dev/null
(cd "$tmp/moon" && "$idtool" initmoon id.public >moon.json && "$idtool" genmoon moon.json >/dev/null)
moon_id=000000$(cut -c1-10 "$tmp/moon/id.public")
moon_file=$tmp/moon/$moon_id.moon
[[ -s $moon_file ]] || fail "genmoon wrote no $moon_file"
cp "$moon_file" "$tmp/m/moons.d/000000000000dead.moon"
# The last byte of its timestamp (offset 16): still a moon, no longer the signed one.
printf '\x55' | dd of="$tmp/m/moons.d/000000000000dead.moon" bs=1 seek=16 conv=notrunc \
    status=none
cmp -s "$moon_file" "$tmp/m/moons.d/000000000000dead.moon" && fail "moon: the byte was not changed"
truncate -s 100M "$tmp/m/moons.d/00000000000000ff.moon"
fifo_net=0123456789000001
mkfifo "$tmp/m/networks.d/$fifo_net.conf"
start m m --join "$fifo_net"
wait_for 10 "$tmp/m.log" "moon file $tmp/m/moons.d/00000000000000ff.moon ignored \(larger than 8480 bytes \(it has 104857600\)\)" ||
    fail "100 MB moon: no precise message"
wait_for 10 "$tmp/m.log" "moon $moon_id refused \($tmp/m/moons.d/000000000000dead.moon\): its signature does not verify under its update key" ||
    fail "bad moon: no message naming the moon's own ID"
wait_for 10 "$tmp/m.log" "$tmp/m/networks.d/$fifo_net.conf ignored \(a FIFO, not a regular file\)" ||
    fail "FIFO config: no message"
grep -q 'No such file or directory' "$tmp/m.log" && fail "moons: a misleading errno"
stop_one "$pid" "moons node"
log "moons.d: 100 MB and bad signature reported by the moon's ID; FIFO config ignored; SIGTERM ok"

# ---- networks.d config truncated to 500 bytes of dictionary
conf=$tmp/a/networks.d/$nwid.conf
start a a --join "$nwid"
wait_for 30 "$tmp/a.log" " info network $nwid ok .*ips=10\.78\.0\." || fail "a: network not ok"
ip_a=$(sed -n "s/.* info network $nwid ok .*ips=\(10\.78\.0\.[0-9]*\)\/24.*/\1/p" "$tmp/a.log" |
    head -n1)
[[ -n $ip_a ]] || fail "a: no address"
stop_one "$pid" "member a"
[[ $(head -c 20 "$conf") == "zt-chunk-signatures=" ]] || fail "a: the cached config has no signatures"
head_len=$(head -n1 "$conf" | wc -c)
full=$(stat -c %s "$conf")
((full > head_len + 500)) || fail "a: cached config too small to truncate ($full bytes)"
head -c $((head_len + 500)) "$conf" >"$tmp/conf.cut"
cp "$tmp/conf.cut" "$conf"
log "a ($ip_a) stopped; its config cut from $full to $((head_len + 500)) bytes"

start a a2 --join "$nwid"
wait_for 20 "$tmp/a2.log" " warn $conf ignored \(truncated: 500 of $((full - head_len)) bytes\); asking the controller again" ||
    fail "a: the truncated config was not reported"
wait_for 30 "$tmp/a2.log" " info network $nwid ok .*ips=$ip_a/24" ||
    fail "a: did not end with its config ($ip_a)"
grep -E " info network $nwid ok .*ips=-" "$tmp/a2.log" && fail "a: a config without addresses was applied"
stop_one "$pid" "member a (restarted)"
[[ $(head -c 20 "$conf") == "zt-chunk-signatures=" && $(stat -c %s "$conf") -gt $((head_len + 500)) ]] ||
    fail "a: the fresh config was not cached"
log "truncated config ignored, asked again; a is $ip_a again"

elapsed=$((SECONDS - t0))
((elapsed <= budget)) || fail "took ${elapsed}s, budget ${budget}s"
no_sanitizer_report
log "PASS (${elapsed}s)"
