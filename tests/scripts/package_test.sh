#!/usr/bin/env bash
# Builds the Debian package with CPack and checks it: binaries (stripped,
# hardened, not sanitizer builds), systemd units, sysusers/tmpfiles entries,
# man pages, example configuration and guide inside; package name, section,
# dependencies (gnupg, gpg-agent and the shared libraries dpkg-shlibdeps
# found); no conffiles; maintainer scripts that create the service user and
# a private state directory (run against a scratch root). lintian, when
# installed, is run for information only.
#
# The build (scripts/lib/deb.sh, shared with nspawn_test.sh): $EMBARGO_BUILD_DIR
# is reused when it is a non-sanitizer build with CMAKE_INSTALL_PREFIX=/usr;
# otherwise a Release build with Debian's hardening flags is made in
# $EMBARGO_PACKAGE_BUILD_DIR or $EMBARGO_BUILD_DIR/deb-release (kept, so a
# second run is incremental), or in a temp dir without EMBARGO_BUILD_DIR. Skips (exit 77) without cpack,
# dpkg-deb or dpkg-shlibdeps (package dpkg-dev).
# No pipefail: `... | grep -q` checks would see the writer's SIGPIPE.
set -eu

src_dir="${EMBARGO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
test_build="${EMBARGO_BUILD_DIR:-}"

for tool in cmake cpack dpkg-deb dpkg-shlibdeps; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool not installed (dpkg-dev provides dpkg-shlibdeps)"
        exit 77
    fi
done

tmp=$(mktemp -d /tmp/eb-pkg-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
cache_value() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt" 2>/dev/null; }

. "$src_dir/scripts/lib/deb.sh"
if [ -n "${EMBARGO_PACKAGE_BUILD_DIR:-}" ]; then
    build=$EMBARGO_PACKAGE_BUILD_DIR
elif [ -n "$test_build" ]; then
    # Shared with nspawn_test.sh: the package is built once per build tree.
    build=$(deb_build_dir "$test_build")
else
    build=$tmp/build
fi
deb_build "$src_dir" "$build" "$tmp" || exit 1
deb=$DEB_FILE
arch=$(dpkg --print-architecture)

# cpack itself refuses a sanitizer build (cmake/package.cmake); belt and braces.
[ "$(cache_value "$build" EMBARGO_SANITIZE)" = OFF ] || fail "packaging a build with EMBARGO_SANITIZE on"
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# Control fields.
dpkg-deb -I "$deb" >"$tmp/info"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = embargo ] || fail "Package is '$(field Package)'"
[ "$(field Section)" = mail ] || fail "Section is '$(field Section)'"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is '$(field Architecture)'"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
field Description | grep -q 'vulnerability intake' || fail "Description: $(field Description)"
[ -z "$(field Description | awk 'length > 80')" ] || fail "Description has lines over 80 characters"
depends=$(field Depends)
echo "Depends: $depends"
# Whole package names: "gnupg" must not be satisfied by "gnupg-utils".
for dep in gnupg gpg-agent procps libc6 libstdc++6 libcurl4 libgpgme11 libsqlite3-0 libsystemd0 \
    libboost-program-options1.74.0 libmimetic0v5 librnp0; do
    echo "$depends" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx "$dep" ||
        fail "Depends lacks $dep"
done
echo "$depends" | grep -q 'libasan\|libubsan' && fail "Depends on a sanitizer runtime"

# Contents.
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's#^\./#/#' >"$tmp/contents"
for path in /usr/sbin/embargod /usr/sbin/embargoctl /usr/libexec/embargo/embargo-gpg-helper \
    /lib/systemd/system/embargod.service /lib/systemd/system/embargod@.service \
    /usr/lib/sysusers.d/embargo.conf /usr/lib/tmpfiles.d/embargo.conf \
    /etc/embargo/embargo.conf.example \
    /usr/share/man/man8/embargod.8.gz /usr/share/man/man8/embargoctl.8.gz \
    /usr/share/man/man5/embargo.conf.5.gz /usr/share/doc/embargo/operations.md; do
    grep -qx "$path" "$tmp/contents" || fail "$path missing from the package"
done
for path in /etc/embargo/embargo.conf /etc/embargo/imap.password /etc/embargo/smtp.password; do
    grep -qx "$path" "$tmp/contents" && fail "$path must not be shipped (it is the operator's)"
