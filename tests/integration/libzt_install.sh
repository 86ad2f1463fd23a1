#!/usr/bin/env bash
# The installed libzt, as a user sees it (cmake/libzt.cmake): `cmake --install` into a temp
# prefix, then
#   1. the layout: headers, lwIP's headers with our lwipopts.h, libzt.a, libzt.so + SONAME
#      links, libzt.pc, libztConfig*.cmake;
#   2. libzt.so: SONAME libzt.so.<major>; `nm -D` lists only allowed names (zts_*, lwIP's
#      public API, the four core-lock functions: cmake/libzt.map); every function declared
#      in ZeroTierSockets.h and zts_controller.h, zts_errno and the lwIP names DevilutionX
#      calls (api.md 10.3) are exported;
#   3. consumer/ built and run four ways: pkg-config (shared, --static) and find_package
#      (libzt::zt, libzt::zt-static); the same four ways for libzt-modern, installed beside it
#      (its header in include/libzt-modern/, soname, a small program written here);
#   4. the tools (zt-service, zt-cli and its zerotier-cli link, zt-idtool), their manual pages
#      (rendered by man without a warning) and the systemd unit (dist/).
# Every check runs even after a failure; the summary lists what failed.
#
# usage: libzt_install.sh <build dir> <source dir> <C compiler> <cmake> <version> <sanitize>
#   <version> is the project version (SOVERSION = its major); <sanitize> is ZT_SANITIZE
#   (ON: the library is ASan/UBSan-instrumented, so the consumers are built with the same
#   -fsanitize flags).  ZT_KEEP_TMP=1 keeps the temp directory.
set -uo pipefail

