#!/usr/bin/env bash
# embargod against its gpg floor (issue 13), in ONE run on the same messages:
# 1,000 plain + 300 PGP/MIME reports (team of three) through one
# `embargod --once`, then the gpg CLI, one process per operation as GPGME
# runs it, doing the same count of each OpenPGP operation embargod did:
#   decrypt+verify  per PGP report embargod read (cases encrypted, readable)
#   sign+encrypt    per multipart/encrypted notification the SMTP sink got
#   detached sign   per multipart/signed notification the sink got
# (counted from what was actually sent, not from what should have been).
# Prints embargod's msg/s, wall, CPU (user+sys of embargod and the gpg
# processes it waited for, GNU time), peak RSS; the floor's wall and CPU;
# the ratio CPU embargod / CPU floor; gpg-agent's CPU in each phase (it is
# nobody's child, so neither figure above holds it); and the idle CPU of the
# daemon in loop mode. Schleuder only when the Debian package is installed:
# BENCH_SCHLEUDER_PLAIN (20) + BENCH_SCHLEUDER_PGP (6) of the same reports
# through one list with the team's key and members (scripts/lib/schleuder.sh),
# its msg/s and CPU per message beside embargod's.
# Not a test.
#
# Environment: EMBARGO_BUILD_DIR (default build/bench), BENCH_PLAIN (1000),
# BENCH_PGP (300), BENCH_IDLE_SECONDS (10; 0 skips the idle figure),
# BENCH_WORKERS ([daemon] workers for embargod; unset: the default).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
. scripts/lib/dovecot.sh
. scripts/lib/sink.sh
. scripts/lib/gpg.sh
. scripts/lib/config.sh
. scripts/lib/bench.sh
. scripts/lib/schleuder.sh

NP=${BENCH_PLAIN:-1000}
NG=${BENCH_PGP:-300}
N=$((NP + NG))
IDLE=${BENCH_IDLE_SECONDS:-10}
EB_WORKERS=${BENCH_WORKERS:-}
bench_need_time
bench_build

