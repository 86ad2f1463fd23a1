#!/usr/bin/env bash
# unit.test_modern_exports: libzt-modern.so exports exactly what it should (cmake/libzt.cmake,
# api-modern.md §2, §5.13): the zts_* names of cmake/libzt-modern.exports (the 140 functions
# and zts_errno, zts_in6addr_any), lwIP's public API and the core-lock functions as libzt.so
# does, nothing else (no zts_controller_*, no 1.3 name such as zts_start); and every function
# the modern header declares is in the list, and the other way round.
#
# usage: modern_exports.sh <libzt-modern.so> <exports list> <modern header> <C compiler>
set -uo pipefail
if (($# != 4)); then
    echo "usage: $0 <libzt-modern.so> <exports list> <header> <cc>" >&2
    exit 2
fi
so=$1 list=$2 header=$3 cc=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-modern-exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

grep -E '^zts_' "$list" | sort -u >"$tmp/want"
nm -D --defined-only "$so" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u >"$tmp/all"
grep -E '^zts_' "$tmp/all" >"$tmp/have"
if ! diff -u "$tmp/want" "$tmp/have" >"$tmp/diff"; then
    fail "zts_* exports differ from $list (- missing, + unexpected):"
    sed 's/^/    /' "$tmp/diff"
fi
# Everything else must be lwIP's or the core-lock functions (cmake/libzt.map).
allowed='^(lwip_|sys_|mem_|memp_|pbuf_|netif_|ip_|ip4_|ip6_|ipaddr_|ip4addr_|ip6addr_|'
allowed+='inet_chksum|igmp_|mld6_|nd6_|icmp_|icmp6_|etharp_|ethernet_|ethip6_|tcp_|udp_|dns_|'
allowed+='tcpip_|netconn_|netbuf_|netifapi_|zts_)|^(err_to_errno|in6addr_any|ethbroadcast|'
allowed+='ethzero|zt__sys_core_lock|zt__sys_core_unlock|zt__sys_assert_core_locked|'
allowed+='zt__sys_mark_tcpip_thread)$'
if grep -Ev "$allowed" "$tmp/all" >"$tmp/other"; then
    fail "unexpected exports:"
    sed 's/^/    /' "$tmp/other"
fi

# The header's functions: every declaration (text between ";", "{" and "}") whose first
# zts_ name is followed by "(".  (ZTS_API cannot serve as a marker: the header defines it.)
"$cc" -E -P -x c "$header" | tr '\n' ' ' | tr ';{}' '\n\n\n' |
    grep -oE '^[^(]*\bzts_[A-Za-z0-9_]*[[:space:]]*\(' |
    grep -oE 'zts_[A-Za-z0-9_]*[[:space:]]*\($' | tr -d ' (' | sort -u >"$tmp/decl"
n=$(wc -l <"$tmp/decl")
if ((n != 140)); then
    fail "$n functions declared by the header, 140 expected"
fi
if ! comm -23 "$tmp/decl" "$tmp/want" >"$tmp/undeclared" || [[ -s $tmp/undeclared ]]; then
    fail "declared in the header but not in the list:"
    sed 's/^/    /' "$tmp/undeclared"
fi
comm -13 "$tmp/decl" "$tmp/want" | grep -vE '^(zts_errno|zts_in6addr_any)$' >"$tmp/extra"
if [[ -s $tmp/extra ]]; then
    fail "in the list but not declared by the header:"
    sed 's/^/    /' "$tmp/extra"
fi
if ((failed)); then
    exit 1
fi
echo "ok: $(wc -l <"$tmp/have") zts_* exports, $(wc -l <"$tmp/all") in all"
