#!/usr/bin/env bash
# Integration test of zt-cli (docs/cli.md) against cli_stub.py, a stub of the local API:
# every command's output byte for byte as service.md §6 prescribes (expected files in
# cli_expected/ written from the spec; -j output checked against an independent printer),
# exit codes, the requests as the stub received them (method, path, headers in order, body),
# switches, discovery of port and token, 401, invalid JSON, non-200, connection refused, and a
# link named zerotier-cli.  Every zt-cli run is bounded by timeout; the stub stops itself after
# 300 s in any case.  With a zt-service binary as 4th argument, only a short run against a
# real zt-service instead (formats and exit codes, join/set/get/leave, 401).
# usage: cli.sh <zt-cli binary> <cli_stub.py> <directory of expected outputs> [<zt-service>]
set -uo pipefail
CLI=$(realpath "$1")
STUB=$(realpath "$2")
EXP=$(realpath "$3")
SVC=${4:+$(realpath "$4")}
# No port mapping from a test's zt-service (docs/service.md, "Port mapping"), as lib.sh says.
export ZT_NO_PORT_MAPPING=1
# The interpreter itself, not a version-manager shim (which costs ~0.5 s a start).
PY=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d)
stub_pid=
stop_stub() {
    if [[ -n $stub_pid ]]; then
        kill "$stub_pid" 2>/dev/null
        wait "$stub_pid" 2>/dev/null
        stub_pid=
    fi
}
svc_pid=
stop_service() {
    local deadline=$((SECONDS + 10))
    [[ -n $svc_pid ]] || return 0
    kill -TERM "$svc_pid" 2>/dev/null
    while kill -0 "$svc_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$svc_pid" 2>/dev/null
    wait "$svc_pid" 2>/dev/null
    svc_pid=
}
trap 'stop_stub; stop_service; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
pass=0
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

scenario() { printf '%s' "$1" >"$tmp/scenario"; }

# same <what> <expected> <file>: <expected> is literal text, @name (a file of cli_expected/),
# =path (a file), or '*' (anything); in files {lo-hi} stands for an integer in that range.
same() {
    local src=$tmp/expected
    case $2 in
    '*') return 0 ;;
    @*) src=$EXP/${2#@} ;;
    =*) src=${2#=} ;;
    *) printf '%s' "$2" >"$src" ;;
    esac
    if grep -q '{-\?[0-9]*-' "$src"; then
        "$PY" "$STUB" compare "$src" "$3" >"$tmp/diff" && return 0
    else
        cmp -s "$src" "$3" && return 0
        { echo "expected:"; od -c "$src" | head -20; echo "actual:"; od -c "$3" | head -20; } >"$tmp/diff"
    fi
    bad "$1: $(cat "$tmp/diff")"
    return 1
}

# expect <what> <exit> <stdout> <stderr> <zt-cli arguments...>
expect() {
    local what=$1 want=$2 eout=$3 eerr=$4
    shift 4
    timeout 20 "$CLI" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [[ $rc != "$want" ]]; then
        bad "$what: exit $rc, wanted $want (stdout: $(head -c 300 "$tmp/out"); stderr: $(head -c 300 "$tmp/err"))"
        return
    fi
    same "$what (stdout)" "$eout" "$tmp/out" && same "$what (stderr)" "$eerr" "$tmp/err" &&
        pass=$((pass + 1))
}

# lastreq <expected>: the last request the stub got, as "METHOD PATH HEADERS BODY".
nreq() { wc -l <"$tmp/requests.jsonl" 2>/dev/null || echo 0; }
lastreq() {
    local got
    got=$("$PY" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readlines()[-1])
print(r["method"], r["path"], json.dumps(r["headers"]), r["body"], end="")' "$tmp/requests.jsonl")
    [[ $got == "$1" ]] && pass=$((pass + 1)) || bad "request: got '$got', wanted '$1'"
}
nothing_sent() { # nothing_sent <what> <count before>
    [[ $(nreq) == "$2" ]] && pass=$((pass + 1)) || bad "$1: a request was sent"
}