eb_section "embargod vs its gpg floor: $NP plain + $NG PGP/MIME reports"
commit=$(git -C "$EB_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
git -C "$EB_ROOT" diff --quiet HEAD -- 2>/dev/null || commit="$commit (+ uncommitted changes)"
eb_step "commit: $commit"
eb_step "machine: $(bench_machine)"
bench_setup floor
[ -z "$EB_WORKERS" ] || eb_step "[daemon] workers = $EB_WORKERS"

# gpg-agent is started by the first gpg and then lives on its own: its CPU
# (the secret-key half of every sign and decrypt) is in neither GNU time
# figure. Start it now and read its CPU around each phase.
GNUPGHOME=$TEAM gpgconf --launch gpg-agent
AGENT_PID=$(GNUPGHOME=$TEAM gpg-connect-agent 'getinfo pid' /bye | awk '$1 == "D" { print $2 }')
[ -n "$AGENT_PID" ] && [ -r "/proc/$AGENT_PID/stat" ] || eb_die "cannot find the team's gpg-agent"
HZ=$(getconf CLK_TCK)
agent_ticks() { sed 's/^.*) //' "/proc/$AGENT_PID/stat" | awk '{ print $12 + $13 }'; }
ticks_s() { awk -v d="$1" -v hz="$HZ" 'BEGIN { printf "%.2f", d / hz }'; }

# --- idle CPU: loop mode on the still empty mailbox ----------------------------
if [ "$IDLE" -gt 0 ]; then
  eb_step "idle: embargod polling an empty mailbox every second for ${IDLE} s"
  bench_idle "$IDLE"
fi

# --- the messages ------------------------------------------------------------------
eb_step "generating $NP plain and $NG PGP/MIME reports"
bench_generate plain "$W/gen" "$NP" 1
bench_generate pgp "$W/gen" "$NG" $((NP + 1))
mv "$W/gen/asc" "$W/asc"
# Plaintexts for the floor's signing runs: the plain reports' texts (a new-case
# notice carries the report's text; an ack is shorter).
# Schleuder's sample: the first reports of each kind, copied before delivery
# moves them into the Maildir.
SP=${BENCH_SCHLEUDER_PLAIN:-20} SG=${BENCH_SCHLEUDER_PGP:-6}
mkdir -p "$W/texts" "$W/schleuder-sample"
sp=0 sg=0
for f in "$W/gen"/*.bench; do
  if grep -q 'BEGIN PGP MESSAGE' "$f"; then
    [ "$sg" -ge "$SG" ] || { cp "$f" "$W/schleuder-sample/"; sg=$((sg + 1)); }
  else
    sed '1,/^\r\?$/d' "$f" >"$W/texts/$(basename "$f").txt"
    [ "$sp" -ge "$SP" ] || { cp "$f" "$W/schleuder-sample/"; sp=$((sp + 1)); }
  fi
done
dovecot_deliver_dir "$W/gen"
bench_sync_mailbox >/dev/null

# --- embargod --------------------------------------------------------------------------
eb_step "embargod --once over $N messages"
a0=$(agent_ticks)
bench_run_once all
a1=$(agent_ticks)
ours_wall=$BENCH_WALL ours_cpu=$BENCH_CPU ours_rss=$BENCH_RSS_MB
ours_own=$BENCH_OWN_CPU ours_gpgs=$BENCH_ORPHANS
ours_agent=$(ticks_s $((a1 - a0)))
read -r cases readable <<<"$(bench_case_summary)"
[ "$cases" -eq "$N" ] || eb_warn "$cases cases from $N distinct reports"
[ "$readable" -eq "$NG" ] || eb_warn "embargod read $readable of $NG encrypted reports"
# --once flushes the outbox before it exits; the sink may still be writing.
expected=$(/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone()[0])' "$EB_DB")
sink_wait "$expected" 30 || eb_warn "the sink has $(sink_count) of $expected notifications"

# What embargod sent, by form, and for each encrypted one its recipient's key.
/usr/bin/python3 - "$SINK_MAIL" "$W/ops" "${EB_MEMBERS[@]}" <<'PY'
import email, email.policy, json, os, sys
d, out, members = sys.argv[1], sys.argv[2], sys.argv[3:]
fpr = {}
for m in members:  # "Name <email> FPR"
    email_addr = m[m.index("<") + 1:m.index(">")].lower()
    fpr[email_addr] = m.split()[-1]
counts = {"encrypted": 0, "signed": 0, "plain": 0}
ids = set()
with open(out, "w") as o:
    for n in sorted(os.listdir(d)):
        if not n.endswith(".json"):
            continue
        meta = json.load(open(os.path.join(d, n)))
        with open(os.path.join(d, n[:-5] + ".eml"), "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.compat32)
        form = {"multipart/encrypted": "encrypted", "multipart/signed": "signed"}.get(
            m.get_content_type(), "plain")
        counts[form] += 1
        mid = m.get("Message-ID", "")
        if mid in ids:
            print("warning: Message-ID %s delivered twice" % mid, file=sys.stderr)
        ids.add(mid)
        rcpt = meta["rcpt_tos"][0].lower()
        if form == "encrypted":
            o.write("E %s\n" % fpr.get(rcpt, rcpt))
        elif form == "signed":
            o.write("S -\n")
print(counts["encrypted"], counts["signed"], counts["plain"], file=open(out + ".counts", "w"))
PY
read -r n_enc n_sig n_plain <"$W/ops.counts"
sent=$((n_enc + n_sig + n_plain))

# --- the gpg floor: the same operations, one gpg process each -----------------------
eb_step "gpg floor: $readable decrypt+verify, $n_enc sign+encrypt, $n_sig detached sign"
# The options GPGME passes (status fd, no tty, batch, no pinentry, trust as
# given); output to /dev/null, status lines counted to prove each run worked.
mapfile -t ASC < <(find "$W/asc" -name '*.asc' | sort | head -n "$readable")
printf '%s\n' "${ASC[@]}" >"$W/asc.list"
find "$W/texts" -name '*.txt' | sort >"$W/texts.list"
[ -s "$W/texts.list" ] || eb_die "no plaintexts for the floor"
: >"$W/floor.status"
a0=$(agent_ticks)
bench_measure "$W/floor" bash -c '
  home=$1 signer=$2 ops=$3 asclist=$4 status=$5 texts=$6
  G=(gpg --homedir "$home" --batch --no-tty --quiet --status-fd 3 --pinentry-mode cancel
     --trust-model always)
  while read -r f; do
    "${G[@]}" --decrypt "$f" >/dev/null 2>&1 3>>"$status" || true
  done <"$asclist"
  mapfile -t T <"$texts"
  i=0
  while read -r op key; do
    t=${T[$((i % ${#T[@]}))]}
    i=$((i + 1))
    if [ "$op" = E ]; then
      "${G[@]}" --armor -u "$signer" -r "$key" --sign --encrypt <"$t" >/dev/null 2>&1 3>>"$status" || true
    else
      "${G[@]}" --armor -u "$signer" --detach-sign <"$t" >/dev/null 2>&1 3>>"$status" || true
    fi
  done <"$ops"' _ "$TEAM" "$TEAM_FPR" "$W/ops" "$W/asc.list" "$W/floor.status" "$W/texts.list"
a1=$(agent_ticks)
[ "$BENCH_RC" -eq 0 ] || { eb_tail "$W/floor.log"; eb_die "the floor loop failed"; }
floor_wall=$BENCH_WALL floor_cpu=$BENCH_CPU floor_rss=$BENCH_RSS_MB
floor_agent=$(ticks_s $((a1 - a0)))
f_dec=$(grep -c 'DECRYPTION_OKAY' "$W/floor.status" || true)
f_enc=$(grep -c 'END_ENCRYPTION' "$W/floor.status" || true)
f_sig=$(($(grep -c 'SIG_CREATED' "$W/floor.status" || true) - f_enc))
[ "$f_dec" -eq "$readable" ] && [ "$f_enc" -eq "$n_enc" ] && [ "$f_sig" -eq "$n_sig" ] ||
  eb_die "the floor did $f_dec/$readable decrypts, $f_enc/$n_enc sign+encrypts, $f_sig/$n_sig signs"

ours_rate=$(rate "$N" "$ours_wall")
ours_all=$(awk -v a="$ours_cpu" -v b="$ours_agent" 'BEGIN { printf "%.2f", a + b }')

# --- Schleuder, when installed ----------------------------------------------------------
if schleuder_available; then
  eb_step "Schleuder: $SP plain + $SG PGP/MIME of the same reports, one 'schleuder work' each"
  schleuder_measure "$W/schleuder-sample"
fi
floor_all=$(awk -v a="$floor_cpu" -v b="$floor_agent" 'BEGIN { printf "%.2f", a + b }')
per_op() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.1f", (n > 0 ? 1000 * c / n : 0) }'; }
nops=$((readable + n_enc + n_sig))
eb_section "Results ($(date -u +'%F %H:%M') UTC, $(nproc) cores, commit $commit)"
printf '  %-44s %16s %16s %9s\n' "" "embargod --once" "gpg CLI floor" "ours/floor"
printf '  %-44s %16s %16s\n' "messages ($NP plain + $NG PGP/MIME)" "$N" "-"
printf '  %-44s %16s %16s\n' "decrypt+verify" "$readable" "$f_dec"
printf '  %-44s %16s %16s\n' "sign+encrypt (notifications encrypted)" "$n_enc" "$f_enc"
printf '  %-44s %16s %16s\n' "detached sign (notifications signed only)" "$n_sig" "$f_sig"
printf '  %-44s %16s %16s\n' "plain notifications (no gpg)" "$n_plain" "-"
printf '  %-44s %16s %16s\n' "notifications sent (sink)" "$sent" "-"
printf '  %-44s %16s %16s %9s\n' "wall time, s" "$ours_wall" "$floor_wall" "$(ratio "$ours_wall" "$floor_wall")"
printf '  %-44s %16s %16s\n' "messages/s" "$ours_rate" "-"
printf '  %-44s %16s %16s %9s\n' "CPU user+sys incl. gpg children, s" "$ours_cpu" "$floor_cpu" "$(ratio "$ours_cpu" "$floor_cpu")"
printf '  %-44s %16s %16s\n' "  of which embargod itself, s" "$ours_own" "-"
printf '  %-44s %16s %16s\n' "  of which its gpg processes, s" "$(awk -v a="$ours_cpu" -v b="$ours_own" 'BEGIN { printf "%.2f", a - b }')" "$floor_cpu"
printf '  %-44s %16s %16s\n' "gpg processes run" "$ours_gpgs" "$nops"
printf '  %-44s %16s %16s\n' "gpg-agent CPU in the same phase, s" "$ours_agent" "$floor_agent"
printf '  %-44s %16s %16s %9s\n' "CPU incl. gpg-agent, s" "$ours_all" "$floor_all" "$(ratio "$ours_all" "$floor_all")"
printf '  %-44s %16s %16s\n' "CPU ms per gpg operation" "$(per_op "$ours_cpu" "$nops")" "$(per_op "$floor_cpu" "$nops")"
printf '  %-44s %16s %16s\n' "peak RSS, MB" "$ours_rss" "$floor_rss"
if [ "$IDLE" -gt 0 ]; then
  printf '  %-44s %16s\n' "idle CPU, poll every 1 s (${IDLE} s)" "${IDLE_PCT} %"
  printf '  %-44s %16s\n' "idle CPU incl. gpg children" "${IDLE_PCT_CHILDREN} %"
  printf '  %-44s %16s\n' "idle peak RSS, MB" "$IDLE_RSS"
fi
if schleuder_available; then
  s_ms=$(awk -v c="$SCHLEUDER_CPU" -v n="$SCHLEUDER_N" 'BEGIN { printf "%.1f", (n > 0 ? 1000 * c / n : 0) }')
  o_ms=$(awk -v c="$ours_all" -v n="$N" 'BEGIN { printf "%.1f", (n > 0 ? 1000 * c / n : 0) }')
  printf '  %-44s %s\n' "Schleuder" "$SCHLEUDER_VERSION: $SCHLEUDER_N messages ($SP plain + $SG PGP/MIME), $SCHLEUDER_SENT mails sent, $SCHLEUDER_ENCRYPTED encrypted"
  printf '  %-44s %16s %16s %9s\n' "" "embargod --once" "Schleuder" "ours/Schl."
  s_rate=$(awk -v n="$SCHLEUDER_N" -v w="$SCHLEUDER_WALL" 'BEGIN { printf "%.2f", (w > 0 ? n / w : 0) }')
  printf '  %-44s %16s %16s %9s\n' "messages/s" "$ours_rate" "$s_rate" \
    "$(awk -v a="$N" -v aw="$ours_wall" -v b="$SCHLEUDER_N" -v bw="$SCHLEUDER_WALL" \
      'BEGIN { printf "%.1f", (b > 0 && aw > 0 ? (a / aw) / (b / bw) : 0) }')"
  printf '  %-44s %16s %16s %9s\n' "CPU ms per message, incl. gpg and gpg-agent" "$o_ms" "$s_ms" \
    "$(awk -v a="$o_ms" -v b="$s_ms" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
else
  printf '  %-44s %s\n' "Schleuder" "not installed (dpkg -s schleuder): not measured"
fi
eb_step "the floor runs one gpg after the other on one core; its CPU includes the loop's own forks"
eb_step "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
