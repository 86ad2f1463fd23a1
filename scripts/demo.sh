#!/usr/bin/env bash
# The main job: an offline demo world.  Today it makes and checks a private world (a root
# identity, a signed planet naming it, a member identity); as the VL1 node, the controller and
# the stack land, it grows into root + controller + nodes exchanging traffic on loopback.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
world=${ZT_DEMO_DIR:-$root/build/demo-world}

say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

say "setting up (packages, lwIP source) and building the release flavour"
scripts/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs" >/dev/null
idtool=$root/build/release/apps/zt-idtool/zt-idtool

rm -rf "$world"
mkdir -p "$world/root" "$world/member" "$world/keys"
say "world directory: $world"

say "1. root identity (memory-hard address derivation)"
"$idtool" generate "$world/root/identity.secret" "$world/root/identity.public" >/dev/null
root_addr=$(cut -c1-10 "$world/root/identity.public")
say "   root address $root_addr"

say "2. planet: a signed world naming the root and its loopback endpoint"
cat >"$world/planet.json" <<JSON
{ "id": "00000000c0ffee01",
  "roots": [ { "identity": "$(cat "$world/root/identity.public")",
               "stableEndpoints": ["127.0.0.1/19993", "::1/19993"] } ] }
JSON
(cd "$world/keys" && "$idtool" mkplanet "$world/planet.json" -o "$world/root/planet" 2>/dev/null)
cp "$world/root/planet" "$world/member/planet"
"$idtool" printworld "$world/member/planet" | sed 's/^/          /'

say "3. member identity"
"$idtool" generate "$world/member/identity.secret" "$world/member/identity.public" >/dev/null
member_addr=$(cut -c1-10 "$world/member/identity.public")
say "   member address $member_addr"

say "4. validation"
"$idtool" validate "$world/root/identity.public"
"$idtool" validate "$world/member/identity.secret"
echo "hello from $member_addr" >"$world/member/hello.txt"
"$idtool" sign "$world/member/identity.secret" "$world/member/hello.txt" >"$world/member/hello.sig"
"$idtool" verify "$world/member/identity.public" "$world/member/hello.txt" "$world/member/hello.sig"
grep -q '"signatureValidForUpdateKey": true' <("$idtool" printworld "$world/root/planet")

say "private world ready: planet 00000000c0ffee01, root $root_addr, member $member_addr"
say "home directories: $world/root and $world/member (identity.secret is mode 0600)"
