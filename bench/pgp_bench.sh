#!/usr/bin/env bash
# PGP/MIME intake throughput: 300 generated PGP/MIME reports (signed by a
# reporter and encrypted to the team's cv25519 key, subject protected) in a
# private Dovecot, decrypted through one `embargod --once`, beside the same
# 300 messages decrypted by a plain `gpg --decrypt` loop in the same run.
# embargod does much more per message (IMAP fetch, MIME parsing, verification,
# threading, de-duplication, SQLite, three encrypted new-case notices, an ack,
# SMTP delivery): the ratio says what the whole pipeline costs next to the
# decryption alone. Prints figures; not a test.
#
# Environment: EMBARGO_BUILD_DIR (default build/bench), BENCH_N (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
. scripts/lib/dovecot.sh
. scripts/lib/sink.sh
. scripts/lib/gpg.sh
. scripts/lib/config.sh
. scripts/lib/bench.sh

N=${BENCH_N:-300}
bench_need_time
bench_build

eb_section "$N PGP/MIME reports: embargod --once vs a gpg --decrypt loop"
eb_step "machine: $(bench_machine)"
bench_setup pgp
eb_step "generating $N encrypted reports"
bench_generate pgp "$W/gen" "$N" 1
mv "$W/gen/asc" "$W/asc"
dovecot_deliver_dir "$W/gen"
bench_sync_mailbox >/dev/null

eb_step "embargod --once"
bench_run_once pgp
ours_wall=$BENCH_WALL ours_cpu=$BENCH_CPU ours_rss=$BENCH_RSS_MB
read -r cases readable <<<"$(bench_case_summary)"
[ "$readable" -eq "$N" ] || eb_die "embargod read $readable of $N encrypted reports ($cases cases)"

eb_step "gpg --decrypt loop"
bench_gpg_decrypt_loop "$W/gpg" "$W/asc"
[ "$BENCH_OK" -eq "$N" ] || eb_die "gpg decrypted $BENCH_OK of $N reports"
gpg_wall=$BENCH_WALL gpg_cpu=$BENCH_CPU gpg_rss=$BENCH_RSS_MB

ours_rate=$(rate "$N" "$ours_wall") gpg_rate=$(rate "$N" "$gpg_wall")
printf '\n  %-34s %9s %10s %8s %10s\n' "run" "wall s" "msgs/s" "CPU s" "peak RSS"
printf '  %-34s %9.2f %10s %8.2f %7s MB\n' "embargod --once (whole pipeline)" "$ours_wall" "$ours_rate" "$ours_cpu" "$ours_rss"
printf '  %-34s %9.2f %10s %8.2f %7s MB\n' "gpg --decrypt loop" "$gpg_wall" "$gpg_rate" "$gpg_cpu" "$gpg_rss"
printf '  ratio embargod/gpg (msgs/s): %s   cases: %s, all %s readable; mails sent: %s\n' \
  "$(ratio "$ours_rate" "$gpg_rate")" "$cases" "$readable" "$(sink_count)"
eb_step "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
