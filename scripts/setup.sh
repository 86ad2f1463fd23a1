#!/usr/bin/env bash
# Installs what the build needs on a Debian machine (as root, or with sudo) and fetches lwIP's
# source.  Idempotent: does nothing that is already done.  Called by scripts/test.sh and
# scripts/demo.sh; safe to run by hand.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

packages=(build-essential cmake pkg-config clang libclang-rt-dev dpkg-dev
          libsodium-dev libssl-dev liblz4-dev libjansson-dev libcmocka-dev libsqlite3-dev
          libmicrohttpd-dev libcurl4-openssl-dev curl python3 xxd iproute2
          libminiupnpc-dev libnatpmp-dev
          postgresql libpq-dev
          redis-server redis-tools nftables)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$here/fetch-lwip.sh" "$root/build/_deps"