done
grep -q '^/usr/local' "$tmp/contents" && fail "files under /usr/local"
dpkg-deb -c "$deb" | awk '$6 ~ /(sbin\/embargo|libexec\/embargo\/)/ { print $1 }' |
    grep -v '^d' | grep -vqx -- '-rwxr-xr-x' &&
    fail "binaries not mode 0755"

# Control archive: maintainer scripts, no conffiles.
dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
    [ -x "$tmp/control/$script" ] || fail "$script missing or not executable"
    sh -n "$tmp/control/$script" || fail "$script: shell syntax"
done
if [ -s "$tmp/control/conffiles" ]; then
    fail "conffiles: $(cat "$tmp/control/conffiles")"
fi

# The files themselves.
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
for bin in embargod embargoctl; do
    f="$root/usr/sbin/$bin"
    "$f" --help >/dev/null 2>&1 || fail "$bin --help does not run"
    if command -v readelf >/dev/null; then
        readelf -S "$f" | grep -q '\.symtab' && fail "$bin is not stripped"
        readelf -h "$f" | grep -q 'Type: *DYN' || fail "$bin is not position-independent"
        readelf -d "$f" | grep -q 'BIND_NOW\|FLAGS.*NOW' || fail "$bin is linked without -z now"
        readelf -d "$f" | grep -q 'libasan\|libubsan' && fail "$bin links a sanitizer runtime"
    fi
    grep -q 'AddressSanitizer\|UndefinedBehaviorSanitizer' "$f" && fail "$bin is a sanitizer build"
done
unit="$root/lib/systemd/system/embargod.service"
grep -qx 'ExecStart=/usr/sbin/embargod --config /etc/embargo/embargo.conf' "$unit" ||
    fail "installed unit: ExecStart is $(grep ^ExecStart= "$unit")"
cmp -s "$unit" "$src_dir/systemd/embargod.service" || fail "installed embargod.service differs from systemd/"
cmp -s "$root/etc/embargo/embargo.conf.example" "$src_dir/docs/embargo.conf.example" ||
    fail "installed example config differs from docs/"
for page in man8/embargod.8 man8/embargoctl.8 man5/embargo.conf.5; do
    gz="$root/usr/share/man/$page.gz"
    gzip -t "$gz" 2>/dev/null || { fail "$page.gz is not gzip"; continue; }
    zcat "$gz" | cmp -s - "$src_dir/docs/man/$(basename "$page")" || fail "$page.gz differs from docs/man"
    if command -v groff >/dev/null; then
        warnings=$(zcat "$gz" | groff -man -Tutf8 -ww 2>&1 >/dev/null) || true
        [ -z "$warnings" ] || fail "$page: $warnings"
    fi
done

# postinst against the scratch root: the service user and the private state
# directory, as on a real install (systemd-sysusers/-tmpfiles with --root).
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
    mkdir -p "$root/etc"
    if DPKG_ROOT="$root" sh "$tmp/control/postinst" configure "" >"$tmp/postinst.log" 2>&1; then
        uid=$(awk -F: '$1 == "embargo" { print $3 }' "$root/etc/passwd" 2>/dev/null)
        [ -n "$uid" ] || fail "postinst created no embargo user"
        got=$(stat -c '%a %u' "$root/var/lib/embargo" 2>/dev/null || echo missing)
        [ "$got" = "700 $uid" ] || fail "postinst: /var/lib/embargo is '$got', want '700 $uid'"
        got=$(stat -c '%a %u' "$root/var/lib/embargo/gnupg" 2>/dev/null || echo missing)
        [ "$got" = "700 $uid" ] || fail "postinst: /var/lib/embargo/gnupg is '$got', want '700 $uid'"
    else
        fail "postinst configure: $(cat "$tmp/postinst.log")"
    fi
else
    echo "note: systemd-sysusers/systemd-tmpfiles missing, postinst not exercised"
fi

if command -v lintian >/dev/null; then
    echo "lintian (information only):"
    lintian --no-tag-display-limit "$deb" 2>&1 | sed 's/^/  /' || true
fi

if [ "$failures" -ne 0 ]; then
    echo "package_test: $failures failure(s)"
    exit 1
fi
echo "package_test: $(basename "$deb") checked"
