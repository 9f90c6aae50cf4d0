# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# The SMTP sink (tests/support/smtp_sink.py, aiosmtpd) on a free loopback
# port: every accepted message lands byte-exact in DIR/mail/NNNNNN.eml with
# a NNNNNN.json sidecar holding the envelope. Needs common.sh.
#
# sink_start DIR   sets SINK_PORT, SINK_URL, SINK_MAIL (the message directory);
#                  SINK_ARGS (array) adds options, e.g. --auth-user U --auth-password P
# sink_count       messages received so far
# sink_wait N SECONDS
# sink_stop

SINK_PID=
SINK_ARGS=()

sink_start() {
  local d=$1
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
    eb_die "python3-aiosmtpd is not installed: run scripts/install-deps.sh"
  mkdir -p "$d/mail"
  SINK_MAIL=$d/mail
  for _ in 1 2 3 4 5; do
    SINK_PORT=$(eb_free_port)
    : >"$d/sink.log"
    setsid /usr/bin/python3 "$EB_ROOT/tests/support/smtp_sink.py" --port "$SINK_PORT" \
      --dir "$SINK_MAIL" "${SINK_ARGS[@]}" </dev/null >"$d/sink.log" 2>&1 &
    SINK_PID=$!
    eb_on_exit "sink_stop"
    # The script prints its banner once aiosmtpd listens.
    local tries=1000
    while ((tries-- > 0)); do
      if grep -q 'smtp_sink listening' "$d/sink.log" && eb_port_open "$SINK_PORT"; then
        SINK_URL=smtp://127.0.0.1:$SINK_PORT
        return 0
      fi
      kill -0 "$SINK_PID" 2>/dev/null || break
      sleep 0.02
    done
    sink_stop
    grep -q 'ddress already in use' "$d/sink.log" || break
  done
  eb_tail "$d/sink.log"
  eb_die "could not start the SMTP sink"
}

sink_count() {
  find "$SINK_MAIL" -maxdepth 1 -name '*.json' | wc -l
}

sink_wait() {
  local n=$1 tries=$(($2 * 20))
  while ((tries-- > 0)); do
    [ "$(sink_count)" -ge "$n" ] && return 0
    sleep 0.05
  done
  return 1
}

sink_stop() {
  [ -n "$SINK_PID" ] || return 0
  eb_kill_group "$SINK_PID" TERM
  wait "$SINK_PID" 2>/dev/null || true
  SINK_PID=
}

# sink_table: one line per received message: recipient, kind, case,
# encrypted/signed/plain, outer Subject.
sink_table() {
  /usr/bin/python3 - "$SINK_MAIL" <<'PY'
import email, email.policy, json, os, sys
d = sys.argv[1]
rows = []
for n in sorted(os.listdir(d)):
    if not n.endswith(".json"):
        continue
    meta = json.load(open(os.path.join(d, n)))
    with open(os.path.join(d, n[:-5] + ".eml"), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.compat32)
    ctype = m.get_content_type()
    form = {"multipart/encrypted": "encrypted", "multipart/signed": "signed"}.get(ctype, "plain")
    subject = " ".join(str(m.get("Subject", "")).split())
    rows.append((n[:6].lstrip("0"), ",".join(meta["rcpt_tos"]), m.get("X-Embargo-Kind", "?"),
                 form, subject))
if not rows:
    print("  (no mail)")
    sys.exit(0)
head = ("#", "TO", "KIND", "FORM", "OUTER SUBJECT")
w = [max(len(str(r[i])) for r in rows + [head]) for i in range(4)]
fmt = "  {:<%d}  {:<%d}  {:<%d}  {:<%d}  {}" % tuple(w)
print(fmt.format(*head))
for r in rows:
    print(fmt.format(*r))
PY
}
