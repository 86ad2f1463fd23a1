#!/usr/bin/env bash
# fetch-lwip.sh DEST_DIR: puts lwIP's source, from Debian's `lwip` source package at a pinned
# version, in DEST_DIR/lwip and marks it with DEST_DIR/lwip/.zt-ok.  Idempotent: does nothing
# when the marker names the pinned version.  The .orig tarball (upstream lwIP) and the Debian
# tarball (packaging and patches) are checked against the SHA-256 sums pinned below before
# anything is unpacked; dpkg-source then checks them again against the .dsc.
#
# The tree is unpacked with --skip-patches: upstream lwIP 2.1.3 as released (less the
# generated doxygen output that Debian's +dfsg repack drops).  Debian's patches serve its own
# liblwip build (a Hurd port under port/, whose macros the patched sockets.c then needs, and
# a PPP fix for code we do not compile); our port and options live in src/stack/.
#
# If apt knows no source for lwip, a deb-src entry is derived from the machine's own Debian
# apt sources (same URIs, suites and components, for this release only) and written to
# /etc/apt/sources.list.d/zt-deb-src.{sources,list}; no mirror is named here.
set -euo pipefail

LWIP_DEB_VERSION="2.1.3+dfsg1-2"
LWIP_ORIG_SHA256="0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24"
LWIP_DEBIAN_SHA256="c5a48413d362cc757032cdd58f528f75eb64ee781ca46ca24f010b49b0e62a90"
stamp="lwip $LWIP_DEB_VERSION $LWIP_ORIG_SHA256 skip-patches"

msg() { echo "fetch-lwip: $*"; }
die() { echo "fetch-lwip: error: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: fetch-lwip.sh DEST_DIR" >&2; exit 2; }
mkdir -p "$1" || die "cannot create $1"
dest=$(cd "$1" && pwd)
tree="$dest/lwip"

if [ -f "$tree/.zt-ok" ] && [ "$(cat "$tree/.zt-ok")" = "$stamp" ]; then
    msg "lwIP $LWIP_DEB_VERSION already in $tree"
    exit 0
fi

for tool in apt-get apt-cache dpkg-source sha256sum awk; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool not found (Debian with dpkg-dev is required; run scripts/setup.sh)"
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot configure apt"
    sudo_cmd=(sudo)
fi

have_source() {
    apt-cache showsrc lwip 2>/dev/null | grep -qx "Version: $LWIP_DEB_VERSION"
}

# Prints deb-src stanzas (deb822) made from every enabled "Types: deb" stanza of the given
# .sources files, keeping only this release's suites (codename and codename-*), so that
# third-party repositories with their own suite names are left out.
derive_deb822() {
    awk -v codename="$1" '
        function flush(   i, n, s, out, keep) {
            if (nl == 0) return
            if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled !~ /^[ \t]*(no|false)/) {
                n = split(suites, s, /[ \t]+/); out = ""
                for (i = 1; i <= n; i++)
                    if (s[i] == codename || index(s[i], codename "-") == 1)
                        out = out (out == "" ? "" : " ") s[i]
                if (out != "") {
                    for (i = 1; i <= nl; i++) {
                        if (line[i] ~ /^Types:/) print "Types: deb-src"
                        else if (line[i] ~ /^Suites:/) print "Suites: " out
                        else if (line[i] ~ /^Enabled:/ || line[i] ~ /^#/) continue
                        else print line[i]
                    }
                    print ""
                }
            }
            nl = 0; types = ""; suites = ""; enabled = ""
        }
        FNR == 1    { flush() }
        /^[ \t]*$/ { flush(); next }
        { line[++nl] = $0 }
        /^Types:/   { types = substr($0, 7) }
        /^Suites:/  { suites = substr($0, 8); sub(/^[ \t]+/, "", suites) }
        /^Enabled:/ { enabled = substr($0, 9) }
        END         { flush() }
    ' "${@:2}"
}

# Same for one-line .list files: "deb [opts] URI suite comp..." -> "deb-src ...".
derive_list() {
    awk -v codename="$1" '
        $1 == "deb" {
            i = 2
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            suite = $(i + 1)
            if (suite == codename || index(suite, codename "-") == 1) {
                sub(/^deb[ \t]+/, "deb-src ")
                print
            }
        }
    ' "${@:2}"
}

