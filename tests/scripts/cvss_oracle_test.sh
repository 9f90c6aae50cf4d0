#!/usr/bin/env bash
# Oracle test for CVSS scoring: every CVSS v3.0 / v3.1 / v4.0 base vector plus
# random vectors with optional metrics (CVSS_ORACLE_RANDOM per version,
# default 3000) are scored by our cvss_score program and by the independent
# ae-cvss-calculator npm package; any difference fails and is printed. Also
# checks that mutated invalid vectors are refused naming the offending metric.
# Skips (exit 77) when node/npm or the npm registry is unavailable.
#
#   --write-table   also rewrite tests/data/cvss/oracle_table.tsv (the fixed
#                   oracle answers the unit tests use without node)
#   CVSS_ORACLE_SEED=N  repeat a run; CVSS_ORACLE_QUICK=1  skip the exhaustive
#                   base vectors (about 110,000)
set -euo pipefail

src_dir="${EMBARGO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
build_dir="${EMBARGO_BUILD_DIR:-$src_dir/build}"
bin="$build_dir/tests/cvss_score"

write_table=0
for arg in "$@"; do
    case "$arg" in
        --write-table) write_table=1 ;;
        *) echo "usage: $0 [--write-table]" >&2; exit 2 ;;
    esac
done

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "SKIP: node/npm not installed"
    exit 77
fi
if [[ ! -x "$bin" ]]; then
    echo "FAIL: $bin not built; build the target cvss_score first" >&2
    exit 1
fi

# The oracle is installed into the build directory (not the source tree), so
# that several build directories can run this test at the same time.
oracle_dir="$build_dir/cvss-oracle"
mkdir -p "$oracle_dir"
cp "$src_dir/tests/oracle/package.json" "$oracle_dir/package.json"
if [[ ! -f "$oracle_dir/node_modules/ae-cvss-calculator/package.json" ]] ||
    ! cmp -s "$src_dir/tests/oracle/package.json" "$oracle_dir/.installed-package.json"; then
    if ! (cd "$oracle_dir" && timeout 300 npm install --no-audit --no-fund --no-package-lock \
        --loglevel=error >npm-install.log 2>&1); then
        echo "SKIP: npm install of the CVSS oracle failed (registry unreachable?):"
        tail -5 "$oracle_dir/npm-install.log" || true
        exit 77
    fi
    cp "$src_dir/tests/oracle/package.json" "$oracle_dir/.installed-package.json"
fi

args=(--bin "$bin" --modules "$oracle_dir" --random "${CVSS_ORACLE_RANDOM:-3000}")
[[ -n "${CVSS_ORACLE_SEED:-}" ]] && args+=(--seed "$CVSS_ORACLE_SEED")
[[ -n "${CVSS_ORACLE_QUICK:-}" ]] && args+=(--no-exhaustive)
if [[ $write_table == 1 ]]; then
    # A fixed seed keeps the table reproducible.
    args+=(--write-table "$src_dir/tests/data/cvss/oracle_table.tsv")
    [[ -z "${CVSS_ORACLE_SEED:-}" ]] && args+=(--seed 20260101)
fi
exec node "$src_dir/tests/oracle/cvss_oracle.js" "${args[@]}"
