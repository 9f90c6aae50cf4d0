#!/usr/bin/env bash
# The test command: installs what is missing, builds with AddressSanitizer
# and UndefinedBehaviorSanitizer, and runs every test (unit, integration
# against real Dovecot, aiosmtpd and gpg, script tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${EMBARGO_TEST_BUILD_DIR:-build/test-asan}
launcher=()
# ccache, when installed, makes rebuilds in several work trees cheap.
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DEMBARGO_SANITIZE=ON "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