ensure_deb_src() {
    local codename="" sources=() lists=() f text
    if [ -r /etc/os-release ]; then
        codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    fi
    [ -n "$codename" ] || die "cannot tell the Debian codename from /etc/os-release"

    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$(basename "$f")" != zt-deb-src.sources ] && sources+=("$f")
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && [ "$(basename "$f")" != zt-deb-src.list ] && lists+=("$f")
    done

    if [ ${#sources[@]} -gt 0 ]; then
        text=$(derive_deb822 "$codename" "${sources[@]}")
        if [ -n "$text" ]; then
            msg "adding deb-src entries for $codename to /etc/apt/sources.list.d/zt-deb-src.sources"
            printf '# Written by fetch-lwip.sh: deb-src twin of this machine'"'"'s Debian sources.\n%s\n' \
                "$text" | "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/zt-deb-src.sources >/dev/null
        fi
    fi
    if [ ${#lists[@]} -gt 0 ]; then
        text=$(derive_list "$codename" "${lists[@]}")
        if [ -n "$text" ]; then
            msg "adding deb-src entries for $codename to /etc/apt/sources.list.d/zt-deb-src.list"
            printf '# Written by fetch-lwip.sh: deb-src twin of this machine'"'"'s Debian sources.\n%s\n' \
                "$text" | "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/zt-deb-src.list >/dev/null
        fi
    fi
    [ -f /etc/apt/sources.list.d/zt-deb-src.sources ] || [ -f /etc/apt/sources.list.d/zt-deb-src.list ] ||
        die "found no Debian '$codename' entry in /etc/apt to derive a deb-src entry from"
}

# True if some apt source already has deb-src entries (then apt only needs an update).
has_deb_src() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && grep -Eq '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && grep -Eiq '^Types:.*deb-src' "$f" && return 0
    done
    return 1
}

if ! have_source; then
    has_deb_src || ensure_deb_src
    msg "apt-get update"
    # A failing third-party repository makes update exit non-zero even when Debian's lists
    # were fetched; whether lwip's source is now known is the test that counts.
    "${sudo_cmd[@]}" apt-get update -qq || msg "apt-get update reported errors; checking anyway"
    have_source || die "apt knows no source package lwip=$LWIP_DEB_VERSION (check deb-src entries in /etc/apt)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-lwip.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt-get source run as root may warn that it downloads unsandboxed; the sums below guard it.

msg "downloading source package lwip=$LWIP_DEB_VERSION"
(cd "$work" && apt-get source -qq --download-only "lwip=$LWIP_DEB_VERSION") >"$work/apt.log" 2>&1 || {
    cat "$work/apt.log" >&2
    die "apt-get source lwip=$LWIP_DEB_VERSION failed"
}

check_sha() {
    local pattern="$1" want="$2" file got
    file=$(find "$work" -maxdepth 1 -name "$pattern" | head -n 1)
    [ -n "$file" ] || die "no file matching $pattern was downloaded"
    got=$(sha256sum "$file" | awk '{print $1}')
    [ "$got" = "$want" ] || die "$(basename "$file"): sha256 $got, expected $want"
    msg "sha256 ok: $(basename "$file")"
}
check_sha 'lwip_*.orig.tar.*' "$LWIP_ORIG_SHA256"
check_sha 'lwip_*.debian.tar.*' "$LWIP_DEBIAN_SHA256"

dsc=$(find "$work" -maxdepth 1 -name 'lwip_*.dsc' | head -n 1)
[ -n "$dsc" ] || die "no .dsc was downloaded"
msg "unpacking $(basename "$dsc")"
dpkg-source --skip-patches -x "$dsc" "$work/lwip" >"$work/dpkg.log" 2>&1 || {
    cat "$work/dpkg.log" >&2
    die "dpkg-source -x failed"
}
[ -f "$work/lwip/src/include/lwip/opt.h" ] || die "unpacked tree has no src/include/lwip/opt.h"

rm -rf "$tree"
mv "$work/lwip" "$tree"
echo "$stamp" >"$tree/.zt-ok"
msg "lwIP $LWIP_DEB_VERSION ready in $tree"
