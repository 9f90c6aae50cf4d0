# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# Shared parts of the benchmarks (bench/*.sh): building embargod, a private
# installation (Dovecot, SMTP sink, team and member keys, config), generated
# reports, and measuring a command's wall time, CPU time and peak RSS.
# Needs common.sh, dovecot.sh, sink.sh, gpg.sh and config.sh.

# bench_build: a Release build in EMBARGO_BUILD_DIR (default build/bench);
# sets EMBARGOD and EMBARGOCTL.
bench_build() {
  local build=${EMBARGO_BUILD_DIR:-build/bench}
  mkdir -p "$build"
  cmake -S "$EB_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEMBARGO_TESTS=OFF \
    >"$build/bench-configure.log" 2>&1 ||
    { eb_tail "$build/bench-configure.log" 40; eb_die "cmake configure failed"; }
  cmake --build "$build" -j"$(nproc)" --target embargod embargoctl >"$build/bench-build.log" 2>&1 ||
    { eb_tail "$build/bench-build.log" 40; eb_die "build failed"; }
  EMBARGOD=$(cd "$build" && pwd)/embargod
  EMBARGOCTL=$(cd "$build" && pwd)/embargoctl
}

# GNU time for peak RSS (the shell keyword cannot report it).
bench_need_time() {
  [ -x /usr/bin/time ] && return 0
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing the 'time' package (GNU time, for peak RSS)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq time >/dev/null ||
    eb_die "could not install the 'time' package"
}

# bench_setup TAG: work dir, Dovecot, SMTP sink, team key and three members,
# config (digest off) in $BENCH_CONF. Sets W, TEAM, PEOPLE, TEAM_FPR.
bench_setup() {
  eb_workdir "$1"
  W=$EB_WORK
  dovecot_start "$W/imap"
  sink_start "$W/smtp"
  TEAM=$W/team-gpg PEOPLE=$W/people-gpg
  gpg_home "$TEAM"
  gpg_home "$PEOPLE"
  TEAM_FPR=$(gpg_gen_key "$TEAM" "Example Security Team <secalert@example.org>")
  gpg_copy_public "$TEAM" "$PEOPLE" "$TEAM_FPR"
  EB_MEMBERS=()
  local who email f
  for who in Alice Bob Carol; do
    email=${who,,}@example.org
    f=$(gpg_gen_key "$PEOPLE" "$who Example <$email>")
    gpg_copy_public "$PEOPLE" "$TEAM" "$f"
    EB_MEMBERS+=("$who Example <$email> $f")
  done
  EB_AWAY=()
  EB_GNUPGHOME=$TEAM EB_TEAM_FPR=$TEAM_FPR EB_DB=$W/embargo.db EB_DIGEST=
  BENCH_CONF=$W/embargo.conf
  embargo_config "$BENCH_CONF"
  # The benchmark clock: reports arrive in the hour before BENCH_NOW.
  BENCH_NOW=$(date -u -d "@$(($(date +%s) / 60 * 60 + 60))" +%Y-%m-%dT%H:%M:%SZ)
}

# bench_generate KIND DIR N FIRST: N distinct reports numbered from FIRST into
# DIR, INTERNALDATEs (mtimes) spread over the hour before BENCH_NOW.
# KIND plain: text/plain. KIND pgp: PGP/MIME (RFC 3156), signed and encrypted
# to the team key by a reporter key made in PEOPLE, real subject protected;
# the armored block is also saved as NAME.asc in DIR/asc for a gpg baseline.
# The texts are random pseudo-words: no two are near-duplicates.
bench_generate() {
  local kind=$1 dir=$2 n=$3 first=$4 signer=
  mkdir -p "$dir"
  if [ "$kind" = pgp ]; then
    mkdir -p "$dir/asc"
    signer=$(gpg_gen_key "$PEOPLE" "Bench Reporter <bench-reporter@example.net>")
  fi
  GNUPGHOME=$PEOPLE /usr/bin/python3 - "$kind" "$dir" "$n" "$first" "$BENCH_NOW" "$TEAM_FPR" "$signer" <<'PY' ||
import calendar, os, random, subprocess, sys, time
kind, d, n, first, now, team, signer = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
t_now = calendar.timegm(time.strptime(now, "%Y-%m-%dT%H:%M:%SZ"))
rng = random.Random(first * 7919 + n)
syll = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "do", "gu", "fi", "be", "xo", "ha"]
def word():
    return "".join(rng.choice(syll) for _ in range(rng.randint(2, 4)))
