# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# Schleuder (Debian package schleuder) on a sample of the benchmark's own
# reports, for bench/floor_bench.sh (issue 13): one encrypting mailing list
# whose subscribers are the team's three members, run as an MTA runs it
# (`schleuder work LIST < message`, one Ruby process per message), sending to
# the benchmark's SMTP sink. Like with like: the list's key is the team's own
# ed25519/cv25519 key (Schleuder would make an RSA-4096 one), so it reads the
# same encrypted reports and encrypts to the same member keys as embargod.
# Needs bench.sh (and what it needs) and a finished bench_setup.
#
# schleuder_available                 the package is installed
# schleuder_measure SAMPLE_DIR        runs every *.bench in SAMPLE_DIR through the
#                                     list; sets SCHLEUDER_N, SCHLEUDER_WALL,
#                                     SCHLEUDER_CPU (incl. the list's gpg-agent),
#                                     SCHLEUDER_SENT (of them SCHLEUDER_ENCRYPTED),
#                                     SCHLEUDER_VERSION

schleuder_available() {
  dpkg -s schleuder >/dev/null 2>&1 && command -v schleuder >/dev/null 2>&1
}

schleuder_measure() {
  local sample=$1 sd="$W/schleuder" list=secalert@example.org listdir schema m fpr
  local before agent_pid agent_cpu=0
  listdir=$sd/lists/example.org/secalert
  schema=$(dpkg -L schleuder | grep '/db/schema.rb$' | head -n 1)
  [ -n "$schema" ] || eb_die "schleuder: no db/schema.rb in the package"
  mkdir -p "$sd"
  cat >"$sd/schleuder.yml" <<EOF
lists_dir: $sd/lists
listlogs_dir: $sd/lists
plugins_dir: $sd/plugins
filters_dir: $sd/filters
log_level: warn
keyserver: ''
smtp_settings:
  address: 127.0.0.1
  port: $SINK_PORT
database:
  production:
    adapter: 'sqlite3'
    database: $sd/db.sqlite
EOF
  export SCHLEUDER_CONFIG=$sd/schleuder.yml
  SCHLEUDER_VERSION=$(dpkg-query -W -f='${Version}' schleuder)
  ruby -e 'require "schleuder"; ActiveRecord::Schema.verbose = false; load ARGV[0]' "$schema" \
    >"$sd/setup.log" 2>&1 || { eb_tail "$sd/setup.log"; eb_die "schleuder: loading its schema failed"; }
  # The list's GnuPG home holds the team key (secret) and the members' keys.
  mkdir -p -m 0700 "$listdir"
  gpg --homedir "$TEAM" --batch --export-secret-keys "$TEAM_FPR" |
    gpg --homedir "$listdir" --batch --quiet --import 2>>"$sd/setup.log"
  for m in "${EB_MEMBERS[@]}"; do  # "Name <email> FPR"
    fpr=${m##* }
    gpg --homedir "$TEAM" --batch --armor --export "$fpr" >"$sd/$fpr.asc"
  done
  ruby -e '
    require "schleuder"
    list_email, list_fpr, dir, *members = ARGV
    list = nil
    members.each do |m|
      email, fpr = m[/<([^>]+)>/, 1], m.split.last
      key = File.read(File.join(dir, fpr + ".asc"))
      if list.nil?
        list, _ = Schleuder::ListBuilder.new({email: list_email, fingerprint: list_fpr},
                                             email, fpr, key).run
        abort("list: " + list.errors.full_messages.join("; ")) if list.errors.any?
      else
        sub, _ = list.subscribe(email, fpr, false, true, key)
        abort("subscribe " + email + ": " + sub.errors.full_messages.join("; ")) if sub.errors.any?
      end
    end
    puts list.subscriptions.count
  ' "$list" "$TEAM_FPR" "$sd" "${EB_MEMBERS[@]}" >>"$sd/setup.log" 2>&1 ||
    { eb_tail "$sd/setup.log"; eb_die "schleuder: creating the list failed"; }
  SCHLEUDER_N=$(find "$sample" -name '*.bench' | wc -l)
  before=$(sink_count)
  bench_measure "$sd/run" bash -c '
    list=$1 dir=$2 fails=0
    for f in "$dir"/*.bench; do
      schleuder work "$list" <"$f" >/dev/null 2>&1 || fails=$((fails + 1))
    done
    exit "$fails"' _ "$list" "$sample"
  SCHLEUDER_WALL=$BENCH_WALL SCHLEUDER_CPU=$BENCH_CPU
  [ "$BENCH_RC" -eq 0 ] || eb_warn "schleuder: $BENCH_RC of $SCHLEUDER_N messages failed"
  # The list's gpg-agent started with the first message and is nobody's child.
  agent_pid=$(GNUPGHOME=$listdir gpg-connect-agent --no-autostart 'getinfo pid' /bye 2>/dev/null |
    awk '$1 == "D" { print $2 }')
  if [ -n "$agent_pid" ] && [ -r "/proc/$agent_pid/stat" ]; then
    agent_cpu=$(sed 's/^.*) //' "/proc/$agent_pid/stat" |
      awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / hz }')
  fi
  GNUPGHOME=$listdir gpgconf --kill gpg-agent 2>/dev/null || true
  SCHLEUDER_CPU=$(awk -v a="$SCHLEUDER_CPU" -v b="$agent_cpu" 'BEGIN { printf "%.2f", a + b }')
  sink_wait $((before + ${#EB_MEMBERS[@]} * SCHLEUDER_N)) 30 || true
  SCHLEUDER_SENT=$(($(sink_count) - before))
  SCHLEUDER_ENCRYPTED=$(grep -l -i '^List-Id: <secalert.example.org>' "$SINK_MAIL"/*.eml 2>/dev/null |
    xargs -r grep -l -i '^Content-Type: multipart/encrypted' | wc -l)
  unset SCHLEUDER_CONFIG
}