if (($# != 6)); then
    echo "usage: $0 <build dir> <source dir> <cc> <cmake> <version> <sanitize>" >&2
    exit 2
fi
build=$(realpath "$1")
src=$(realpath "$2")
cc=$3
cmake=$4
version=$5
sanitize=$6
major=${version%%.*}

name=libzt_install
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zt-libzt.XXXXXX")
prefix=$tmp/prefix
consumer=$src/tests/integration/consumer
failed=()

log() { printf '[%s] %s\n' "$name" "$*"; }
fail() { log "FAIL: $*"; failed+=("$*"); }
cleanup() {
    if [[ ${ZT_KEEP_TMP:-0} == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

san_flags=()
case ${sanitize^^} in
ON | 1 | TRUE | YES) san_flags=("-fsanitize=address,undefined" -fno-omit-frame-pointer) ;;
esac

# ---- 1. install --------------------------------------------------------------------------

log "cmake --install $build --prefix $prefix"
if ! "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    log "FAIL: cmake --install failed"
    exit 1
fi

pc=$(find "$prefix" -name libzt.pc -path '*/pkgconfig/*' | head -n 1)
if [[ -z $pc ]]; then
    log "FAIL: no libzt.pc installed"
    exit 1
fi
libdir=$(dirname "$(dirname "$pc")")
inc=$prefix/include
log "libdir $libdir"

for f in "$inc/ZeroTierSockets.h" "$inc/zts_controller.h" \
    "$inc/libzt/lwipopts.h" "$inc/libzt/arch/cc.h" "$inc/libzt/arch/sys_arch.h" \
    "$inc/libzt/lwip/sockets.h" "$inc/libzt/lwip/tcpip.h" "$inc/libzt/lwip/mld6.h" \
    "$inc/libzt/lwip/igmp.h" "$inc/libzt/lwip/nd6.h" "$inc/libzt/netif/ethernet.h" \
    "$libdir/libzt.a" "$libdir/libzt.so" "$libdir/libzt.so.$major" "$libdir/libzt.so.$version" \
    "$libdir/cmake/libzt/libztConfig.cmake" "$libdir/cmake/libzt/libztConfigVersion.cmake"; do
    [[ -e $f ]] || fail "layout: missing ${f#"$prefix"/}"
done
so=$libdir/libzt.so

# ---- 2. libzt.so: SONAME and exports ------------------------------------------------------

soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname != "libzt.so.$major" ]]; then
    fail "soname: readelf -d gives '$soname', expected libzt.so.$major"
fi

nm -D --defined-only "$so" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u \
    >"$tmp/exports.txt"
log "libzt.so exports $(wc -l <"$tmp/exports.txt") names"

# Allowed exports: keep in step with cmake/libzt.map.
allowed_prefixes='zts_|lwip_|sys_|mem_|memp_|pbuf_|netif_|ip_|ip4_|ip6_|ipaddr_|ip4addr_|'
allowed_prefixes+='ip6addr_|inet_chksum|igmp_|mld6_|nd6_|icmp_|icmp6_|etharp_|ethernet_|'
allowed_prefixes+='ethip6_|tcp_|udp_|dns_|tcpip_|netconn_|netbuf_|netifapi_'
allowed_names='err_to_errno|in6addr_any|ethbroadcast|ethzero|zt__sys_core_lock|'
allowed_names+='zt__sys_core_unlock|zt__sys_assert_core_locked|zt__sys_mark_tcpip_thread'
grep -Ev "^($allowed_prefixes)|^($allowed_names)\$" "$tmp/exports.txt" >"$tmp/unexpected.txt"
if [[ -s $tmp/unexpected.txt ]]; then
    fail "exports: libzt.so exports $(wc -l <"$tmp/unexpected.txt") name(s) outside" \
        "zts_*/lwIP/core-lock (fix cmake/libzt.map or the symbol's visibility):"
    sed 's/^/    /' "$tmp/unexpected.txt"
fi

# Functions a header declares: preprocess it with the export macro as a marker, then take
# the identifier before the first "(" that follows each marker.
declared() { # <header> <export macro> <out file>
    local out=$3
    "$cc" -E -P -x c "-D$2=__zt_export_marker__" "$1" 2>"$out.err" | tr '\n' ' ' |
        grep -oE '__zt_export_marker__[^;{}(]*\(' >"$out.decl"
    grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\($' "$out.decl" | tr -d ' (' | sort -u >"$out"
    local markers names
    markers=$(wc -l <"$out.decl")
    names=$(wc -l <"$out")
    if ((markers == 0)); then
        fail "header: no $2 prototypes found in $1"
        cat "$out.err"
    fi
    # Fewer names than prototypes: a duplicate declaration or one this parser cannot read.
    if ((names < markers)); then
        log "note: $1: $markers $2 declarations, $names distinct names"
    fi
}
declared "$inc/ZeroTierSockets.h" ZT_SOCKET_API "$tmp/declared_zts.txt"
declared "$inc/zts_controller.h" ZTS_API "$tmp/declared_ctl.txt"
log "ZeroTierSockets.h declares $(wc -l <"$tmp/declared_zts.txt") functions;" \
    "zts_controller.h $(wc -l <"$tmp/declared_ctl.txt")"

# What api.md 10.3 has DevilutionX call or read in lwIP (lwip_inet_ntop is a function
# in lwIP 2.1; LOCK_TCPIP_CORE/UNLOCK_TCPIP_CORE expand to the zt__sys_core_* calls).
cat >"$tmp/required_lwip.txt" <<'EOF'
in6addr_any
ipaddr_aton
lwip_accept
lwip_bind
lwip_close
lwip_connect
lwip_fcntl
lwip_inet_ntop
lwip_listen
lwip_recv
lwip_recvfrom
lwip_send
lwip_sendto
lwip_setsockopt
lwip_socket
mld6_joingroup
nd6_get_next_hop_addr_or_queue
netif_default
zt__sys_core_lock
zt__sys_core_unlock
EOF

missing() { # <label> <list file>: names of the list not exported
    local m
    m=$(sort -u "$2" | comm -23 - "$tmp/exports.txt")
    if [[ -n $m ]]; then
        fail "exports: $(wc -l <<<"$m") $1 not exported by libzt.so (not implemented yet," \
            "or not marked ZT_SOCKET_API/ZTS_API):"
        printf '%s\n' "$m" | sed 's/^/    /'
    fi
}
missing "function(s) declared in ZeroTierSockets.h" "$tmp/declared_zts.txt"
echo zts_errno >"$tmp/required_var.txt"
missing "variable(s) of ZeroTierSockets.h" "$tmp/required_var.txt"
missing "function(s) declared in zts_controller.h" "$tmp/declared_ctl.txt"
missing "lwIP name(s) DevilutionX uses" "$tmp/required_lwip.txt"

# ---- 3. consumers ---------------------------------------------------------------------------

# run <label> <binary> [env...]: runs the consumer, bounded; fails on a non-zero exit.
run() {
    local label=$1 bin=$2
    shift 2
    if ! env "$@" timeout 60 "$bin" >"$tmp/$label.run.log" 2>&1; then
        fail "$label: $bin exited with an error"
        sed 's/^/    /' "$tmp/$label.run.log"
        return 1
    fi
    log "$label: $(tail -n 1 "$tmp/$label.run.log")"
}
# needs_libzt <label> <binary> <yes|no>: DT_NEEDED has libzt.so.<major>, or not at all.
needs_libzt() {
    local has=no
    readelf -d "$2" | grep -q "NEEDED.*\[libzt\.so" && has=yes
    if [[ $has != "$3" ]]; then
        fail "$1: $2 has libzt.so in DT_NEEDED: $has (expected $3)"
    fi
}

export PKG_CONFIG_PATH=$libdir/pkgconfig
if ! pkg-config --exists --print-errors libzt 2>"$tmp/pc.err"; then
    fail "pkg-config: libzt not usable"
    cat "$tmp/pc.err"
else
    read -ra pc_cflags <<<"$(pkg-config --cflags libzt)"
    read -ra pc_libs <<<"$(pkg-config --libs libzt)"
    read -ra pc_static <<<"$(pkg-config --static --libs libzt)"
    log "pkg-config --cflags: ${pc_cflags[*]}"
    log "pkg-config --static --libs: ${pc_static[*]}"
    # Both libraries sit in one directory and -lzt prefers libzt.so: ask for the archive.
    for i in "${!pc_static[@]}"; do
        [[ ${pc_static[i]} == -lzt ]] && pc_static[i]=-l:libzt.a
    done

    bin=$tmp/consumer_pc_shared
    if "$cc" "${san_flags[@]}" -Wall -Werror "${pc_cflags[@]}" -o "$bin" \
        "$consumer/consumer.c" "$consumer/lwip_use.c" "${pc_libs[@]}" >"$tmp/pc_shared.log" 2>&1; then
        needs_libzt pkgconfig-shared "$bin" yes
        run pkgconfig-shared "$bin" LD_LIBRARY_PATH="$libdir" LD_BIND_NOW=1
    else
        fail "pkgconfig-shared: build failed"
        sed 's/^/    /' "$tmp/pc_shared.log" | head -n 60
    fi

    bin=$tmp/consumer_pc_static
    if "$cc" "${san_flags[@]}" -Wall -Werror "${pc_cflags[@]}" -o "$bin" \
        "$consumer/consumer.c" "$consumer/lwip_use.c" "${pc_static[@]}" >"$tmp/pc_static.log" 2>&1; then
        needs_libzt pkgconfig-static "$bin" no
        run pkgconfig-static "$bin"
    else
        fail "pkgconfig-static: build failed"
        sed 's/^/    /' "$tmp/pc_static.log" | head -n 60
    fi
fi

cm=$tmp/cmake-consumer
if "$cmake" -S "$consumer" -B "$cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="${san_flags[*]} -Wall -Werror" \
    -DCMAKE_EXE_LINKER_FLAGS="${san_flags[*]}" >"$tmp/cmake_configure.log" 2>&1 &&
    "$cmake" --build "$cm" >"$tmp/cmake_build.log" 2>&1; then
    needs_libzt cmake-shared "$cm/consumer_cmake_shared" yes
    needs_libzt cmake-static "$cm/consumer_cmake_static" no
    # The imported location gives the build-tree binary an RPATH; LD_LIBRARY_PATH anyway.
    run cmake-shared "$cm/consumer_cmake_shared" LD_LIBRARY_PATH="$libdir" LD_BIND_NOW=1
    run cmake-static "$cm/consumer_cmake_static"
else
    fail "find_package: consumer project failed to configure or build"
    cat "$tmp/cmake_configure.log" "$tmp/cmake_build.log" 2>/dev/null | sed 's/^/    /' |
        tail -n 80
fi

# ---- 3b. libzt-modern, installed beside libzt (docs/embedding-modern.md) -------------------

mod_inc=$inc/libzt-modern
for f in "$mod_inc/ZeroTierSockets.h" "$libdir/libzt-modern.a" "$libdir/libzt-modern.so" \
    "$libdir/libzt-modern.so.$major" "$libdir/pkgconfig/libzt-modern.pc" \
    "$libdir/cmake/libzt-modern/libzt-modernConfig.cmake"; do
    [[ -e $f ]] || fail "modern layout: missing ${f#"$prefix"/}"
done
soname=$(readelf -d "$libdir/libzt-modern.so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == "libzt-modern.so.$major" ]] ||
    fail "modern soname: '$soname', expected libzt-modern.so.$major"
# A user's program: the modern header by its plain name, lwIP's headers after it, and calls
# that need no node (run: the adhoc ID and the uppercase text of api-modern.md §5.4, §5.11).
mkdir -p "$tmp/modern"
cat >"$tmp/modern/app.c" <<'CEOF'
#include <ZeroTierSockets.h>
#include <lwip/sockets.h>
#include <stdio.h>
#include <string.h>
#if !defined(ZTS_SOCKETS_H) || defined(ZT_SOCKETS_H)
#error "not the modern header"
#endif
int main(void)
{
    char s[ZTS_INET6_ADDRSTRLEN];
    unsigned char a[16] = {0xfd, 0};
    int (*volatile start)(void) = zts_node_start; /* linked, not called */
    if (zts_net_compute_adhoc_id(2000, 3000) != 0xff07d00bb8000000ULL ||
        zts_inet_ntop(ZTS_AF_INET6, a, s, sizeof(s)) == NULL || strcmp(s, "FD00::") != 0 ||
        start == NULL)
        return 1;
    printf("modern consumer ok (%s)\n", s);
    return 0;
}
CEOF
cat >"$tmp/modern/CMakeLists.txt" <<'CEOF'
cmake_minimum_required(VERSION 3.20)
project(modern_consumer C)
find_package(libzt-modern REQUIRED)
add_executable(modern_cmake_static app.c)
target_link_libraries(modern_cmake_static PRIVATE libzt-modern::zt-static)
add_executable(modern_cmake_shared app.c)
target_link_libraries(modern_cmake_shared PRIVATE libzt-modern::zt)
CEOF
if ! pkg-config --exists --print-errors libzt-modern 2>"$tmp/pcm.err"; then
    fail "pkg-config: libzt-modern not usable"
    cat "$tmp/pcm.err"
else
    read -ra pcm_cflags <<<"$(pkg-config --cflags libzt-modern)"
    read -ra pcm_libs <<<"$(pkg-config --libs libzt-modern)"
    read -ra pcm_static <<<"$(pkg-config --static --libs libzt-modern)"
    for i in "${!pcm_static[@]}"; do
        [[ ${pcm_static[i]} == -lzt-modern ]] && pcm_static[i]=-l:libzt-modern.a
    done
    for kind in shared static; do
        bin=$tmp/modern_pc_$kind
        if [[ $kind == shared ]]; then libs=("${pcm_libs[@]}"); else libs=("${pcm_static[@]}"); fi
        if "$cc" "${san_flags[@]}" -Wall -Werror "${pcm_cflags[@]}" -o "$bin" \
            "$tmp/modern/app.c" "${libs[@]}" >"$tmp/modern_pc_$kind.log" 2>&1; then
            run "modern-pkgconfig-$kind" "$bin" LD_LIBRARY_PATH="$libdir" LD_BIND_NOW=1
        else
            fail "modern-pkgconfig-$kind: build failed"
            sed 's/^/    /' "$tmp/modern_pc_$kind.log" | head -n 40
        fi
    done
fi
cmm=$tmp/modern-cmake
if "$cmake" -S "$tmp/modern" -B "$cmm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="${san_flags[*]} -Wall -Werror" -DCMAKE_EXE_LINKER_FLAGS="${san_flags[*]}" \
    >"$tmp/modern_cmake.log" 2>&1 && "$cmake" --build "$cmm" >>"$tmp/modern_cmake.log" 2>&1; then
    run modern-cmake-static "$cmm/modern_cmake_static"
    run modern-cmake-shared "$cmm/modern_cmake_shared" LD_LIBRARY_PATH="$libdir" LD_BIND_NOW=1
else
    fail "find_package(libzt-modern): consumer failed to configure or build"
    tail -n 60 "$tmp/modern_cmake.log" | sed 's/^/    /'
fi

# ---- 4. the tools, their manual pages, the systemd unit (dist/) ---------------------------

bindir=$prefix/bin
for t in zt-service zt-cli zt-idtool zt-relay; do
    [[ -x $bindir/$t ]] || fail "tools: $t not installed in bin/"
done
[[ -n $(find "$prefix" -name libztintercept.so) ]] || fail "libztintercept.so not installed"
[[ $(readlink "$bindir/zerotier-cli") == zt-cli ]] ||
    fail "tools: zerotier-cli is not a link to zt-cli"
"$bindir/zt-idtool" --help >"$tmp/idtool_help.txt" 2>&1 ||
    fail "tools: installed zt-idtool --help failed"
for page in man1/zt-cli.1 man1/zt-idtool.1 man8/zt-service.8 man8/zt-relay.8; do
    f=$(find "$prefix" -path "*/man/$page" | head -n 1)
    if [[ -z $f ]]; then
        fail "man: $page not installed"
    elif command -v man >/dev/null; then
        # groff's warnings (-ww) on stderr: a page that renders with none is well formed.
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>"$tmp/man.err" >/dev/null
        if [[ -s $tmp/man.err ]]; then
            fail "man: $page renders with warnings: $(head -n 3 "$tmp/man.err")"
        fi
    fi
done
unit=$prefix/lib/systemd/system/zt-service.service
if [[ ! -f $unit ]]; then
    fail "systemd: zt-service.service not installed"
elif ! grep -qx "ExecStart=$bindir/zt-service /var/lib/zt-service" "$unit"; then
    fail "systemd: ExecStart does not name the installed zt-service: $(grep ExecStart "$unit")"
fi

if ((${#failed[@]} > 0)); then
    log "FAILED: ${#failed[@]} check(s):"
    printf '    %s\n' "${failed[@]}"
    exit 1
fi
log "all checks passed"
