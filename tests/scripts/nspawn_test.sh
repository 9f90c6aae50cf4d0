#!/usr/bin/env bash
# The packaged service under a real systemd (issue 15): installs the .deb
# that CPack builds (scripts/lib/deb.sh, shared with package_test.sh) into a
# Debian 12 root booted with systemd-nspawn (scripts/lib/nspawn.sh; the root
# is cached in $EMBARGO_BUILD_DIR/nspawn-root, each run boots an overlay of
# it), with Dovecot and the SMTP sink on the host's loopback, a generated
# team key, and the IMAP/SMTP passwords handed over by LoadCredential=.
# Then, through systemctl and journalctl inside:
#   1. the service is active only after READY=1 (PID 1's own debug log),
#   2. STATUS= shows the last poll,
#   3. an encrypted report mailed in is filed and acknowledged,
#   4. the journal has the poll lines and no password or report text,
#   5. `systemctl reload` (SIGHUP) applies a team change,
#   6. a hung daemon (SIGSTOP) is killed by the watchdog and restarted, and
#      the report that arrived meanwhile is filed: nothing lost,
#   7. a configuration error fails the start (status 2) without a restart loop,
#   8. embargod@a and embargod@b run side by side with separate state,
#   9. `systemd-analyze security` on the installed units scores <= 2.0,
#  10. the container powers off and nothing is left behind (no mount, no
#      process, the cached root unchanged).
# The drop-in /etc/systemd/system/embargod.service.d/test.conf shortens
# WatchdogSec (5 min in the unit) and RestartSec so that check 6 takes
# seconds; everything else is the unit as shipped.
#
# Skips (exit 77, with the reason) when not root or without systemd-nspawn,
# debootstrap, nsenter, dpkg-dev or overlayfs: scripts/install-deps.sh
# installs them. The first run debootstraps (a few minutes, needs the Debian
# mirror); later runs take about a minute.
set -eu

src_dir="${EMBARGO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"

skip() {
    echo "SKIP: $* -- the packaged service was NOT tested under systemd"
    exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn, overlay mounts)"
for tool in systemd-nspawn debootstrap nsenter flock cmake cpack dpkg-deb dpkg-shlibdeps; do
    command -v "$tool" >/dev/null || skip "$tool not installed (scripts/install-deps.sh installs it)"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || skip "the kernel has no overlayfs"

build_dir="${EMBARGO_BUILD_DIR:-$src_dir/build}"
build_dir=$(mkdir -p "$build_dir" && cd "$build_dir" && pwd)

. "$src_dir/scripts/lib/common.sh"
. "$src_dir/scripts/lib/dovecot.sh"
. "$src_dir/scripts/lib/sink.sh"
. "$src_dir/scripts/lib/gpg.sh"
. "$src_dir/scripts/lib/config.sh"
. "$src_dir/scripts/lib/mail.sh"
. "$src_dir/scripts/lib/deb.sh"
. "$src_dir/scripts/lib/nspawn.sh"

started=$(eb_now)
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
ok() { echo "ok: $*"; }

eb_workdir nsp
W=$EB_WORK
cache=$build_dir/nspawn-root

# --- the package and the root --------------------------------------------------
deb_dir=$(deb_build_dir "$build_dir")
deb_build "$src_dir" "$deb_dir" "$W/deb" || exit 1
echo "package: $(basename "$DEB_FILE") from $deb_dir"
# The package's dependencies, first alternative of each, without versions.
mapfile -t deps < <(dpkg-deb -f "$DEB_FILE" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep .)
nspawn_root "$cache" "${deps[@]}" || exit 1
cache_stamp=$(cat "$cache/.embargo-stamp")

# --- servers on the host's loopback, keys ----------------------------------------
dovecot_start "$W/imap"
smtp_password="smtp-$RANDOM$RANDOM-secret"
SINK_ARGS=(--auth-user secalert --auth-password "$smtp_password")
sink_start "$W/smtp"
TEAM=$W/team-gpg PEOPLE=$W/people-gpg
gpg_home "$TEAM"
gpg_home "$PEOPLE"
team_fpr=$(gpg_gen_key "$TEAM" "Example Security Team <secalert@example.org>")
gpg_copy_public "$TEAM" "$PEOPLE" "$team_fpr"
declare -A fpr
for who in Alice Bob Rita; do
    email=${who,,}@example.org
    fpr[$email]=$(gpg_gen_key "$PEOPLE" "$who Example <$email>")
    [ "$who" = Rita ] || gpg_copy_public "$PEOPLE" "$TEAM" "${fpr[$email]}"
