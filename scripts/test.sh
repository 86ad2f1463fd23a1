#!/usr/bin/env bash
# The test command: sets the machine up (scripts/setup.sh), builds the sanitizer flavour
# (ASan + UBSan) and runs every test with ctest, runs the socket tests under ThreadSanitizer,
# builds the release flavour and runs the demo (the main job) on it, then checks that the
# libFuzzer flavour builds too.  Exit status 0 only if everything passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n=== %s\n' "$*"; }

step "setup"
scripts/setup.sh

step "build: asan-ubsan (the tested flavour)"
cmake -S . -B build/asan -DZT_SANITIZE=ON -DZT_BUILD_LWIP=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/asan -j"$jobs"

step "tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build/asan && ctest --output-on-failure -j"$jobs" --timeout 600)

step "ThreadSanitizer: the socket layers' tests (threads against lwIP's core lock) and the modern API's control (its service, delivery and caller threads)"
cmake -S . -B build/tsan -DZT_TSAN=ON -DZT_BUILD_LWIP=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/tsan -j"$jobs" --target test_sock test_msock test_msock_tcp test_modern_control
for t in tests/test_sock tests/modern/test_msock tests/modern/test_msock_tcp \
         tests/test_modern_control; do
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp" \
        "build/tsan/$t"
done

step "build: release (-O2)"
cmake -S . -B build/release -DZT_BUILD_LWIP=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs"

step "the main job: scripts/demo.sh on the release build (it exits non-zero on any failure)"
demo_dir=$(mktemp -d "${TMPDIR:-/tmp}/zt-demo.XXXXXX")
ZT_DEMO_DIR=$demo_dir timeout 600 bash scripts/demo.sh >"$demo_dir.log" 2>&1 ||
    { cat "$demo_dir.log"; echo "demo failed"; exit 1; }
tail -n 8 "$demo_dir.log"
rm -rf "$demo_dir" "$demo_dir.log"

step "build: libFuzzer targets (clang)"
CC=clang CXX=clang++ cmake -S . -B build/fuzz -DZT_FUZZ=ON -DZT_BUILD_LWIP=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/fuzz -j"$jobs"

step "all tests passed"
