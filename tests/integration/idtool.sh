#!/usr/bin/env bash
# Integration test of zt-idtool: every command, its files, output lines, exit codes, and
# byte compatibility with the reference (signature of the vl1.json vector, default planet);
# refusals (issue 9): timestamps out of range, a planet given to genmoon, files too large or
# unreadable, each with its message.
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
says() { # says <description> <expected exit> <text> <command...>: that exit, <text> on stderr
    local what=$1 want=$2 text=$3
    shift 3
    timeout 20 "$@" >/dev/null 2>"$work/stderr"
    local got=$?
    if [ "$got" -eq "$want" ] && grep -qF -- "$text" "$work/stderr"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $what (exit $got, wanted $want; stderr: $(head -c 300 "$work/stderr"))"
    fi
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

# world timestamps: 1 ms to the end of year 9999; anything else is a usage error, nothing written
cp planet planet.before
for ts in 99999999999999999999999 9223372036854775807 253402300800000 -5 0 "" " 5" +5 1e3 12x; do
    says "mkplanet --timestamp '$ts' refused" 2 "from 1 to 253402300799999" \
        "$T" mkplanet planet.json -o planet --timestamp "$ts"
done
check "refused timestamps left the planet alone" cmp -s planet planet.before
check "mkplanet --timestamp at the bound" "$T" mkplanet planet.json -o p9999 --timestamp 253402300799999
check "bound timestamp written" sh -c "'$T' printworld p9999 | grep -q '\"timestamp\": 253402300799999'"

# genmoon writes moons only; mkplanet planets only
sed 's/"worldType": "moon"/"worldType": "planet"/' moon.json >moon-as-planet.json
check "planet definition made" grep -q '"worldType": "planet"' moon-as-planet.json
rm -f "$moonfile"
says "genmoon refuses a planet" 1 "genmoon writes moons only (use mkplanet" "$T" genmoon moon-as-planet.json
check "genmoon wrote nothing for a planet" test ! -e "$moonfile"
says "mkplanet refuses a moon, saying why" 1 'worldType must be "planet"' "$T" mkplanet moonish.json -o p5
check "mkplanet wrote nothing for a moon" test ! -e p5

# every file read: the limit in the message when too large, the cause when unreadable
head -c 4097 /dev/zero >big.4097
head -c 129 /dev/zero >big.129
head -c 8481 /dev/zero >big.8481
head -c 262145 /dev/zero >big.256k
truncate -s $((64 * 1024 * 1024 + 1)) big.64m
says "identity file too large" 1 "4097 bytes; an identity file may have at most 4096 bytes" "$T" validate big.4097
says "file to sign too large" 1 "a file to sign may have at most 67108864 bytes" "$T" sign id.secret big.64m
says "file to verify too large" 1 "a file to verify may have at most 67108864 bytes" "$T" verify id.public big.64m msg.sig
says "signature file too large" 1 "a signature file may have at most 4096 bytes" "$T" verify id.public msg big.4097
says "moon definition too large" 1 "262145 bytes; a world definition may have at most 262144" "$T" genmoon big.256k
says "planet definition too large" 1 "a world definition may have at most 262144 bytes" "$T" mkplanet big.256k -o p6
says "key pair file too large" 1 "a key pair file may have at most 128 bytes" \
    "$T" mkplanet planet.json -o p7 --previous big.129 --current current.c25519
says "world file too large" 1 "8481 bytes; a planet or moon file may have at most 8480 bytes" "$T" printworld big.8481
says "missing file" 1 "cannot read no-such-file: no such file" "$T" printworld no-such-file
says "signature neither hex nor file" 1 "is not a signature (192 hex digits) nor a file" "$T" verify id.public msg nothere
says "signature file without one" 1 "msg2 does not hold a signature" "$T" verify id.public msg msg2
mkdir adir
mkfifo afifo
says "a directory is not read" 1 "cannot read adir: it is a directory, not a regular file" "$T" printworld adir
says "a FIFO is not opened (no hang)" 1 "cannot read afifo: it is a FIFO, not a regular file" "$T" genmoon afifo
if [ "$(id -u)" -ne 0 ]; then # root reads any file
    cp msg unreadable && chmod 000 unreadable
    says "unreadable file" 1 "cannot read unreadable: Permission denied" "$T" sign id.secret unreadable
fi

# usage; --help on every command goes to stdout with exit 0
refuse "no command" 2 "$T"
refuse "unknown command" 2 "$T" frobnicate
refuse "wrong arity" 2 "$T" validate
refuse "bad vanity prefix" 2 "$T" generate v.secret v.public xyz
refuse "help on an unknown command" 2 "$T" help frobnicate
check "help" "$T" --help
for cmd in generate validate getpublic sign verify initmoon genmoon mkplanet printworld; do
    check "$cmd --help" sh -c "'$T' $cmd --help 2>/dev/null | grep -q '^usage: zt-idtool $cmd'"
    check "$cmd -h" sh -c "'$T' $cmd -h 2>/dev/null | grep -q '^usage: zt-idtool $cmd'"
    check "help $cmd" sh -c "'$T' help $cmd 2>/dev/null | grep -q '^usage: zt-idtool $cmd'"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
