# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# Shared helpers for scripts/demo.sh and bench/*.sh: output formatting, a
# private work directory removed on exit, free loopback ports, and a cleanup
# stack that runs on every exit path (error, Ctrl-C, SIGTERM).
# Source it; it sets no shell options of its own.

# --- output ------------------------------------------------------------------
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  EB_BOLD=$'\e[1m' EB_DIM=$'\e[2m' EB_RED=$'\e[31m' EB_GREEN=$'\e[32m' EB_CYAN=$'\e[36m' EB_OFF=$'\e[0m'
else
  EB_BOLD='' EB_DIM='' EB_RED='' EB_GREEN='' EB_CYAN='' EB_OFF=''
fi

eb_section() { printf '\n%s== %s ==%s\n' "$EB_BOLD$EB_CYAN" "$*" "$EB_OFF"; }
eb_step() { printf '%s-%s %s\n' "$EB_DIM" "$EB_OFF" "$*"; }
eb_ok() { printf '%s✓%s %s\n' "$EB_GREEN" "$EB_OFF" "$*"; }
eb_warn() { printf '%swarning:%s %s\n' "$EB_RED" "$EB_OFF" "$*" >&2; }
eb_die() {
  printf '%serror:%s %s\n' "$EB_RED$EB_BOLD" "$EB_OFF" "$*" >&2
  exit 1
}

# Prints the last lines of a log file, indented, for a failure report.
eb_tail() {
  local file=$1 n=${2:-25}
  [ -s "$file" ] || return 0
  printf '%s--- last %s lines of %s ---%s\n' "$EB_DIM" "$n" "$file" "$EB_OFF" >&2
  tail -n "$n" "$file" | sed 's/^/  /' >&2
}

# Seconds since the epoch with milliseconds, for timing.
eb_now() { date +%s.%N | cut -c1-14; }
# eb_elapsed START -> "12.3" (seconds since START, one decimal)
eb_elapsed() { awk -v s="$1" -v e="$(eb_now)" 'BEGIN { printf "%.1f", e - s }'; }

# --- cleanup -------------------------------------------------------------------
# Commands pushed with eb_on_exit run in reverse order when the script exits,
# however it exits. INT/TERM become an exit so that the EXIT trap runs once.
EB_CLEANUP=()
eb_on_exit() { EB_CLEANUP+=("$*"); }
eb__run_cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  for ((i = ${#EB_CLEANUP[@]} - 1; i >= 0; i--)); do
    eval "${EB_CLEANUP[$i]}" >/dev/null 2>&1 || true
  done
  exit "$rc"
}
eb_traps() {
  trap eb__run_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
eb_traps
# A subshell ( ... ) or $( ... ) does not inherit the EXIT trap: one that
# starts servers calls eb_subshell first, so that they stop with it.
eb_subshell() {
  EB_CLEANUP=()
  eb_traps
}

# eb_workdir TAG: creates a short private directory under /tmp (gpg-agent
# sockets live in GNUPGHOME, whose path must stay well under 88 characters)
# and sets EB_WORK to it; removed on exit unless EB_KEEP=1. Not in $(...):
# the cleanup must be registered in the main shell.
eb_workdir() {
  EB_WORK=$(mktemp -d "/tmp/eb-${1:-x}.XXXXXX")
  # Dovecot's unprivileged processes must be able to traverse it.
  chmod 755 "$EB_WORK"
  if [ "${EB_KEEP:-0}" = 1 ]; then
    echo "EB_KEEP=1: the work directory $EB_WORK stays" >&2
  else
    eb_on_exit "rm -rf '$EB_WORK'"
  fi
}

# --- ports and processes -----------------------------------------------------
# A free TCP port on 127.0.0.1 (bound then released: callers retry on a lost race).
eb_free_port() {
  /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# True when something accepts connections on 127.0.0.1:PORT.
eb_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# eb_wait_port PORT PID SECONDS: waits until PORT accepts connections; fails
# early when PID has exited.
eb_wait_port() {
  local port=$1 pid=$2 tries=$(($3 * 50))
  while ((tries-- > 0)); do
    eb_port_open "$port" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}

# Kills the process group led by PID (started with setsid) and waits for it.
eb_kill_group() {
  local pid=$1 sig=${2:-TERM} tries=250
  [ -n "$pid" ] || return 0
  kill "-$sig" -- "-$pid" 2>/dev/null || return 0
  while ((tries-- > 0)) && kill -0 -- "-$pid" 2>/dev/null; do sleep 0.02; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

# Runs "$@" and exits with a clear message when it fails.
eb_run() {
  "$@" || eb_die "command failed ($?): $*"
}

# The repository root (scripts/lib/ is two levels below it).
EB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
