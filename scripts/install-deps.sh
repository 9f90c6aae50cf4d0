#!/usr/bin/env bash
# Installs the Debian 12 packages embargo needs to build, test and run its
# demo, when they are missing. Safe to run again; needs root (or sudo).
set -euo pipefail

packages=(
  cmake g++ make pkg-config clang clang-format libclang-rt-14-dev
  libcurl4-openssl-dev libgpgme-dev librnp-dev libmimetic-dev libsqlitecpp-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libboost-program-options-dev catch2 libsystemd-dev
  nlohmann-json3-dev libssl-dev
  gnupg gpg-agent dovecot-imapd python3-aiosmtpd sqlite3 curl systemd time mutt
  dpkg-dev strace gdb groff-base man-db
  python3-cvelib
  debootstrap systemd-container
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The CVSS oracle test runs a calculator from the npm registry with node.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Installing dovecot must not start a system-wide Dovecot: tests run their own.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The forge tests (tests/scripts/github_contract_test.sh) serve GitHub's
# official OpenAPI description with Prism. Pinned versions in a fixed prefix
# (EMBARGO_TEST_NODE), reinstalled only when the pins change.
node_prefix="${EMBARGO_TEST_NODE:-/opt/embargo-test-node}"
node_pins="@stoplight/prism-cli@5.9.0 @octokit/openapi@23.0.2"
if [ "$(cat "$node_prefix/.embargo-pins" 2>/dev/null)" != "$node_pins" ] ||
  [ ! -x "$node_prefix/node_modules/.bin/prism" ]; then
  echo "install-deps: npm install $node_pins into $node_prefix"
  $SUDO mkdir -p "$node_prefix"
  # shellcheck disable=SC2086 # the pins are separate words
  $SUDO npm install --prefix "$node_prefix" --no-audit --no-fund --loglevel=error $node_pins
  echo "$node_pins" | $SUDO tee "$node_prefix/.embargo-pins" >/dev/null
else
  echo "install-deps: $node_pins present in $node_prefix"
fi
echo "install-deps: done"
