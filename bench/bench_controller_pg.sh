#!/usr/bin/env bash
# bench_controller_pg.sh: the controller on PostgreSQL beside SQLite (issue 13; what is
# measured: bench/bench_controller_pg.c), against a throwaway PostgreSQL server that
# tests/pg/pg_temp.sh starts from Debian's packages (a Unix socket in a temporary directory,
# no TCP port, fsync off) and removes at the end.  Prints figures; no pass/fail.
#
#   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/release --target bench_controller_pg
#   bash bench/bench_controller_pg.sh [--build DIR]
#
# With ZT_TEST_PG set (a libpq connection string of a server of your own), the bench runs
# against that server instead, in a schema of its own that it drops at the end.
# Exit status: the bench's; 77 when no PostgreSQL server is installed (scripts/setup.sh
# installs it).  A run takes about a minute on 2 cores; the limit is 5 minutes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build/release

usage() {
    echo "usage: $0 [--build DIR]" >&2
    exit 2
}
while (($#)); do
    case $1 in
    --build) build=$(realpath "$2"); shift 2 ;;
    *) usage ;;
    esac
done

bench=$build/bench/bench_controller_pg
[[ -x $bench ]] || { echo "build bench_controller_pg in $build first" >&2; exit 1; }
# the machine's load when it starts: the figures are CPU-bound (docs/performance.md)
echo "bench_controller_pg.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# The tests' server runs with 16 MB of shared buffers; a controller's database would have at
# least PostgreSQL's default (128 MB): the 100,000 members' tables and indexes then fit.
export ZT_PG_TEMP_OPTS="${ZT_PG_TEMP_OPTS:--c shared_buffers=128MB}"
exec bash "$top/tests/pg/pg_temp.sh" --timeout 300 "$bench"
