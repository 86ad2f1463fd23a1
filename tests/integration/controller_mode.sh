#!/usr/bin/env bash
# Controller mode (issue 8): an application controls its own network.  A root on loopback (no
# controller of its own), then ctl_node: a library node that attaches the controller
# (zts_controller_attach), creates a private network, authorizes itself and the client's
# pre-made identity, joins and serves a TCP echo; then the example client, another library
# node, joins that network and gets its echo.  Everything within 60 s, every process stopped.
#
# usage: controller_mode.sh <zt-service> <zt-idtool> <ctl_node> <client>
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
ctl_node=$(realpath "$3")
client=$(realpath "$4")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-ctlmode.XXXXXX")
pids=()
budget=60
t0=$SECONDS

name=controller_mode
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

identities root app cli
addr_app=$(addr app)
addr_cli=$(addr cli)

common=(--bind-loopback --allow-loopback)
root_ready=' info online$'
start_root 00000000c0ffee04 app cli
log "root on 127.0.0.1/$port; the application's node is $addr_app"

"$ctl_node" "$tmp/app" 4545 "$addr_cli" "$tmp/stop" >"$tmp/app.log" 2>&1 &
pids+=($!)
wait_for 30 "$tmp/app.log" "^network [0-9a-f]{16}$" || fail "app: no network created"
nwid=$(sed -n 's/^network \([0-9a-f]\{16\}\)$/\1/p' "$tmp/app.log")
[[ $nwid == "$addr_app"* ]] || fail "network $nwid does not belong to the app's node $addr_app"
[[ -f $tmp/app/controller.d/controller.sqlite3 ]] || fail "no controller store in the start path"
wait_for 30 "$tmp/app.log" "^ready ip4=10\.91\.0\." || fail "app: not ready on its own network"
ip=$(sed -n 's/^ready ip4=\(.*\)$/\1/p' "$tmp/app.log")
log "network $nwid controlled by the application, which serves on $ip:4545"

timeout "$(left)" "$client" "$tmp/cli" "$nwid" "$ip" 4545 0 >"$tmp/cli.log" 2>&1 ||
    fail "client: exit status $?"
grep -q "^Read 22 bytes: Welcome to the machine" "$tmp/cli.log" || fail "client: no echo"
# The examples print network IDs as libzt's do, without leading zeros.
grep -Eq "virtual address on network $(sed "s/^0*//" <<<"$nwid") is 10\.91\.0\." "$tmp/cli.log" ||
    fail "client: no address from the application's pool"
wait_for 10 "$tmp/app.log" "^served$" || fail "app: did not serve"
log "the client joined the application's network and got its echo"

touch "$tmp/stop"
deadline=$((SECONDS + 15))
while kill -0 "${pids[1]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
wait "${pids[1]}" || fail "app: exit status $?"
no_sanitizer_report
log "PASS"