def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")
for i in range(first, first + n):
    subject = "Issue %d: %s %s in %s" % (i, word(), word(), word())
    lines = [" ".join(word() for _ in range(12)) for _ in range(rng.randint(8, 20))]
    text = "Hello,\n\n" + "\n".join(lines) + "\n\nReporter %d\n" % i
    when = t_now - 3600 + (i * 3600) // (first + n + 1)
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(when))
    head = ("From: Reporter %d <reporter%d@example.net>\nTo: secalert@example.org\n"
            "Date: %s\nMessage-ID: <bench-%s-%d@example.net>\nMIME-Version: 1.0\n") % (i, i, date, kind, i)
    if kind == "plain":
        msg = head + "Subject: %s\nContent-Type: text/plain; charset=utf-8\n\n%s" % (subject, text)
    else:
        inner = crlf('Content-Type: text/plain; charset=utf-8; protected-headers="v1"\n'
                     "Subject: %s\n\n%s" % (subject, text))
        armored = subprocess.run(
            ["gpg", "--batch", "--no-tty", "--quiet", "--trust-model", "always", "--armor",
             "--passphrase", "", "--local-user", signer, "--sign", "--recipient", team, "--encrypt"],
            input=inner.encode(), capture_output=True, check=True).stdout.decode()
        with open(os.path.join(d, "asc", "%06d.asc" % i), "w") as f:
            f.write(armored)
        msg = (head + "Subject: ...\n"
               'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc"\n\n'
               "This is an OpenPGP/MIME encrypted message (RFC 3156).\n"
               "--enc\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n"
               '--enc\nContent-Type: application/octet-stream; name="encrypted.asc"\n\n'
               + armored + "\n--enc--\n")
    path = os.path.join(d, "%d.%06d.bench" % (when, i))
    with open(path, "w") as f:
        f.write(crlf(msg))
    os.utime(path, (when, when))
PY
    eb_die "could not generate the $kind reports"
}

# bench_measure OUT CMD...: runs CMD under scripts/lib/rusage.py; sets
# BENCH_WALL (s), BENCH_CPU (user+sys s of CMD and of every process under
# it, also the gpg processes GPGME re-parents, which GNU time misses),
# BENCH_RSS_MB (peak RSS of the largest of them), BENCH_OWN_CPU (CMD and
# the children it waited for itself), BENCH_ORPHANS (re-parented processes
# under it: GPGME's gpg runs) and BENCH_RC. CMD's stderr
# goes to OUT.log, the report to OUT.time.
bench_measure() {
  local out=$1 start
  shift
  start=$(eb_now)
  BENCH_RC=0
  /usr/bin/python3 "$EB_ROOT/scripts/lib/rusage.py" "$out.time" "$@" >"$out.out" 2>"$out.log" || BENCH_RC=$?
  BENCH_WALL=$(eb_elapsed3 "$start")
  BENCH_CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$out.time")
  BENCH_RSS_MB=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$out.time")
  BENCH_OWN_CPU=$(awk -F': ' "/Command's own CPU/ { print \$2 }" "$out.time")
  BENCH_ORPHANS=$(awk -F': ' '/Re-parented descendants/ { print $2 }' "$out.time")
}

# eb_elapsed3 START: seconds since START with three decimals.
eb_elapsed3() { awk -v s="$1" -v e="$(eb_now)" 'BEGIN { printf "%.3f", e - s }'; }

# rate N SECONDS -> messages per second, one decimal.
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }'; }
# ratio A B -> A/B, two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# Syncs Dovecot's index of the mailbox, so the first IMAP client does not pay
# for scanning the Maildir.
bench_sync_mailbox() {
  /usr/bin/doveadm -c "$DOVECOT_DIR/dovecot.conf" mailbox status -u "$DOVECOT_USER" messages INBOX
}

