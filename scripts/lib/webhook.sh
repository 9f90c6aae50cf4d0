# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# A chat webhook receiver (tests/support/webhook_receiver.py, http.server) on
# a free loopback port: the body of every POST lands in DIR/posts/NNNNNN.body
# with a NNNNNN.json sidecar (path, content type, status). Needs common.sh.
#
# hook_start DIR   sets HOOK_PORT, HOOK_URL (http://127.0.0.1:PORT), HOOK_POSTS
# hook_count       posts received so far
# hook_wait N SECONDS
# hook_stop

HOOK_PID=

hook_start() {
  local d=$1
  mkdir -p "$d/posts"
  HOOK_POSTS=$d/posts
  for _ in 1 2 3 4 5; do
    HOOK_PORT=$(eb_free_port)
    : >"$d/hook.log"
    setsid /usr/bin/python3 "$EB_ROOT/tests/support/webhook_receiver.py" --port "$HOOK_PORT" \
      --dir "$HOOK_POSTS" </dev/null >"$d/hook.log" 2>&1 &
    HOOK_PID=$!
    eb_on_exit "hook_stop"
    local tries=1000
    while ((tries-- > 0)); do
      if grep -q 'webhook_receiver listening' "$d/hook.log" && eb_port_open "$HOOK_PORT"; then
        HOOK_URL=http://127.0.0.1:$HOOK_PORT
        return 0
      fi
      kill -0 "$HOOK_PID" 2>/dev/null || break
      sleep 0.02
    done
    hook_stop
    grep -q 'ddress already in use' "$d/hook.log" || break
  done
  eb_tail "$d/hook.log"
  eb_die "could not start the webhook receiver"
}

hook_count() {
  find "$HOOK_POSTS" -maxdepth 1 -name '*.json' | wc -l
}

hook_wait() {
  local n=$1 tries=$(($2 * 20))
  while ((tries-- > 0)); do
    [ "$(hook_count)" -ge "$n" ] && return 0
    sleep 0.05
  done
  return 1
}

hook_stop() {
  [ -n "$HOOK_PID" ] || return 0
  eb_kill_group "$HOOK_PID" TERM
  wait "$HOOK_PID" 2>/dev/null || true
  HOOK_PID=
}
