#!/usr/bin/env bash
# The issue-9 benchmark table: one `embargod --once` over 1,000 plain and 300
# PGP/MIME reports in a private Dovecot (with an SMTP sink taking the ~5,200
# notifications), beside a baseline on the same messages: fetching all of
# them over IMAP with curl (one connection) and decrypting the PGP/MIME ones
# with the gpg CLI. Also the daemon's idle CPU between polls (loop mode,
# poll_interval = 1 s, empty mailbox, ~10 s). Prints a table; not a test.
#
# Environment: EMBARGO_BUILD_DIR (default build/bench), BENCH_PLAIN (1000),
# BENCH_PGP (300), BENCH_IDLE_SECONDS (10).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
. scripts/lib/dovecot.sh
. scripts/lib/sink.sh
. scripts/lib/gpg.sh
. scripts/lib/config.sh
. scripts/lib/bench.sh

NP=${BENCH_PLAIN:-1000}
NG=${BENCH_PGP:-300}
N=$((NP + NG))
IDLE=${BENCH_IDLE_SECONDS:-10}
bench_need_time
bench_build

eb_section "embargo benchmarks: $NP plain + $NG PGP/MIME reports"
eb_step "machine: $(bench_machine)"
bench_setup all

# --- idle CPU: loop mode on the still empty mailbox ----------------------------
eb_step "idle: embargod polling an empty mailbox every second for ${IDLE} s"
bench_idle "$IDLE"
idle_pct=$IDLE_PCT idle_pct_children=$IDLE_PCT_CHILDREN idle_cpu_s=$IDLE_CPU_S idle_rss=$IDLE_RSS

# --- the messages ------------------------------------------------------------------
eb_step "generating $NP plain and $NG PGP/MIME reports"
bench_generate plain "$W/gen" "$NP" 1
bench_generate pgp "$W/gen" "$NG" $((NP + 1))
mv "$W/gen/asc" "$W/asc"
dovecot_deliver_dir "$W/gen"
bench_sync_mailbox >/dev/null

# --- ours ----------------------------------------------------------------------------
eb_step "embargod --once over $N messages"
bench_run_once all
ours_wall=$BENCH_WALL ours_cpu=$BENCH_CPU ours_rss=$BENCH_RSS_MB
read -r cases readable <<<"$(bench_case_summary)"
[ "$cases" -eq "$N" ] || eb_warn "$cases cases from $N distinct reports"
[ "$readable" -eq "$NG" ] || eb_die "embargod read $readable of $NG encrypted reports"
sink_wait $((4 * N)) 30 || eb_warn "the sink has $(sink_count) of $((4 * N)) notifications"
sent=$(sink_count)

# --- baseline: curl over IMAP (one connection) + gpg --decrypt per PGP message ----
eb_step "baseline: curl fetches $N messages over IMAP, gpg decrypts the $NG PGP ones"
mkdir -p "$W/fetched"
: >"$W/base.status"
bench_measure "$W/base" bash -c '
  set -e
  curl -s -u "$1:$(cat "$2")" "$3;UID=[1-$4]" -o "$5/#1.eml"
  grep -l -- "-----BEGIN PGP MESSAGE-----" "$5"/*.eml | while read -r f; do
    sed -n "/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/p" "$f" |
      gpg --homedir "$6" --batch --no-tty --quiet --status-fd 3 --decrypt >/dev/null 2>&1 3>>"$7" || true
  done' _ "$DOVECOT_USER" "$DOVECOT_PASSWORD_FILE" "$DOVECOT_URL" "$N" "$W/fetched" "$TEAM" "$W/base.status"
[ "$BENCH_RC" -eq 0 ] || { eb_tail "$W/base.log"; eb_die "the baseline failed"; }
fetched=$(find "$W/fetched" -name '*.eml' -size +0 | wc -l)
decrypted=$(grep -c DECRYPTION_OKAY "$W/base.status" || true)
[ "$fetched" -eq "$N" ] && [ "$decrypted" -eq "$NG" ] ||
  eb_die "baseline fetched $fetched of $N and decrypted $decrypted of $NG"
base_wall=$BENCH_WALL base_cpu=$BENCH_CPU base_rss=$BENCH_RSS_MB

ours_rate=$(rate "$N" "$ours_wall") base_rate=$(rate "$N" "$base_wall")
eb_section "Results ($(date -u +%F), $(nproc) cores)"
printf '  %-40s %16s %22s %10s\n' "" "embargod --once" "curl + gpg baseline" "ours/base"
printf '  %-40s %16s %22s %10s\n' "messages ($NP plain + $NG PGP/MIME)" "$N" "$N" ""
printf '  %-40s %16s %22s %10s\n' "wall time, s" "$ours_wall" "$base_wall" ""
printf '  %-40s %16s %22s %10s\n' "messages/s" "$ours_rate" "$base_rate" "$(ratio "$ours_rate" "$base_rate")"
printf '  %-40s %16s %22s %10s\n' "CPU time incl. gpg children, s" "$ours_cpu" "$base_cpu" "$(ratio "$ours_cpu" "$base_cpu")"
printf '  %-40s %16s %22s %10s\n' "peak RSS, MB" "$ours_rss" "$base_rss" ""
printf '  %-40s %16s %22s %10s\n' "notifications sent" "$sent" "-" ""
printf '  %-40s %16s %22s %10s\n' "idle CPU, poll every 1 s (${IDLE} s)" "${idle_pct} %" "-" ""
printf '  %-40s %16s %22s %10s\n' "idle CPU incl. gpg children" "${idle_pct_children} %" "-" ""
printf '  %-40s %16s %22s %10s\n' "idle CPU time / peak RSS" "${idle_cpu_s} s / ${idle_rss} MB" "-" ""
eb_step "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
