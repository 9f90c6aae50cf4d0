#!/usr/bin/env bash
# Times filing one new report (sketch, banded look-up, new case or join,
# indexing, commit) with 100, 10,000 and 100,000 existing cases in the
# database, and prints the figures side by side. Prints; asserts nothing.
#
# Usage: bench/dedup_bench.sh [BUILD_DIR] [--sizes 100,10000,100000] [--samples N] [--dir DIR]
# BUILD_DIR defaults to ./build; the databases go to a temp dir (or --dir)
# and need about 250 MB at 100,000 cases.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
if [[ $# -gt 0 && $1 != --* ]]; then
    build=$1
    shift
fi
if [[ ! -f $build/CMakeCache.txt ]]; then
    echo "dedup_bench.sh: $build is not a configured build directory; run cmake -S $src -B $build first" >&2
    exit 2
fi
if ! out=$(cmake --build "$build" -j2 --target dedup_bench 2>&1); then
    echo "$out" >&2
    exit 1
fi
exec "$build/tests/dedup_bench" "$@"
