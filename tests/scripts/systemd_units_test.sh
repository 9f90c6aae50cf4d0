#!/usr/bin/env bash
# Checks the systemd units in systemd/: the offline security exposure score of
# embargod.service and embargod@.service must be at most 2.0, both must pass
# `systemd-analyze verify` (with ExecStart pointing at the built embargod and
# the man pages of Documentation= findable), the service properties the
# daemon relies on must be there, the sysusers.d/tmpfiles.d entries must
# create a private state directory, and the man pages must render without
# groff warnings. Skips (exit 77) without systemd-analyze.
set -euo pipefail

src_dir="${EMBARGO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
build_dir="${EMBARGO_BUILD_DIR:-$src_dir/build}"
max_exposure=2.0

if ! command -v systemd-analyze >/dev/null; then
    echo "SKIP: systemd-analyze not installed"
    exit 77
fi

tmp=$(mktemp -d /tmp/eb-units-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# 1. Exposure score, parsed from the text report ("Overall exposure level for
#    embargod.service: 1.2 OK"), and the --threshold exit code as a second opinion.
for unit in embargod.service embargod@.service; do
    report="$tmp/$unit.security"
    if ! systemd-analyze security --offline=true --no-pager "$src_dir/systemd/$unit" >"$report" 2>&1; then
        fail "$unit: systemd-analyze security failed: $(tail -3 "$report")"
        continue
    fi
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$report")
    if [ -z "$score" ]; then
        fail "$unit: no exposure score in the report: $(tail -3 "$report")"
        continue
    fi
    echo "$unit: exposure $score (limit $max_exposure)"
    if awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s > m) }'; then
        fail "$unit: exposure $score is above $max_exposure; what counts:"
        grep '✗' "$report" || true
    fi
    # --threshold is on a 0-100 scale.
    if ! systemd-analyze security --offline=true --no-pager --threshold=20 \
        "$src_dir/systemd/$unit" >/dev/null 2>&1; then
        fail "$unit: systemd-analyze security --threshold=20 failed"
    fi
done

# 2. verify: on copies whose ExecStart names the built binary (the unit says
#    /usr/sbin/embargod, which is not installed here), with MANPATH at our
#    man pages so that Documentation=man:... resolves.
binary=/bin/true
if [ -x "$build_dir/embargod" ]; then
    binary="$(cd "$build_dir" && pwd)/embargod"
fi
mkdir -p "$tmp/units" "$tmp/man/man5" "$tmp/man/man8"
for unit in embargod.service embargod@.service; do
    sed "s#^ExecStart=/usr/sbin/embargod #ExecStart=$binary #" "$src_dir/systemd/$unit" >"$tmp/units/$unit"
    grep -q "^ExecStart=$binary " "$tmp/units/$unit" || fail "$unit: no ExecStart=/usr/sbin/embargod line"