done
GNUPGHOME=$TEAM gpgconf --kill gpg-agent
echo "Dovecot on 127.0.0.1:$DOVECOT_PORT, SMTP sink on 127.0.0.1:$SINK_PORT (AUTH), work dir $W"

# --- install the package into an overlay of the root -----------------------------
nspawn__mount "$cache" "$W"
R=$NSPAWN_ROOT
cp "$DEB_FILE" "$R/var/tmp/embargo.deb" # nspawn mounts a tmpfs on /tmp
if ! nspawn_prepare_exec dpkg -i /var/tmp/embargo.deb >"$W/dpkg.log" 2>&1; then
    cat "$W/dpkg.log"
    echo "FAIL: dpkg -i $(basename "$DEB_FILE") in the container"
    exit 1
fi
rm -f "$R/var/tmp/embargo.deb"
ok "dpkg -i $(basename "$DEB_FILE") in the container"
uid=$(awk -F: '$1 == "embargo" { print $3 }' "$R/etc/passwd")
gid=$(awk -F: '$1 == "embargo" { print $4 }' "$R/etc/passwd")
[ -n "$uid" ] || { echo "FAIL: the package created no embargo user"; exit 1; }

# An installation as docs/operations.md describes it, one per instance NAME
# ("" for embargod.service): config, password files owned by embargo, the
# team's keyring in the state directory.
# install_instance IMAP-USER STATE-DIR CONFIG PASSWORD-PREFIX
install_instance() {
    local user=$1 state=$2 conf=$3 prefix=$4 home
    home=$state/gnupg
    mkdir -p "$R$home"
    cp -a "$TEAM/." "$R$home/"
    find "$R$home" -name 'S.*' -delete
    chown -R "$uid:$gid" "$R$state"
    chmod 700 "$R$state" "$R$home"
    printf '%s' "$DOVECOT_PASSWORD" >"$R/etc/embargo/${prefix}imap.password"
    printf '%s' "$smtp_password" >"$R/etc/embargo/${prefix}smtp.password"
    chown "$uid:$gid" "$R/etc/embargo/${prefix}imap.password" "$R/etc/embargo/${prefix}smtp.password"
    chmod 600 "$R/etc/embargo/${prefix}imap.password" "$R/etc/embargo/${prefix}smtp.password"
    write_config "$conf" "$user" "$state" "${EB_MEMBERS[@]}"
}
# write_config FILE IMAP-USER STATE-DIR MEMBER...
write_config() {
    local conf=$1 user=$2 state=$3
    shift 3
    EB_MEMBERS=("$@") EB_AWAY=() EB_POLL=2 EB_DIGEST=
    EB_GNUPGHOME=$state/gnupg EB_TEAM_FPR=$team_fpr EB_DB=$state/embargo.db
    DOVECOT_USER=$user DOVECOT_PASSWORD_FILE=imap.password embargo_config "$R$conf.new"
    sed -i 's/^\(from = .*\)$/\1\nusername = secalert\npassword_file = smtp.password/' "$R$conf.new"
    chown "$uid:$gid" "$R$conf.new"
    chmod 600 "$R$conf.new"
    mv "$R$conf.new" "$R$conf"
}
alice="Alice Example <alice@example.org> ${fpr[alice@example.org]}"
bob="Bob Example <bob@example.org> ${fpr[bob@example.org]}"
EB_MEMBERS=("$alice")
install_instance secalert /var/lib/embargo /etc/embargo/embargo.conf ""
install_instance team-a /var/lib/embargo/a /etc/embargo/a.conf a.
install_instance team-b /var/lib/embargo/b /etc/embargo/b.conf b.
for user in team-a team-b; do
    mkdir -p "$W/imap/mail/$user/Maildir"/{tmp,new,cur}
    [ -z "$DOVECOT_OWNER" ] || chown -R "$DOVECOT_OWNER" "$W/imap/mail/$user"
done
mkdir -p "$R/etc/systemd/system/embargod.service.d"
cat >"$R/etc/systemd/system/embargod.service.d/test.conf" <<'EOF'
# nspawn_test.sh: the watchdog check must not take the unit's 5 minutes.
[Service]
WatchdogSec=6s
RestartSec=1s
EOF

# --- boot ------------------------------------------------------------------------
nspawn_boot "$cache" "$W"
ok "container booted ($(ct systemctl is-system-running 2>/dev/null || true)) in $(eb_elapsed "$started") s since the start"
ct systemctl --failed --no-legend --plain | sed 's/^/  failed unit (not ours): /' || true