# Against a real zt-service: a fresh home, a random port on loopback, no peers reachable
# needed (the node may stay OFFLINE).  The outputs are checked for zerotier-cli's formats.
service_checks() {
    local home=$tmp/svc nwid=8056c2e21c00ab01 addr
    mkdir -p "$home"
    timeout 100 "$SVC" -p0 --bind-loopback "$home" >"$tmp/svc.log" 2>&1 &
    svc_pid=$!
    export ZEROTIER_HOME=$home HOME=$tmp
    for _ in $(seq 200); do
        timeout 20 "$CLI" info >"$tmp/out" 2>&1 && break
        sleep 0.1
    done
    addr=$(head -c 10 "$home/identity.public" 2>/dev/null)
    expect "info" 0 '*' '' info
    grep -qEx "200 info $addr [0-9]+\.[0-9]+\.[0-9]+ (ONLINE|OFFLINE|TUNNELED)" "$tmp/out" &&
        pass=$((pass + 1)) || bad "info: $(cat "$tmp/out") (log: $(tail -5 "$tmp/svc.log"))"
    expect "401" 1 $'401 info {}\n' '' -Tnot-the-token info
    expect "listpeers header" 0 '*' '' listpeers
    [[ $(head -1 "$tmp/out") == "200 listpeers <ztaddr> <path> <latency> <version> <role>" ]] &&
        pass=$((pass + 1)) || bad "listpeers: $(cat "$tmp/out")"
    expect "join" 0 $'200 join OK\n' '' join $nwid
    expect "listnetworks" 0 '*' '' listnetworks
    grep -qE "^200 listnetworks $nwid  ([0-9a-f]{2}:){5}[0-9a-f]{2} [A-Z_]+ PRIVATE $home/nc_$nwid -\$" \
        "$tmp/out" && pass=$((pass + 1)) || bad "listnetworks: $(cat "$tmp/out")"
    expect "set" 0 '*' '' set $nwid allowDNS=1
    expect "get allowDNS" 0 $'1\n' '' get $nwid allowDNS
    expect "get nwid" 0 "$nwid"$'\n' '' get $nwid nwid
    "$PY" -c 'import json,sys; sys.stdout.write(json.dumps(json.loads(open(sys.argv[1]).read()), indent=1, sort_keys=True, ensure_ascii=False) + "\n")' \
        <(timeout 20 "$CLI" /network) >"$tmp/j.expected"
    expect "-j listnetworks" 0 "=$tmp/j.expected" '' -j listnetworks
    expect "leave" 0 $'200 leave OK\n' '' leave $nwid
    expect "listnetworks, none" 0 $'200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n' '' listnetworks
    expect "unknown path" 1 '*' '' /nothing
    grep -qE '^404 /nothing ' "$tmp/out" && pass=$((pass + 1)) || bad "/nothing: $(cat "$tmp/out")"
    stop_service
}

if [[ -n $SVC ]]; then
    service_checks
    echo "cli.sh (zt-service): $pass passed, $fail failed"
    [[ $fail == 0 ]]
    exit
fi

# Stub on a free port; a home directory with the port and token files (no trailing newline).
"$PY" "$STUB" serve "$tmp" tok123 >"$tmp/stub.log" 2>&1 &
stub_pid=$!
for _ in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.1; done
[[ -s $tmp/port ]] || { echo "FAIL: the stub did not start: $(cat "$tmp/stub.log")"; exit 1; }
port=$(cat "$tmp/port")
home=$tmp/home
mkdir -p "$home" "$tmp/user"
printf '%s' "$port" >"$home/zerotier-one.port"
printf 'tok123' >"$home/authtoken.secret"
export ZEROTIER_HOME=$home HOME=$tmp/user
nwid=8056c2e21c000001

# --- switches
help=$tmp/help
"$CLI" -h >"$help" 2>&1
for c in info status listnetworks listpeers peers join leave listmoons orbit deorbit set get \
    listbonds 'bond list' 'bond <address> show' 'bond setmtu' dump '/<path>' ip6prefix; do
    grep -qF -- "$c" "$help" && pass=$((pass + 1)) || bad "help does not list '$c'"
done
expect "-h" 0 "=$help" '' -h
expect "-?" 0 "=$help" '' '-?'
expect "--help (unknown letter)" 0 "=$help" '' --help
expect "-x (unknown letter)" 0 "=$help" '' -x info
expect "-v" 0 '*' '' -v
grep -qEx '[0-9]+\.[0-9]+\.[0-9]+' "$tmp/out" && pass=$((pass + 1)) || bad "-v: $(cat "$tmp/out")"
for a in -p0 -p65536 -pabc -p -jx -D -T -H -qx -vx; do
    expect "bad value $a" 1 "=$help" '' "$a" info
