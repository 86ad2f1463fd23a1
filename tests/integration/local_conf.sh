#!/usr/bin/env bash
# local.conf's settings beyond the ports (service.md §3; docs/service.md, "Home directory"),
# on loopback with a private planet: every node binds 127.0.0.1 and ::1 (--bind-loopback),
# so a direct path between two nodes may use either.
#
#   - A: physical."::1/128".blacklist, lowBandwidthMode, interfacePrefixBlacklist: A pings B,
#     is answered, and A's paths to B never use ::1;
#   - C: virtual.<B>.blacklist ["127.0.0.0/8"]: C's paths to B never use 127.0.0.0/8;
#   - D: settings.bind ["127.0.0.1"]: D listens on 127.0.0.1 only (/status listeningOn) and
#     comes online; values it cannot use (a bad bind entry, a network that is no CIDR, a
#     virtual key that is no address, trustedPathId) are logged and ignored;
#   - the root: settings.controllerDbPath: its controller's SQLite file is there, not in
#     controller.d.
#
# usage: local_conf.sh <zt-service> <zt-idtool>
# Every wait is bounded; every process is stopped by the trap.  ZT_KEEP_TMP=1 keeps the temp
# directory.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-localconf.XXXXXX")
pids=()
budget=90
t0=$SECONDS

name=local_conf
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# paths <home> <peer>: the addresses of that node's direct paths to <peer>, one per line.
paths() {
    api "$1" "/peer/$2" | python3 -c '
import json, sys
for p in json.load(sys.stdin).get("paths", []):
    print(p["address"])'
}

identities root a b c d
addr_b=$(addr b)
common=(--bind-loopback --allow-loopback --log-level debug --no-secondary-port)
echo '{"settings": {"controllerDbPath": "other.sqlite3"}}' >"$tmp/root/local.conf"
start_root 00000000c0ffee0c a b c d -- --controller
[[ -f $tmp/root/other.sqlite3 && ! -e $tmp/root/controller.d/controller.sqlite3 ]] ||
    fail "the controller's file is not at controllerDbPath"
log "root: controller store at controllerDbPath ($tmp/root/other.sqlite3)"

cat >"$tmp/a/local.conf" <<'JSON'
{ "physical": { "::1/128": { "blacklist": true } },
  "settings": { "lowBandwidthMode": true, "interfacePrefixBlacklist": ["docker", "lo"] } }
JSON
cat >"$tmp/c/local.conf" <<JSON
{ "virtual": { "$addr_b": { "blacklist": ["127.0.0.0/8"] } } }
JSON
cat >"$tmp/d/local.conf" <<'JSON'
{ "settings": { "bind": ["127.0.0.1", "not-an-address"] },
  "physical": { "not-a-cidr": { "blacklist": true }, "10.0.0.0/8": { "trustedPathId": 7 } },
  "virtual": { "xyz": { "blacklist": ["10.0.0.0/8"] } } }
JSON
"$svc" -p 0 "${common[@]}" "$tmp/b" 2>"$tmp/b.log" &
pids+=($!)
wait_for 20 "$tmp/b.log" ' info online$' || fail "b never online"
for h in a c; do
    "$svc" -p 0 "${common[@]}" --ping "$addr_b" --interval 200 "$tmp/$h" 2>"$tmp/$h.log" &
    pids+=($!)
done
"$svc" -p 0 "${common[@]}" "$tmp/d" 2>"$tmp/d.log" &
pids+=($!)
for h in a c; do
    wait_for 30 "$tmp/$h.log" "echo-reply from=$addr_b" || fail "$h: no echo reply from b"
done
wait_for 20 "$tmp/d.log" ' info online$' || fail "d never online"
sleep 2 # more pings, more chances to learn a path the rules forbid

pa=$(paths a "$addr_b")
[[ -n $pa ]] || fail "a has no direct path to b"
! grep -q '^::1/' <<<"$pa" || fail "a uses ::1 to reach b despite physical.::1/128.blacklist: $pa"
log "a: paths to b $(tr '\n' ' ' <<<"$pa")(none on ::1)"
pc=$(paths c "$addr_b")
! grep -q '^127\.' <<<"$pc" || fail "c uses 127/8 to reach b despite its virtual blacklist: $pc"
log "c: paths to b ${pc:-none (relayed)} (none on 127/8)"

listening=$(api d /status | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["config"]["settings"]["listeningOn"]))')
[[ $listening == 127.0.0.1/* ]] || fail "d listens on $listening, expected 127.0.0.1 only"
for w in 'settings.bind: not-an-address not bound' 'physical: a network that is not' \
    'physical.10.0.0.0/8: trustedPathId and mtu are not supported' 'virtual.xyz: not a node'; do
    grep -q "local.conf: $w" "$tmp/d.log" || fail "d did not warn: $w"
done
log "d: settings.bind -> listening on $listening; bad values warned about and ignored"

stop_all
no_sanitizer_report
log "PASS"
