#!/usr/bin/env bash
# Integration test of zt-idtool: every command, its files, output lines, exit codes, and
# byte compatibility with the reference (signature of the vl1.json vector, default planet).
# usage: idtool.sh <zt-idtool binary> <vl1.json>
set -uo pipefail
T=$1
VEC=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0
fail=0

check() { # check <description> <command...>: the command must succeed
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}
refuse() { # refuse <description> <expected exit> <command...>: must fail with that code
    local what=$1 want=$2
    shift 2
    "$@" >/dev/null 2>&1
    local got=$?
    if [ "$got" -eq "$want" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what (exit $got, wanted $want)"; fi
}
vec() { python3 -c "import json,sys; d=json.load(open('$VEC')); print(eval('d' + sys.argv[1]), end='')" "$1"; }

# generate / validate / getpublic
check "generate to files" "$T" generate id.secret id.public
check "secret is mode 0600" test "$(stat -c %a id.secret)" = 600
check "public has no newline" test "$(tail -c1 id.public | od -An -c | tr -d ' ')" != '\n'
check "secret validates" "$T" validate id.secret
check "public validates" "$T" validate id.public
check "getpublic matches" test "$("$T" getpublic id.secret)" = "$(cat id.public)"
check "validate literal text" "$T" validate "$(cat id.public)"
refuse "no overwrite of a secret" 1 "$T" generate id.secret
check "overwrite with -f" "$T" generate -f other.secret
check "generate to stdout" test "$("$T" generate | tr -cd ':' | wc -c)" = 3
sed 's/^\(.\{20\}\)./\1f/' id.public >tampered.public
[ "$(cat tampered.public)" != "$(cat id.public)" ] || sed -i 's/^\(.\{20\}\)./\10/' tampered.public
refuse "tampered key fails validation" 1 "$T" validate tampered.public
refuse "garbage is not an identity" 1 "$T" validate "$(printf 'x%.0s' {1..40})"
refuse "missing file" 1 "$T" validate no-such-file

# sign / verify
printf 'some bytes\n' >msg
check "sign" sh -c "'$T' sign id.secret msg >msg.sig"
check "signature is 192 hex" test "$(wc -c <msg.sig)" = 192
check "verify file signature" "$T" verify id.public msg msg.sig
check "verify literal signature" "$T" verify id.public msg "$(cat msg.sig)"
printf 'other' >msg2
refuse "verify wrong message" 1 "$T" verify id.public msg2 msg.sig
refuse "sign needs a secret" 1 "$T" sign id.public msg

# the reference signature vector, through the command line
vec "['signature']['signer_identity_secret_string']" >a.secret
vec "['signature']['message_hex']" | xxd -r -p >vmsg
check "vector signature reproduced" test "$("$T" sign a.secret vmsg)" = "$(vec "['signature']['signature_96']")"

# moons
check "initmoon" sh -c "'$T' initmoon id.public >moon.json"
check "moon json has the id" grep -q "\"id\": \"$(cut -c1-10 id.public)\"" moon.json
check "genmoon" "$T" genmoon moon.json
moonfile=000000$(cut -c1-10 id.public).moon
check "moon file named by id" test -s "$moonfile"
check "printworld moon" sh -c "'$T' printworld $moonfile | grep -q '\"signatureValidForUpdateKey\": true'"
refuse "genmoon bad json" 1 "$T" genmoon msg

# planets: first revision, then an update signed by the previous key
printf '{"id":"1234","roots":[{"identity":"%s","stableEndpoints":["127.0.0.1/9993"]}]}' \
    "$(cat id.public)" >planet.json
check "mkplanet creates keys" "$T" mkplanet planet.json -o planet --timestamp 1000
check "keys are mode 0600" test "$(stat -c %a previous.c25519)" = 600
check "planet verifies" sh -c "'$T' printworld planet | grep -q '\"signatureValidForUpdateKey\": true'"
check "planet timestamp" sh -c "'$T' printworld planet | grep -q '\"timestamp\": 1000'"
refuse "mkplanet with one key missing" 1 "$T" mkplanet planet.json -o p2 --previous previous.c25519 --current nothere
printf '{"id":"1234","roots":[{"identity":"%s"}],"worldType":"moon"}' "$(cat id.public)" >moonish.json
refuse "mkplanet refuses a moon" 1 "$T" mkplanet moonish.json -o p3
printf '{"id":"1234","roots":[{"identity":"%s"}]}' "$(cat tampered.public)" >badroot.json
refuse "mkplanet refuses an invalid root" 1 "$T" mkplanet badroot.json -o p4

# the default planet bytes parse
vec "['default_planet']['serialized']" | xxd -r -p >earth
check "default planet parses and verifies" sh -c "'$T' printworld earth | grep -q '\"signatureValidForUpdateKey\": true'"
head -c 300 earth >earth.cut
refuse "truncated planet" 1 "$T" printworld earth.cut

# usage
refuse "no command" 2 "$T"
refuse "unknown command" 2 "$T" frobnicate
refuse "wrong arity" 2 "$T" validate
check "help" "$T" --help

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
