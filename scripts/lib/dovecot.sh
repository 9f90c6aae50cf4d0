# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# A private Dovecot IMAP server on a free loopback port, for the demo and the
# benchmarks (the shell twin of tests/support/dovecot.cpp). Works as root
# (mail owned by the dovecot user: Dovecot refuses uid 0 for mail) and as an
# ordinary user (every process runs as the caller). Mail is delivered by
# writing into Maildir/tmp and renaming into new/; Dovecot's INTERNALDATE is
# the file's mtime. Needs common.sh.
#
# dovecot_start DIR   sets DOVECOT_PORT, DOVECOT_USER, DOVECOT_PASSWORD,
#                     DOVECOT_PASSWORD_FILE, DOVECOT_URL, DOVECOT_MAILDIR
# dovecot_deliver FILE [ISO-8601 INTERNALDATE]   (UIDs follow delivery order)
# dovecot_deliver_dir DIR   moves every file of DIR (mtimes already set) into new/
# dovecot_stop

DOVECOT_PID=
DOVECOT_USER=secalert
DOVECOT_PASSWORD=demo-imap-password

dovecot__ids() {
  if [ "$(id -u)" -eq 0 ]; then
    id dovecot >/dev/null 2>&1 || eb_die "no 'dovecot' user: install dovecot-imapd (scripts/install-deps.sh)"
    DOVECOT_OWNER=dovecot:dovecot
  else
    DOVECOT_OWNER=
  fi
}

dovecot__write_config() {
  local d=$1 c=$1/dovecot.conf
  {
    echo "protocols = imap"
    echo "listen = 127.0.0.1"
    echo "base_dir = $d/run"
    echo "state_dir = $d/state"
    echo "log_path = $d/dovecot.log"
    echo "info_log_path = $d/dovecot.log"
    echo "instance_name = $(basename "$d")"
    echo "ssl = no"
    echo "disable_plaintext_auth = no"
    echo "auth_mechanisms = plain login"
    echo "mail_location = maildir:~/Maildir"
    echo "mail_fsync = never"
    echo "first_valid_uid = 0"
    printf 'passdb {\n  driver = static\n  args = password=%s\n}\n' "$DOVECOT_PASSWORD"
    if [ -n "$DOVECOT_OWNER" ]; then
      printf 'userdb {\n  driver = static\n  args = uid=dovecot gid=dovecot home=%s/mail/%%u\n}\n' "$d"
      printf 'service imap-login {\n'
    else
      echo "default_login_user = $(id -un)"
      echo "default_internal_user = $(id -un)"
      echo "default_internal_group = $(id -gn)"
      printf 'userdb {\n  driver = static\n  args = home=%s/mail/%%u\n}\n' "$d"
      printf 'service anvil {\n  chroot =\n}\n'
      printf 'service imap-login {\n  chroot =\n'
    fi
    printf '  inet_listener imap {\n    address = 127.0.0.1\n    port = %s\n  }\n' "$DOVECOT_PORT"
    printf '  inet_listener imaps {\n    port = 0\n  }\n}\n'
  } >"$c"
}

dovecot_start() {
  local d=$1
  command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] ||
    eb_die "dovecot is not installed: run scripts/install-deps.sh"
  dovecot__ids
  mkdir -p "$d"
  chmod 755 "$d"
  DOVECOT_MAILDIR=$d/mail/$DOVECOT_USER/Maildir
  mkdir -p "$DOVECOT_MAILDIR"/{tmp,new,cur}
  [ -z "$DOVECOT_OWNER" ] || chown -R "$DOVECOT_OWNER" "$d/mail"
  DOVECOT_PASSWORD_FILE=$d/imap.password
  printf '%s' "$DOVECOT_PASSWORD" >"$DOVECOT_PASSWORD_FILE"
  chmod 600 "$DOVECOT_PASSWORD_FILE"
  # free ports can race with other programs: try a few.
  for _ in 1 2 3 4 5; do
    DOVECOT_PORT=$(eb_free_port)
    dovecot__write_config "$d"
    setsid /usr/sbin/dovecot -F -c "$d/dovecot.conf" </dev/null >>"$d/stderr.log" 2>&1 &
    DOVECOT_PID=$!
    eb_on_exit "dovecot_stop"
    if eb_wait_port "$DOVECOT_PORT" "$DOVECOT_PID" 10; then
      DOVECOT_URL=imap://127.0.0.1:$DOVECOT_PORT/INBOX
      DOVECOT_DIR=$d
      return 0
    fi
    dovecot_stop
  done
  eb_tail "$d/stderr.log"
  eb_tail "$d/dovecot.log"
  eb_die "could not start dovecot (config $d/dovecot.conf)"
}

dovecot_stop() {
  # SIGKILL: the master's orderly shutdown sleeps ~2 s, and the Maildir is
  # consistent at any moment (files and dovecot-uidlist are renamed into place).
  [ -n "$DOVECOT_PID" ] || return 0
  eb_kill_group "$DOVECOT_PID" KILL
  wait "$DOVECOT_PID" 2>/dev/null || true
  DOVECOT_PID=
}

DOVECOT_COUNTER=0
# A unique Maildir file name.
dovecot__name() {
  DOVECOT_COUNTER=$((DOVECOT_COUNTER + 1))
  printf '%s.M%sP%sQ%s.embargo' "$(date +%s)" "$RANDOM" "$$" "$DOVECOT_COUNTER"
}

dovecot_deliver() {
  local file=$1 when=${2:-} name
  name=$(dovecot__name)
  cp "$file" "$DOVECOT_MAILDIR/tmp/$name"
  [ -z "$when" ] || touch -d "$when" "$DOVECOT_MAILDIR/tmp/$name"
  [ -z "$DOVECOT_OWNER" ] || chown "$DOVECOT_OWNER" "$DOVECOT_MAILDIR/tmp/$name"
  mv "$DOVECOT_MAILDIR/tmp/$name" "$DOVECOT_MAILDIR/new/$name"
  # Dovecot numbers new/ in directory order, not by name: have it sync now so
  # that UIDs follow the order of delivery, as with a real delivery agent.
  /usr/bin/doveadm -c "$DOVECOT_DIR/dovecot.conf" mailbox status -u "$DOVECOT_USER" messages INBOX \
    >/dev/null 2>>"$DOVECOT_DIR/doveadm.log" || eb_die "doveadm could not sync the mailbox (see $DOVECOT_DIR/doveadm.log)"
}

# Moves every file of DIR into new/ (same filesystem: a rename, mtimes stay).
# Their mtimes (INTERNALDATE) must already be set. One chown and a few mv for
# all; Dovecot numbers them in directory order, which a benchmark does not mind.
dovecot_deliver_dir() {
  local dir=$1
  [ -z "$DOVECOT_OWNER" ] || chown -R "$DOVECOT_OWNER" "$dir"
  find "$dir" -maxdepth 1 -type f -print0 | xargs -0 -r mv -t "$DOVECOT_MAILDIR/new/"
}