done

# --- discovery and its errors
expect "info via \$ZEROTIER_HOME" 0 $'200 info 8056c2e21c 1.14.1 ONLINE\n' '' info
expect "-D wins over \$ZEROTIER_HOME" 2 '' \
    "$CLI: missing port and zerotier-one.port not found in $tmp/none"$'\n' "-D$tmp/none" info
ZEROTIER_HOME=$tmp/none expect "missing port file" 2 '' \
    "$CLI: missing port and zerotier-one.port not found in $tmp/none"$'\n' info
mkdir -p "$tmp/h2"
printf 'x%s' "$port" >"$tmp/h2/zerotier-one.port"
expect "invalid port file" 2 '' \
    "$CLI: missing port and zerotier-one.port not found in $tmp/h2"$'\n' "-D$tmp/h2" info
printf '%s' "$port" >"$tmp/h2/zerotier-one.port"
expect "missing token" 2 '' \
    "$CLI: authtoken.secret not found or readable in $tmp/h2 (try again as root)"$'\n' \
    "-D$tmp/h2" info
printf 'tok123' >"$tmp/user/.zeroTierOneAuthToken"
expect "token from \$HOME/.zeroTierOneAuthToken" 0 $'200 info 8056c2e21c 1.14.1 ONLINE\n' '' \
    "-D$tmp/h2" info
rm "$tmp/user/.zeroTierOneAuthToken"
expect "-p and -T without a home" 0 $'200 info 8056c2e21c 1.14.1 ONLINE\n' '' \
    "-D$tmp/none" "-p$port" -Ttok123 info
expect "-H, -q, switch after the command" 0 $'200 info 8056c2e21c 1.14.1 ONLINE\n' '' \
    -H127.0.0.1 -q info -q
ln -s "$CLI" "$tmp/zerotier-cli"
CLI=$tmp/zerotier-cli expect "as zerotier-cli" 0 $'200 info 8056c2e21c 1.14.1 ONLINE\n' '' info
ZEROTIER_HOME=$tmp/none CLI=$tmp/zerotier-cli expect "zerotier-cli: argv0 in messages" 2 '' \
    "$tmp/zerotier-cli: missing port and zerotier-one.port not found in $tmp/none"$'\n' info
lastreq 'GET /status [["X-ZT1-Auth", "tok123"]] '

# --- info and the tables
expect "status (alias)" 0 $'200 info 8056c2e21c 1.14.1 ONLINE\n' '' status
scenario offline
expect "info offline" 0 $'200 info 8056c2e21c 1.14.1 OFFLINE\n' '' info
scenario tunneled
expect "info tunneled" 0 $'200 info 8056c2e21c 1.14.1 TUNNELED\n' '' info
expect "peers tunneled" 0 @peers_tunneled.out '' peers
scenario default
expect listnetworks 0 @listnetworks.out '' listnetworks
expect listpeers 0 @listpeers.out '' listpeers
expect peers 0 @peers.out '' peers
"$PY" "$STUB" json default /moon >"$tmp/moon.json"
expect listmoons 0 "=$tmp/moon.json" '' listmoons
expect listbonds 0 @listbonds.out '' listbonds
expect "bond list" 0 @listbonds.out '' bond list
scenario sso
expect "listnetworks with SSO" 0 @listnetworks_sso.out '' listnetworks
scenario empty
expect "listnetworks, none" 0 $'200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n' '' listnetworks
expect "listpeers, none" 0 $'200 listpeers <ztaddr> <path> <latency> <version> <role>\n' '' listpeers
expect "listmoons, none" 0 $'[]\n' '' listmoons

# --- -j: zt-cli's printer against Python's (one-space indentation, sorted keys)
scenario fixed
for c in info:/status listnetworks:/network listpeers:/peer peers:/peer listmoons:/moon; do
    "$PY" "$STUB" json fixed "${c#*:}" >"$tmp/j.expected"
    expect "-j ${c%%:*}" 0 "=$tmp/j.expected" '' -j "${c%%:*}"
done
scenario default

