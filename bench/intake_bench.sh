#!/usr/bin/env bash
# Intake throughput: 1,000 generated plain reports in a private Dovecot, one
# `embargod --once` over them; prints messages/s, CPU time and peak RSS.
# Measured twice on fresh installations: with an SMTP sink (the outbox flush
# of ~4,000 notifications included) and with the SMTP server down (intake
# only: the flush gives up at the first refused connection). The digest is
# off, so the outbox holds only intake mail (an ack and three encrypted
# new-case notices per report). Prints figures; not a test.
#
# Environment: EMBARGO_BUILD_DIR (default build/bench), BENCH_N (default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
. scripts/lib/dovecot.sh
. scripts/lib/sink.sh
. scripts/lib/gpg.sh
. scripts/lib/config.sh
. scripts/lib/bench.sh

N=${BENCH_N:-1000}
bench_need_time
bench_build

# measure_intake TAG SMTP: a fresh installation, N reports, one run.
measure_intake() {
  local tag=$1 smtp=$2
  (
    eb_subshell
    bench_setup "intake"
    if [ "$smtp" = down ]; then
      EB_SMTP_URL="smtp://127.0.0.1:$(eb_free_port)" # nothing listens there
      embargo_config "$BENCH_CONF"
    fi
    eb_step "$tag: generating and delivering $N reports" >&2
    bench_generate plain "$W/gen" "$N" 1
    dovecot_deliver_dir "$W/gen"
    bench_sync_mailbox >/dev/null
    eb_step "$tag: embargod --once" >&2
    bench_run_once "$tag"
    local cases sent pending
    cases=$(ctl_count cases --all)
    pending=$(ctl_count outbox)
    sent=$(sink_count)
    [ "$cases" -eq "$N" ] || eb_warn "$tag: $cases cases from $N distinct reports"
    printf '%s %s %s %s %s %s %s\n' "$tag" "$BENCH_WALL" "$BENCH_CPU" "$BENCH_RSS_MB" "$cases" "$sent" "$pending"
  )
}

eb_section "embargod --once over $N plain reports"
eb_step "machine: $(bench_machine)"
r1=$(measure_intake with-smtp up)
r2=$(measure_intake smtp-down down)
results=("$r1" "$r2")

printf '\n  %-26s %9s %10s %8s %9s %6s %7s %7s\n' "run" "wall s" "msgs/s" "CPU s" "peak RSS" "cases" "sent" "queued"
for r in "${results[@]}"; do
  read -r tag wall cpu rss cases sent pending <<<"$r"
  case $tag in
    with-smtp) label="intake + SMTP flush" ;;
    *) label="intake only (SMTP down)" ;;
  esac
  printf '  %-26s %9.2f %10s %8.2f %6s MB %6s %7s %7s\n' "$label" "$wall" "$(rate "$N" "$wall")" "$cpu" "$rss" "$cases" "$sent" "$pending"
done
eb_step "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