# bench_run_once TAG: embargod --once over the mailbox, measured; fails loudly.
bench_run_once() {
  local tag=$1
  bench_measure "$W/$tag" "$EMBARGOD" --config "$BENCH_CONF" --once --now "$BENCH_NOW" --log-level warn
  if [ "$BENCH_RC" -ne 0 ]; then
    eb_tail "$W/$tag.log" 30
    eb_die "embargod --once exited with $BENCH_RC"
  fi
}

# ctl_count ARGS...: number of entries embargoctl ... --json prints.
ctl_count() {
  "$EMBARGOCTL" --config "$BENCH_CONF" --now "$BENCH_NOW" "$@" --json |
    /usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# bench_machine: one line about where the figures come from.
bench_machine() {
  printf '%s, %s cores, %s GB RAM, load average %s' \
    "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" "$(nproc)" \
    "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_gpg_decrypt_loop OUT DIR: `gpg --decrypt` of every DIR/*.asc with the
# team's keyring, one gpg per message, measured; DECRYPTION_OKAY lines are
# counted into BENCH_OK.
bench_gpg_decrypt_loop() {
  local out=$1 dir=$2
  : >"$out.status"
  bench_measure "$out" bash -c '
    for f in "$1"/*.asc; do
      gpg --homedir "$2" --batch --no-tty --quiet --status-fd 3 --decrypt "$f" >/dev/null 2>&1 3>>"$3" || true
    done' _ "$dir" "$TEAM" "$out.status"
  BENCH_OK=$(grep -c 'DECRYPTION_OKAY' "$out.status" || true)
}

# Cases of the installation as "<total> <encrypted and readable>".
bench_case_summary() {
  "$EMBARGOCTL" --config "$BENCH_CONF" --now "$BENCH_NOW" cases --all --json |
    /usr/bin/python3 -c '
import json, sys
cs = json.load(sys.stdin)
ok = sum(1 for c in cs if c["encrypted"] and "undecryptable" not in c["flags"])
print(len(cs), ok)'
}

# bench_idle SECONDS: embargod in loop mode (poll_interval = 1 s) on the
# installation of bench_setup, with the mailbox as it is (call it before
# delivering mail), for SECONDS after a 2 s start. Sets IDLE_WALL, IDLE_CPU_S
# (the daemon's own CPU), IDLE_PCT, IDLE_PCT_CHILDREN (with the gpg processes
# it ran and waited for) and IDLE_RSS (peak, MB).
bench_idle() {
  local secs=$1 pid c0 k0 c1 k1 t0 hz
  local keep_poll=${EB_POLL-} keep_db=$EB_DB
  EB_POLL=1 EB_DB=$W/idle.db
  embargo_config "$W/idle.conf"
  EB_POLL=$keep_poll EB_DB=$keep_db
  setsid "$EMBARGOD" --config "$W/idle.conf" --log-level debug </dev/null 2>"$W/idle.log" &
  pid=$!
  eb_on_exit "eb_kill_group $pid TERM"
  # utime + stime of the daemon (fields 14 and 15 of /proc/PID/stat, counted
  # after the ")" that ends the command name), and the same plus cutime +
  # cstime (16, 17: the gpg processes it ran and waited for).
  sleep 2 # past start-up (configuration, database, first poll)
  kill -0 "$pid" 2>/dev/null || { eb_tail "$W/idle.log"; eb_die "embargod (loop mode) exited"; }
  t0=$(eb_now)
  read -r c0 k0 <<<"$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13, $12 + $13 + $14 + $15 }')"
  sleep "$secs"
  read -r c1 k1 <<<"$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13, $12 + $13 + $14 + $15 }')"
  IDLE_WALL=$(eb_elapsed3 "$t0")
  IDLE_RSS=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
  eb_kill_group "$pid" TERM
  wait "$pid" 2>/dev/null || true
  hz=$(getconf CLK_TCK)
  IDLE_CPU_S=$(awk -v d="$((c1 - c0))" -v hz="$hz" 'BEGIN { printf "%.2f", d / hz }')
  IDLE_PCT=$(awk -v d="$((c1 - c0))" -v hz="$hz" -v w="$IDLE_WALL" 'BEGIN { printf "%.2f", 100 * d / hz / w }')
  IDLE_PCT_CHILDREN=$(awk -v d="$((k1 - k0))" -v hz="$hz" -v w="$IDLE_WALL" 'BEGIN { printf "%.2f", 100 * d / hz / w }')
}
