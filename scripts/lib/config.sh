# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# Writes an embargo.conf for a throwaway installation (docs/embargo.conf.example
# explains every key). Needs common.sh, and DOVECOT_* / SINK_URL from
# dovecot.sh and sink.sh.
#
# embargo_config FILE
#   reads: EB_GNUPGHOME, EB_TEAM_FPR, EB_DB,
#          EB_MEMBERS  array of "Name <email> FINGERPRINT" (rotation order)
#          EB_AWAY     array of "email FIRST-DAY LAST-DAY"
#          EB_POLL     poll_interval (default 60)
#          EB_DIGEST   digest_time (default 09:00; empty disables the digest)
#          EB_SMTP_URL (default SINK_URL)
#          EB_WORKERS  [daemon] workers (unset or empty: the key is left out)

embargo_config() {
  local file=$1 m a
  {
    cat <<EOF
[project]
name = Example Proxy
case_prefix = EMST
supported = 1.13
main_branch = master
domain = example.org

[imap]
url = $DOVECOT_URL
username = $DOVECOT_USER
password_file = $DOVECOT_PASSWORD_FILE
poll_interval = ${EB_POLL:-60}

[smtp]
url = ${EB_SMTP_URL:-$SINK_URL}
from = Example Security Team <secalert@example.org>

[gpg]
homedir = $EB_GNUPGHOME
key = $EB_TEAM_FPR
encrypt = required

[team]
EOF
    for m in "${EB_MEMBERS[@]}"; do echo "member = $m"; done
    for a in "${EB_AWAY[@]}"; do echo "away = $a"; done
    cat <<EOF
require_signed_commands = true
announce = users@lists.example.org
retrospective = dev@lists.example.org

[timeline]
digest_time = ${EB_DIGEST-09:00}

[storage]
database = $EB_DB
EOF
    if [ -n "${EB_WORKERS:-}" ]; then printf '\n[daemon]\nworkers = %s\n' "$EB_WORKERS"; fi
  } >"$file"
  chmod 600 "$file"
}
