# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# GitHub's official OpenAPI description (@octokit/openapi, api.github.com)
# served by Prism in `mock --errors` mode on a free loopback port: a request
# that breaks the contract is answered 422 (or 500) naming the violation.
# Installed by scripts/install-deps.sh into /opt/embargo-test-node
# (EMBARGO_TEST_NODE overrides), as for tests/support/prism.cpp. Needs common.sh.
#
# prism_start DIR   sets PRISM_PORT, PRISM_URL (http://127.0.0.1:PORT), PRISM_LOG
# prism_calls       one line per request so far: METHOD PATH STATUS [violations]
# prism_stop

PRISM_PID=

prism_start() {
  local d=$1 node=${EMBARGO_TEST_NODE:-/opt/embargo-test-node}
  local bin=$node/node_modules/.bin/prism
  local spec=$node/node_modules/@octokit/openapi/generated/api.github.com.json
  [ -x "$bin" ] && [ -f "$spec" ] ||
    eb_die "Prism or GitHub's OpenAPI description is not installed in $node; run scripts/install-deps.sh"
  mkdir -p "$d"
  PRISM_LOG=$d/prism.log
  for _ in 1 2 3 4 5; do
    PRISM_PORT=$(eb_free_port)
    : >"$PRISM_LOG"
    setsid "$bin" mock --errors -h 127.0.0.1 -p "$PRISM_PORT" "$spec" </dev/null >"$PRISM_LOG" 2>&1 &
    PRISM_PID=$!
    eb_on_exit "prism_stop"
    # Loading the 13 MB description takes seconds, minutes on a loaded machine.
    local tries=2400
    while ((tries-- > 0)); do
      if grep -q 'Prism is listening' "$PRISM_LOG"; then
        PRISM_URL=http://127.0.0.1:$PRISM_PORT
        return 0
      fi
      kill -0 "$PRISM_PID" 2>/dev/null || break
      sleep 0.1
    done
    prism_stop
    grep -q 'EADDRINUSE' "$PRISM_LOG" || break
  done
  eb_tail "$PRISM_LOG"
  eb_die "could not start Prism (log above)"
}

prism_calls() {
  /usr/bin/python3 - "$PRISM_LOG" <<'EOF'
import re, sys
# One request at a time: the lines after "Request received" belong to it.
calls = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r"\[HTTP SERVER\] (\w+) (\S+) .*Request received", line)
    if m:
        calls.append([m.group(1).upper(), m.group(2), "?", []])
        continue
    if not calls:
        continue
    m = re.search(r'> Responding with "(\d+)"', line)
    if m:
        calls[-1][2] = m.group(1)
    elif "[VALIDATOR]" in line and ("error" in line or "warning" in line):
        calls[-1][3].append(line.split("[VALIDATOR]", 1)[1].strip())
    elif "[HTTP SERVER]" in line and "terminated with error" in line:
        calls[-1][2] = "500"
        calls[-1][3].append(line.split("[HTTP SERVER]", 1)[1].strip())
for method, path, status, violations in calls:
    print(method, path, status, *(["violations:"] + violations if violations else []))
EOF
}

prism_stop() {
  [ -n "$PRISM_PID" ] || return 0
  eb_kill_group "$PRISM_PID" TERM
  wait "$PRISM_PID" 2>/dev/null || true
  PRISM_PID=
}
