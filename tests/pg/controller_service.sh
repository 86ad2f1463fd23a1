#!/usr/bin/env bash
# zt-service's controller on PostgreSQL, and the move from SQLite (issue 13), with real
# processes on loopback.  Run under tests/pg/pg_temp.sh (ZT_TEST_PG: a throwaway server).
#
#   1. A controller store made in SQLite (zt-ctltool: a network, member a authorised) is
#      copied into PostgreSQL with zt-ctldb (the documented migration).
#   2. The root runs its controller on that database (--controller-db postgres:<conninfo>);
#      member a joins and gets its address from the pool; the database holds it.
#   3. An edit made in the database by another process (zt-ctldb copying a changed record in,
#      as a second controller would write it) reaches a at once: the root hears it on the
#      change feed and pushes (a logs the new name long before its 60 s refresh).
#   4. Export to a controller.d tree (zt-ctldb copy ... json:) and back into a new SQLite file:
#      the counts match at every step.  Bad store names are refused (exit 1, a sentence).
#
# usage: controller_service.sh <zt-service> <zt-idtool> <zt-ctltool> <zt-ctldb>
# Every wait is bounded; every process is stopped by the trap.  ZT_KEEP_TMP=1 keeps the temp
# directory.
set -euo pipefail

svc=$(realpath "$1")
idtool=$(realpath "$2")
ctltool=$(realpath "$3")
ctldb=$(realpath "$4")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-pgsvc.XXXXXX")
pids=()
budget=120
t0=$SECONDS

name=controller_service
# shellcheck source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"
[[ -n ${ZT_TEST_PG:-} ]] || fail "run under tests/pg/pg_temp.sh (ZT_TEST_PG)"
pg="postgres:$ZT_TEST_PG"

identities root a
nwid="$(addr root)0000a1"
pool_network "$nwid" pg-net 10.61.0 10 20 false a
sqlite_db=$db

# ---- 1. SQLite -> PostgreSQL
out=$("$ctldb" copy "sqlite:$sqlite_db" "$pg")
[[ $out == "copied 1 networks and 1 members from sqlite:$sqlite_db to the PostgreSQL database" ]] ||
    fail "unexpected copy output: $out"
[[ $("$ctldb" count "$pg") == "1 networks, 1 members" ]] || fail "the database does not hold them"
log "SQLite store copied into PostgreSQL"

# ---- 2. the root's controller on PostgreSQL; a joins
common=(--bind-loopback --allow-loopback --log-level debug)
rm -rf "$tmp/root/controller.d" # nothing of SQLite is left to fall back to
start_root 00000000c0ffee13 a -- --controller-db "$pg"
grep -q " info controller $(addr root) on PostgreSQL$" "$tmp/root.log" ||
    fail "root: no 'controller on PostgreSQL' line"
grep -q "$ZT_TEST_PG" "$tmp/root.log" && fail "root logged the connection string"
"$svc" -p 0 "${common[@]}" --join "$nwid" "$tmp/a" 2>"$tmp/a.log" &
pids+=($!)
wait_for 30 "$tmp/a.log" " info network $nwid ok .*ips=10\.61\.0\.[0-9]+/24.* name=\"pg-net\"" ||
    fail "a: network not ok with an address from the pool"
log "a joined; its config came from the controller on PostgreSQL"

# ---- 3. an edit made elsewhere reaches a through the change feed
"$ctldb" copy "$pg" "json:$tmp/export" >/dev/null
f="$tmp/export/network/$nwid.json"
[[ -f $f ]] || fail "no exported network file"
python3 - "$f" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["name"] = "renamed-elsewhere"
d["revision"] = d.get("revision", 0) + 1
json.dump(d, open(p, "w"))
PY
start=$SECONDS
"$ctldb" copy "json:$tmp/export" "$pg" >/dev/null
wait_for 10 "$tmp/a.log" " info network $nwid ok .* name=\"renamed-elsewhere\"" ||
    fail "a did not hear the edit made in the database (change feed)"
log "an edit written by another process reached a within $((SECONDS - start)) s"

# ---- 4. export, import, refusals
rm -rf "$tmp/export2"
"$ctldb" copy "$pg" "json:$tmp/export2" >/dev/null
[[ -n $(find "$tmp/export2" -name "$(addr a).json") ]] || fail "a's member record not exported"
"$ctldb" copy "json:$tmp/export2" "sqlite:$tmp/back.sqlite3" >/dev/null
[[ $("$ctldb" count "sqlite:$tmp/back.sqlite3") == "1 networks, 1 members" ]] ||
    fail "the round trip lost records"
python3 - "$(find "$tmp/export2" -name "$(addr a).json")" <<'PY' || fail "a's address is not in its exported record"
import json, sys
ips = json.load(open(sys.argv[1])).get("ipAssignments", [])
sys.exit(0 if any(ip.startswith("10.61.0.") for ip in ips) else 1)
PY
rc1=0 rc2=0 rc3=0
"$ctldb" copy "nonsense" "sqlite:$tmp/x.sqlite3" 2>"$tmp/err1" || rc1=$?
"$ctldb" count "postgres:host=/nonexistent password=hunter2" 2>"$tmp/err2" || rc2=$?
"$ctldb" bogus 2>/dev/null || rc3=$?
((rc1 == 1 && rc2 == 1 && rc3 == 2)) || fail "exit statuses $rc1 $rc2 $rc3, not 1 1 2"
grep -q "not a store" "$tmp/err1" || fail "no sentence for a bad store name"
grep -q "hunter2" "$tmp/err2" && fail "a password reached the message"
log "export, import and refusals as documented"

stop_all
no_sanitizer_report
log "PASS"
