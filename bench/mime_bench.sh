#!/usr/bin/env bash
# Throughput of the MIME parser (embargo_mime) and of the threading text
# helpers on the hostile inputs of tests/unit/mime_hostile_test.cpp,
# mime_decode_test.cpp and core_rules_test.cpp, and on the sample messages in
# tests/data/mime: median time per run, MB/s, messages/s. Prints; asserts
# nothing (the tests check what the parser makes of these inputs, this says
# how fast).
#
# Usage: bench/mime_bench.sh [BUILD_DIR] [--min-seconds S] [--only SUBSTRING]
# BUILD_DIR defaults to build/mime-bench, configured as a Release build when
# it is not configured yet; figures from a Debug or sanitizer build are
# marked as not representative.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build/mime-bench
if [[ $# -gt 0 && $1 != --* ]]; then
    build=$1
    shift
fi
if [[ ! -f $build/CMakeCache.txt ]]; then
    if [[ $build != "$src/build/mime-bench" ]]; then
        echo "mime_bench.sh: $build is not a configured build directory; run cmake -S $src -B $build first" >&2
        exit 2
    fi
    if ! out=$(cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release 2>&1); then
        echo "$out" >&2
        exit 1
    fi
fi
if ! out=$(cmake --build "$build" -j2 --target mime_bench 2>&1); then
    echo "$out" >&2
    exit 1
fi
exec "$build/tests/mime_bench" "$@"