# --- join, leave, set, orbit, deorbit: output and the request sent
expect join 0 $'200 join OK\n' '' join $nwid
lastreq "POST /network/$nwid [[\"Content-Length\", \"2\"], [\"Content-Type\", \"application/json\"], [\"X-ZT1-Auth\", \"tok123\"]] {}"
expect "join -j: the body as received" 0 '*' '' -j join $nwid
"$PY" -c 'import json,sys; b=open(sys.argv[1]).read(); assert not b.endswith("\n"); assert json.loads(b)["id"] == sys.argv[2]' \
    "$tmp/out" $nwid && pass=$((pass + 1)) || bad "join -j output: $(cat "$tmp/out")"
n=$(nreq)
expect "join, bad id" 2 $'invalid network id\n' '' join 8056c2e21c00001
nothing_sent "join, bad id" "$n"
expect leave 0 $'200 leave OK\n' '' leave $nwid
lastreq "DELETE /network/$nwid [[\"X-ZT1-Auth\", \"tok123\"]] "
expect "leave -j" 0 '{"result":true}' '' -j leave $nwid
expect "leave, bad id" 2 $'invalid network id\n' '' leave x
expect "set allowDNS=true" 0 '*' '' set $nwid allowDNS=true
lastreq "POST /network/$nwid [[\"Content-Length\", \"17\"], [\"Content-Type\", \"application/json\"], [\"X-ZT1-Auth\", \"tok123\"]] {\"allowDNS\":true}"
"$PY" -c 'import json,sys; b=open(sys.argv[1]).read(); assert not b.endswith("\n"); assert json.loads(b)["allowDNS"] is True' \
    "$tmp/out" && pass=$((pass + 1)) || bad "set output: $(cat "$tmp/out")"
expect "set allowGlobal=1" 0 '*' '' set $nwid allowGlobal=1
lastreq "POST /network/$nwid [[\"Content-Length\", \"20\"], [\"Content-Type\", \"application/json\"], [\"X-ZT1-Auth\", \"tok123\"]] {\"allowGlobal\":true}"
expect "set allowDefault=yes" 0 '*' '' set $nwid allowDefault=yes
lastreq "POST /network/$nwid [[\"Content-Length\", \"22\"], [\"Content-Type\", \"application/json\"], [\"X-ZT1-Auth\", \"tok123\"]] {\"allowDefault\":false}"
n=$(nreq)
expect "set, other key" 0 '' '' set $nwid mtu=1000
expect "set, no =" 2 '' "=$help" set $nwid allowDNS
expect "set, bad id" 2 '' $'invalid format: must be a 16-digit (network) ID\n' set 123 allowDNS=1
expect "set, no key" 2 '' $'invalid format: include a property name to set\n' set $nwid
nothing_sent "set refusals" "$n"
expect orbit 0 $'200 orbit OK\n' '' orbit a1b2c3d4e5 a1b2c3d4e5
lastreq 'POST /moon/a1b2c3d4e5 [["Content-Length", "21"], ["Content-Type", "application/json"], ["X-ZT1-Auth", "tok123"]] {"seed":"a1b2c3d4e5"}'
n=$(nreq)
expect "orbit, world 0" 0 '' '' orbit 0 a1b2c3d4e5
expect "orbit, seed 0" 0 '' '' orbit a1b2c3d4e5 000
expect "orbit, no seed" 0 '' '' orbit a1b2c3d4e5
nothing_sent "orbit with a zero ID" "$n"
expect deorbit 0 $'200 deorbit OK\n' '' deorbit a1b2c3d4e5
lastreq 'DELETE /moon/a1b2c3d4e5 [["X-ZT1-Auth", "tok123"]] '

# --- get
expect "get name" 0 $'home\n' '' get $nwid name
expect "get mtu" 0 $'2800\n' '' get $nwid mtu
expect "get bool true" 0 $'1\n' '' get $nwid broadcastEnabled
expect "get bool false" 0 $'0\n' '' get $nwid allowGlobal
expect "get non-scalar" 1 $'error, unknown property name\n' '' get $nwid routes
expect "get absent" 1 $'error, unknown property name\n' '' get $nwid nosuch
expect "get ip" 0 $'10.147.17.5\nfd12:3456:789a:bcde:f099:938a:b2c3:d4e5\nfcd2:8d5e:8c1e:1a2b:3c00::1\n' '' get $nwid ip
expect "get ip4" 0 $'10.147.17.5\n' '' get $nwid ip4
expect "get ip6" 0 $'fd12:3456:789a:bcde:f099:938a:b2c3:d4e5\nfcd2:8d5e:8c1e:1a2b:3c00::1\n' '' get $nwid ip6
expect "get ip6plane" 0 $'fcd2:8d5e:8c1e:1a2b:3c00::1\n' '' get $nwid ip6plane
expect "get ip6prefix" 0 $'fcd2:8d5e:8c1e:1a2b:3c00\n' '' get $nwid ip6prefix
expect "get ip, none assigned" 0 $'\n' '' get 8056c2e21c000002 ip
expect "get, unknown network" 1 '' $'unknown network ID, check that you are a member of the network\n' get 8056c2e21c0000ff name
expect "get, bad id" 2 '' $'invalid format: must be a 16-digit (network) ID\n' get 8056c2e21c00000 name
expect "get, no property" 2 '' $'invalid format: include a property name to get\n' get $nwid