ctl() { ct runuser -u embargo -- embargoctl -c "${CTL_CONF:-/etc/embargo/embargo.conf}" "$@"; }
prop() { ct systemctl show -p "$2" --value "$1"; }
# wait_for SECONDS COMMAND...: true once COMMAND succeeds.
wait_for() {
    local tries=$(($1 * 5))
    shift
    while ((tries-- > 0)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}
journal_has() { ct journalctl --no-pager -o cat -u "$1" | grep -qF -- "$2"; }
# deliver FILE [IMAP-USER]: into that user's INBOX on the host's Dovecot.
deliver() {
    local user=${2:-secalert}
    DOVECOT_USER=$user DOVECOT_MAILDIR=$W/imap/mail/$user/Maildir dovecot_deliver "$1"
}
case_count() { ctl cases --all --json | /usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
# lead_of REPORTER: the lead of the case whose reporters include REPORTER.
lead_of() {
    ctl cases --all --json | /usr/bin/python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if sys.argv[1] in c["reporters"]:
        print(c.get("lead") or "")
        break' "$1"
}
has_case_of() { [ -n "$(ctl cases --all --json | grep -F "$1")" ]; }

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
secret_subject="Embargoed: remote code execution in frobnicate-$RANDOM"
secret_body="The secret reproducer is xyzzy-$RANDOM$RANDOM; please keep it private."
mail_encrypted_report "$W/r1.eml" "$PEOPLE" "${fpr[rita@example.org]}" "$team_fpr" \
    "Rita Example <rita@example.org>" "$secret_subject" "rita-1@example.org" "$now" "$secret_body"
deliver "$W/r1.eml"

# 1. active only after READY=1: PID 1 logs at debug level every notification
#    and state change; the start -> running change must follow READY=1.
[ "$(prop embargod.service Type)" = notify ] || fail "embargod.service: Type is $(prop embargod.service Type)"
ct systemd-analyze set-log-level debug
if ! ct systemctl start embargod.service; then
    fail "systemctl start embargod.service failed"
    ct systemctl status --no-pager embargod.service || true
    ct journalctl --no-pager -o cat -u embargod.service | tail -30
fi
ct systemd-analyze set-log-level info
ct journalctl --no-pager -o cat -u embargod.service >"$W/start.journal"
ready_line=$(grep -n 'Got notification message from PID .*READY=1' "$W/start.journal" | head -1 | cut -d: -f1)
running_line=$(grep -n 'Changed start -> running' "$W/start.journal" | head -1 | cut -d: -f1)
if [ -z "$ready_line" ] || [ -z "$running_line" ]; then
    fail "1. no READY=1 notification ($ready_line) or start -> running change ($running_line) in PID 1's log"
    grep -i 'notification\|changed' "$W/start.journal" | head -10
elif [ "$running_line" -lt "$ready_line" ]; then
    fail "1. the service was running (line $running_line) before READY=1 (line $ready_line)"
else
    ok "1. activating until READY=1, running after it (PID 1's log lines $ready_line, $running_line)"
fi
[ "$(prop embargod.service ActiveState)/$(prop embargod.service SubState)" = active/running ] ||
    fail "1. embargod.service is $(prop embargod.service ActiveState)/$(prop embargod.service SubState)"

# 2. STATUS= after the first poll.
status_ok() { prop embargod.service StatusText | grep -q '^last poll ok: [0-9]* processed'; }
if wait_for 60 status_ok; then
    ok "2. STATUS=$(prop embargod.service StatusText)"
else
    fail "2. StatusText is '$(prop embargod.service StatusText)', want 'last poll ok: N processed...'"
fi

# 3. filed and acknowledged (the ack goes to the reporter, the new case to the lead).
if wait_for 60 has_case_of rita@example.org && wait_for 60 sink_find ack rita@example.org; then
    ok "3. the encrypted report is filed (lead $(lead_of rita@example.org)) and acknowledged to rita@example.org"
else
    fail "3. no case or no ack for rita's report; cases: $(ctl cases --all 2>&1 | head -5)"
fi
[ "$(lead_of rita@example.org)" = alice@example.org ] || fail "3. lead is '$(lead_of rita@example.org)', want alice@example.org"
wait_for 30 sink_find new-case alice@example.org || fail "3. no new-case notification to alice@example.org"
# The notices were signed and encrypted by the packaged helper, as the service user.
if ct pgrep -u embargo -f '^/usr/libexec/embargo/embargo-gpg-helper --gpg-helper ' >/dev/null; then
    ok "3. embargo-gpg-helper runs as user embargo"
else
    fail "3. no /usr/libexec/embargo/embargo-gpg-helper process of user embargo: $(ct ps -eo user,args 2>&1 | grep -i embargo)"
fi

# 4. the journal: poll lines, no secrets, no report text (all units, all of PID 1).
before=$failures
ct journalctl --no-pager -o cat -b >"$W/all.journal"
grep -q 'mailbox INBOX uid 1: opened' "$W/all.journal" || fail "4. no poll line 'mailbox INBOX uid 1: opened' in the journal"
for secret in "$DOVECOT_PASSWORD" "$smtp_password" "$secret_subject" "${secret_body%%;*}" xyzzy; do
    if grep -qF -- "$secret" "$W/all.journal"; then
        fail "4. the journal holds '$secret'"
        grep -nF -- "$secret" "$W/all.journal" | head -3
    fi
done
[ "$failures" -ne "$before" ] || ok "4. journal: poll lines, no password, subject or report text"

# 5. reload: the team becomes Bob alone; the next report's lead is Bob.
pid_before=$(prop embargod.service MainPID)
EB_MEMBERS=("$bob")
write_config /etc/embargo/embargo.conf secalert /var/lib/embargo "$bob"
ct systemctl reload embargod.service || fail "5. systemctl reload failed"
wait_for 30 journal_has embargod.service "configuration reloaded from /etc/embargo/embargo.conf" ||
    fail "5. no 'configuration reloaded' line in the journal"
mail_plain "$W/r2.eml" "Eve Reporter <eve@example.net>" "Crash in the config parser" "eve-1@example.net" "$now" \
    "A long key crashes the parser."
deliver "$W/r2.eml"
if wait_for 60 has_case_of eve@example.net; then
    lead=$(lead_of eve@example.net)
    [ "$lead" = bob@example.org ] && ok "5. after reload the new case's lead is bob@example.org (same PID $pid_before)" ||
        fail "5. after reload the new case's lead is '$lead', want bob@example.org"
else
    fail "5. eve's report was not filed after the reload"
fi
[ "$(prop embargod.service MainPID)" = "$pid_before" ] || fail "5. reload restarted the daemon"

# 6. watchdog: SIGSTOP, a report arrives, the watchdog kills, systemd restarts,
#    the report is filed.
restarts=$(prop embargod.service NRestarts)
pid=$(prop embargod.service MainPID)
cases_before=$(case_count)
ct systemctl kill --kill-who=main --signal=SIGSTOP embargod.service
mail_plain "$W/r3.eml" "Mallory Tester <mallory@example.net>" "XSS in the admin page" "mallory-1@example.net" "$now" \
    "The admin page echoes the name parameter."
deliver "$W/r3.eml"
restarted() { [ "$(prop embargod.service NRestarts)" -gt "$restarts" ] && [ "$(prop embargod.service ActiveState)" = active ]; }
if wait_for 100 restarted; then
    ok "6. watchdog fired: PID $pid -> $(prop embargod.service MainPID), NRestarts $restarts -> $(prop embargod.service NRestarts)"
else
    fail "6. no restart within 100 s of SIGSTOP (state $(prop embargod.service ActiveState), NRestarts $(prop embargod.service NRestarts))"
    ct systemctl kill --kill-who=main --signal=SIGCONT embargod.service || true
fi
journal_has embargod.service "Watchdog timeout" || fail "6. no 'Watchdog timeout' in the journal"
if wait_for 60 has_case_of mallory@example.net && wait_for 30 sink_find ack mallory@example.net; then
    ok "6. the report that arrived while it hung is filed and acknowledged; $(case_count) cases (were $cases_before)"
else
    fail "6. mallory's report was lost after the watchdog restart"
fi
[ "$(case_count)" -eq $((cases_before + 1)) ] || fail "6. $(case_count) cases after the restart, want $((cases_before + 1))"

# 7. configuration error: exit status 2, failed, no restart loop.
cp "$R/etc/embargo/embargo.conf" "$W/good.conf"
sed -i 's/^poll_interval = .*/poll_interval = sometimes/' "$R/etc/embargo/embargo.conf"
if ct systemctl restart embargod.service 2>/dev/null; then
    fail "7. systemctl restart with a broken configuration succeeded"
fi
# A manual restart resets NRestarts: count from here.
restarts=$(prop embargod.service NRestarts)
sleep 4 # RestartSec=1s: a restart loop would have shown by now
state=$(prop embargod.service ActiveState) status=$(prop embargod.service ExecMainStatus)
if [ "$state" = failed ] && [ "$status" = 2 ] && [ "$(prop embargod.service NRestarts)" = "$restarts" ]; then
    ok "7. config error: failed with status 2, no restart"
else
    fail "7. config error: state $state, status $status, NRestarts $restarts -> $(prop embargod.service NRestarts)"
fi
if line=$(ct journalctl --no-pager -o cat -u embargod.service | grep -m1 -E '^/etc/embargo/embargo.conf:[0-9]+: [a-z_.]*poll_interval: '); then
    ok "7. the journal says: $line"
else
    fail "7. the journal does not name FILE:LINE: key for the bad poll_interval"
fi
cp "$W/good.conf" "$R/etc/embargo/embargo.conf"
ct systemctl reset-failed embargod.service
ct systemctl start embargod.service || fail "7. start with the configuration repaired failed"

# 8. the template unit: two instances, each its own mailbox, database and keys.
ct systemctl start embargod@a.service embargod@b.service || fail "8. systemctl start embargod@a embargod@b failed"
mail_plain "$W/a1.eml" "Ann Reporter <ann@example.net>" "Bug for team a" "ann-1@example.net" "$now" "for a"
deliver "$W/a1.eml" team-a
mail_plain "$W/b1.eml" "Ben Reporter <ben@example.net>" "Bug for team b" "ben-1@example.net" "$now" "for b"
deliver "$W/b1.eml" team-b
CTL_CONF=/etc/embargo/a.conf wait_for 60 has_case_of ann@example.net || fail "8. instance a did not file ann's report"
CTL_CONF=/etc/embargo/b.conf wait_for 60 has_case_of ben@example.net || fail "8. instance b did not file ben's report"
a_cases=$(CTL_CONF=/etc/embargo/a.conf ctl cases --all --json)
b_cases=$(CTL_CONF=/etc/embargo/b.conf ctl cases --all --json)
if echo "$a_cases" | grep -q ben@ || echo "$b_cases" | grep -q ann@ || echo "$a_cases$b_cases" | grep -q 'rita@\|eve@'; then
    fail "8. the instances share cases"
fi
pa=$(prop embargod@a.service MainPID) pb=$(prop embargod@b.service MainPID)
if [ "$(prop embargod@a.service ActiveState)$(prop embargod@b.service ActiveState)" = activeactive ] &&
    [ "$pa" != "$pb" ] && [ -s "$R/var/lib/embargo/a/embargo.db" ] && [ -s "$R/var/lib/embargo/b/embargo.db" ]; then
    ok "8. embargod@a (PID $pa) and embargod@b (PID $pb) run side by side, one case each in /var/lib/embargo/{a,b}"
else
    fail "8. instances: a $(prop embargod@a.service ActiveState) PID $pa, b $(prop embargod@b.service ActiveState) PID $pb"
fi
wait_for 30 sink_find ack ann@example.net || fail "8. no ack to ann@example.net"
wait_for 30 sink_find ack ben@example.net || fail "8. no ack to ben@example.net"

# 9. the installed units' exposure, as systemd sees them running.
for unit in embargod.service embargod@a.service; do
    score=$(ct systemd-analyze security --no-pager "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [ -z "$score" ]; then
        fail "9. no exposure score for $unit"
    elif awk -v s="$score" 'BEGIN { exit !(s > 2.0) }'; then
        fail "9. $unit: exposure $score is above 2.0"
        ct systemd-analyze security --no-pager "$unit" | grep '✗' || true
    else
        ok "9. $unit: exposure $score (limit 2.0)"
    fi
done

# 10. power off; nothing left: no container process, no mount, cache unchanged.
before=$failures
nspawn_poweroff
for p in /proc/[0-9]*; do
    case "$(readlink "$p/root" 2>/dev/null)" in
        "$R" | "$R"/*) fail "10. process ${p#/proc/} still runs in the container: $(tr '\0' ' ' <"$p/cmdline")" ;;
    esac
done
grep -qF "$W" /proc/mounts && fail "10. mounts left: $(grep -F "$W" /proc/mounts)"
[ "$(cat "$cache/.embargo-stamp")" = "$cache_stamp" ] || fail "10. the cached root's stamp changed"
[ ! -e "$cache/usr/sbin/embargod" ] && [ ! -e "$cache/etc/embargo/embargo.conf" ] ||
    fail "10. the cached root was changed (embargo installed in it)"
[ "$failures" -ne "$before" ] || ok "10. container powered off; no process, no mount left; the cached root is unchanged"

if [ "$failures" -ne 0 ]; then
    echo "nspawn_test: $failures failure(s); console: $W/console.log (EB_KEEP=1 keeps it)"
    exit 1
fi
echo "nspawn_test: the packaged service works under systemd ($(eb_elapsed "$started") s)"