done
cp "$src_dir"/docs/man/*.5 "$tmp/man/man5/"
cp "$src_dir"/docs/man/*.8 "$tmp/man/man8/"
if ! out=$(MANPATH="$tmp/man" systemd-analyze verify --no-pager \
    "$tmp/units/embargod.service" "$tmp/units/embargod@test.service" 2>&1) || [ -n "$out" ]; then
    fail "systemd-analyze verify: $out"
else
    echo "systemd-analyze verify: clean"
fi

# 3. What the daemon and the operator's guide rely on, in both units.
for unit in embargod.service embargod@.service; do
    f="$src_dir/systemd/$unit"
    for line in 'Type=notify' 'WatchdogSec=5min' 'Restart=on-failure' 'User=embargo' \
        'StateDirectoryMode=0700' 'ConfigurationDirectory=embargo' 'UMask=0077' \
        'ExecReload=/bin/kill -HUP $MAINPID' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
        'MemoryDenyWriteExecute=yes' 'CapabilityBoundingSet=' \
        'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallArchitectures=native' \
        'SystemCallFilter=@system-service'; do
        grep -qxF "$line" "$f" || fail "$unit: missing '$line'"
    done
done
grep -qxF 'ExecStart=/usr/sbin/embargod --config /etc/embargo/embargo.conf' "$src_dir/systemd/embargod.service" ||
    fail "embargod.service: ExecStart is not the documented one"
grep -qxF 'StateDirectory=embargo' "$src_dir/systemd/embargod.service" || fail "embargod.service: StateDirectory"
grep -qxF 'ExecStart=/usr/sbin/embargod --config /etc/embargo/%i.conf' "$src_dir/systemd/embargod@.service" ||
    fail "embargod@.service: ExecStart is not per instance"
grep -qxF 'StateDirectory=embargo/%i' "$src_dir/systemd/embargod@.service" || fail "embargod@.service: StateDirectory"
for cred in imap smtp; do
    grep -qxF "LoadCredential=$cred.password:/etc/embargo/$cred.password" "$src_dir/systemd/embargod.service" ||
        fail "embargod.service: no $cred credential"
    grep -qxF "LoadCredential=$cred.password:/etc/embargo/%i.$cred.password" "$src_dir/systemd/embargod@.service" ||
        fail "embargod@.service: no per-instance $cred credential"
done
# The example configuration must name what the unit provides.
grep -Eq '^password_file = /etc/embargo/imap.password|^; `LoadCredential=imap.password' \
    "$src_dir/docs/embargo.conf.example" || fail "embargo.conf.example does not explain the credentials"

# 4. sysusers.d and tmpfiles.d, applied to an empty root as the package does.
root="$tmp/root"
mkdir -p "$root/etc" "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
cp "$src_dir/systemd/embargo.sysusers" "$root/usr/lib/sysusers.d/embargo.conf"
cp "$src_dir/systemd/embargo.tmpfiles" "$root/usr/lib/tmpfiles.d/embargo.conf"
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
    systemd-sysusers --root="$root" embargo.conf >/dev/null 2>&1 || fail "systemd-sysusers refused embargo.sysusers"
    systemd-tmpfiles --root="$root" --create embargo.conf 2>"$tmp/tmpfiles.err" ||
        fail "systemd-tmpfiles refused embargo.tmpfiles: $(cat "$tmp/tmpfiles.err")"
    uid=$(awk -F: '$1 == "embargo" { print $3 }' "$root/etc/passwd")
    [ -n "$uid" ] || fail "no embargo user created"
    home=$(awk -F: '$1 == "embargo" { print $6 }' "$root/etc/passwd")
    [ "$home" = /var/lib/embargo ] || fail "embargo's home is '$home'"
    for d in var/lib/embargo var/lib/embargo/gnupg; do
        got=$(stat -c '%a %u' "$root/$d" 2>/dev/null || echo missing)
        [ "$got" = "700 $uid" ] || fail "/$d: mode and owner '$got', want '700 $uid'"
    done
else
    echo "note: systemd-sysusers/systemd-tmpfiles missing, sysusers/tmpfiles not applied"
fi

# 5. Man pages: no groff warnings, and they render.
if command -v groff >/dev/null; then
    before=$failures
    for page in "$src_dir"/docs/man/*.[58]; do
        if ! warnings=$(groff -man -Tutf8 -ww "$page" 2>&1 >/dev/null) || [ -n "$warnings" ]; then
            fail "$(basename "$page"): groff: $warnings"
        fi
        lines=$(groff -man -Tutf8 "$page" 2>/dev/null | wc -l)
        [ "$lines" -gt 40 ] || fail "$(basename "$page") renders to only $lines lines"
    done
    [ "$failures" -ne "$before" ] || echo "man pages: rendered without warnings"
else
    echo "note: groff missing, man pages not checked"
fi

if [ "$failures" -ne 0 ]; then
    echo "systemd_units_test: $failures failure(s)"
    exit 1
fi
echo "systemd_units_test: all checks passed"