# --- /<path>, dump, other commands
expect "/status" 0 '*' '' /status
"$PY" -c 'import json,sys; b=open(sys.argv[1]).read(); assert not b.endswith("\n"); assert json.loads(b)["address"] == "8056c2e21c"' \
    "$tmp/out" && pass=$((pass + 1)) || bad "/status output: $(cat "$tmp/out")"
expect "/<unknown path>" 1 $'404 /nothing \n' '' /nothing
mkdir -p "$tmp/dumpdir"
cd "$tmp/dumpdir" || exit 1
expect dump 0 "Writing dump to: $tmp/dumpdir/zerotier_dump.txt"$'\n' '' dump
cd / || exit 1
for w in '"address": "8056c2e21c"' '"nwid": "8056c2e21c000001"' '"address": "62f865ae71"' local.conf interfaces; do
    grep -qF -- "$w" "$tmp/dumpdir/zerotier_dump.txt" && pass=$((pass + 1)) || bad "dump lacks $w"
done
expect "bond show (not served by the stub)" 1 $'404 bond \n' '' bond 62f865ae71 show
lastreq 'GET /bond/show/62f865ae71 [["X-ZT1-Auth", "tok123"]] '
expect "bond setmtu" 1 $'404 bond \n' '' bond setmtu 1400 eth0 10.0.0.1
lastreq 'POST /bond/setmtu/1400/eth0/10.0.0.1 [["Content-Length", "2"], ["Content-Type", "application/json"], ["X-ZT1-Auth", "tok123"]] {}'
expect "bond, other form" 0 '' "=$help" bond 62f865ae71
expect "unknown command" 0 '' "=$help" frobnicate
expect "no command" 0 '' "=$help"

# --- failures: 401, invalid JSON, non-200, connection refused
expect "401 info" 1 $'401 info {}\n' '' -Twrong info
expect "401 status" 1 $'401 status {}\n' '' -Twrong status
expect "401 join" 1 $'401 join {}\n' '' -Twrong join $nwid
expect "401 get" 1 $'401 get {}\n' '' -Twrong get $nwid name
expect "401 listmoons" 1 $'401 listmoons {}\n' '' -Twrong listmoons
scenario badjson
expect "invalid JSON" 1 '*' '' listnetworks
grep -qEx '200 listnetworks invalid JSON response \(.+\)' "$tmp/out" && pass=$((pass + 1)) ||
    bad "invalid JSON: $(cat "$tmp/out")"
scenario error500
expect "500 listpeers" 1 $'500 listpeers {"error":500,"description":"stub failure"}\n' '' listpeers
expect "500 set" 1 $'500 set {"error":500,"description":"stub failure"}\n' '' set $nwid allowDNS=0
expect "500 orbit" 1 $'500 orbit {"error":500,"description":"stub failure"}\n' '' orbit a1 b2
scenario default
stop_stub
expect "nothing listening" 1 '*' '' info
"$PY" -c 'import sys; b=open(sys.argv[1]).read()
assert b.startswith("Error connecting to the ZeroTier service: ") and len(b.splitlines()[0]) > 43
assert b.endswith("\n\nPlease check that the service is running and that TCP port 9993 can be contacted via 127.0.0.1.\n")' \
    "$tmp/out" && pass=$((pass + 1)) || bad "connection refused: $(cat "$tmp/out")"
expect "join, nothing listening" 1 '*' '' join $nwid
grep -qE '^0 join .+' "$tmp/out" && pass=$((pass + 1)) || bad "join refused: $(cat "$tmp/out")"

echo "cli.sh: $pass passed, $fail failed"
[[ $fail == 0 ]]
