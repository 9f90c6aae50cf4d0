# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# A throwaway Debian 12 machine booted with systemd as PID 1 in
# systemd-nspawn, for tests/scripts/nspawn_test.sh (docs/operations.md has
# the same steps by hand). The debootstrapped root is cached (it takes
# minutes to make); every boot runs on an overlay above it, so the cache is
# never changed and the upper layer is thrown away. Needs root, debootstrap,
# systemd-container (systemd-nspawn) and util-linux (nsenter, flock), and
# common.sh. The container shares the host's network: servers on the host's
# loopback are reachable from inside as 127.0.0.1.
#
# nspawn_root CACHE PACKAGES...  makes sure CACHE is a Debian 12 root with
#                                systemd, dbus and PACKAGES installed
# nspawn_boot CACHE DIR          overlay in DIR/root (NSPAWN_ROOT), boots it;
#                                sets NSPAWN_PID (systemd-nspawn), NSPAWN_LEADER
# nspawn_prepare_exec ARGS...    runs ARGS in NSPAWN_ROOT before the boot (dpkg -i)
# ct ARGS...                     runs ARGS inside the booted machine, as root
# nspawn_poweroff                orderly shutdown; unmounts the overlay

NSPAWN_SUITE=bookworm
NSPAWN_MIRROR=${EMBARGO_DEBIAN_MIRROR:-http://deb.debian.org/debian}
NSPAWN_BASE_PACKAGES=systemd,systemd-sysv,dbus
NSPAWN_PID=
NSPAWN_LEADER=
NSPAWN_ROOT=
NSPAWN_DIR=

# The root, in two steps keyed by stamps: debootstrap of the base (suite,
# mirror, base packages), then PACKAGES installed with apt inside. A changed
# package list only reruns the apt step; the same key reuses the root.
nspawn_root() {
  local cache=$1 base extra lock rc=0
  shift
  base="suite=$NSPAWN_SUITE mirror=$NSPAWN_MIRROR base=$NSPAWN_BASE_PACKAGES"
  extra="$base extra=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')"
  mkdir -p "$(dirname "$cache")"
  exec {lock}>"$cache.lock"
  flock "$lock"
  nspawn__root_locked "$cache" "$base" "$extra" "$@" || rc=$?
  flock -u "$lock"
  exec {lock}>&-
  return "$rc"
}

nspawn__root_locked() {
  local cache=$1 base=$2 extra=$3
  shift 3
  if [ "$(cat "$cache/.embargo-stamp" 2>/dev/null)" = "$extra" ]; then
    return 0
  fi
  if [ "$(cat "$cache/.embargo-base" 2>/dev/null)" != "$base" ]; then
    eb_step "debootstrap $NSPAWN_SUITE into $cache (kept for the next run; a few minutes)"
    rm -rf "$cache.new"
    if ! debootstrap --variant=minbase --include="$NSPAWN_BASE_PACKAGES" \
      "$NSPAWN_SUITE" "$cache.new" "$NSPAWN_MIRROR" >"$cache.debootstrap.log" 2>&1; then
      eb_tail "$cache.debootstrap.log" 30
      rm -rf "$cache.new"
      eb_warn "debootstrap failed (log $cache.debootstrap.log)"
      return 1
    fi
    # A machine id is made at each boot on the overlay, never kept in the cache.
    : >"$cache.new/etc/machine-id"
    printf '%s' "$base" >"$cache.new/.embargo-base"
    rm -rf "$cache"
    mv "$cache.new" "$cache"
  fi
  eb_step "installing $* into $cache"
  rm -f "$cache/.embargo-stamp"
  if ! systemd-nspawn --quiet --register=no --keep-unit --pipe -D "$cache" \
    env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq &&
      apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' sh "$@" \
    >"$cache.apt.log" 2>&1; then
    eb_tail "$cache.apt.log" 30
    eb_warn "apt-get install in $cache failed (log $cache.apt.log)"
    return 1
  fi
  : >"$cache/etc/machine-id"
  printf '%s' "$extra" >"$cache/.embargo-stamp"
}

nspawn__mount() {
  local cache=$1 d=$2
  mkdir -p "$d/upper" "$d/ovwork" "$d/root"
  mount -t overlay overlay -o "lowerdir=$cache,upperdir=$d/upper,workdir=$d/ovwork" "$d/root" ||
    eb_die "cannot mount an overlay over $cache at $d/root"
  NSPAWN_ROOT=$d/root
  NSPAWN_DIR=$d
  eb_on_exit "nspawn_poweroff"
}

# Runs a command in the root before it boots (no systemd running there).
nspawn_prepare_exec() {
  systemd-nspawn --quiet --register=no --keep-unit --pipe -D "$NSPAWN_ROOT" "$@"
}

# The container's PID 1: the child of systemd-nspawn in another PID
# namespace. A child that is exiting (systemd-nspawn's short-lived helper
# processes) has no namespace links left, so an empty readlink is no answer:
# taking it for the leader made `ct` fail on a container that had booted.
nspawn__find_leader() {
  local child ns own
  own=$(readlink /proc/self/ns/pid)
  NSPAWN_LEADER=
  for child in $(ps -o pid= --ppid "$NSPAWN_PID" 2>/dev/null); do
    ns=$(readlink "/proc/$child/ns/pid" 2>/dev/null) || continue
    if [ -n "$ns" ] && [ "$ns" != "$own" ]; then
      NSPAWN_LEADER=$child
      return 0
    fi
  done
  return 1
}

nspawn_boot() {
  local cache=$1 d=$2 tries
  [ -n "$NSPAWN_ROOT" ] || nspawn__mount "$cache" "$d"
  setsid systemd-nspawn --quiet --register=no --keep-unit --boot --console=read-only \
    --machine="eb$$" -D "$NSPAWN_ROOT" </dev/null >"$d/console.log" 2>&1 &
  NSPAWN_PID=$!
  tries=500
  while ((tries-- > 0)); do
    kill -0 "$NSPAWN_PID" 2>/dev/null || break
    nspawn__find_leader && break
    sleep 0.02
  done
  if [ -z "$NSPAWN_LEADER" ]; then
    eb_tail "$d/console.log" 30
    eb_die "systemd-nspawn did not start a container (console above)"
  fi
  # Wait for the boot to settle: "running", or "degraded" when a unit
  # irrelevant here failed (listed by the caller if it matters).
  tries=600
  while ((tries-- > 0)); do
    case "$(ct systemctl is-system-running 2>/dev/null)" in
      running | degraded) return 0 ;;
    esac
    kill -0 "$NSPAWN_PID" 2>/dev/null || break
    # Not the leader after all (it is gone while systemd-nspawn runs): look again.
    [ -e "/proc/$NSPAWN_LEADER/ns/pid" ] || nspawn__find_leader || true
    sleep 0.1
  done
  eb_tail "$d/console.log" 30
  echo "--- state: $(ct systemctl is-system-running 2>&1); jobs still queued:"
  ct systemctl list-jobs --no-pager 2>&1 | head -20
  eb_die "the container did not finish booting (console and jobs above)"
}

ct() {
  nsenter --target "$NSPAWN_LEADER" --mount --uts --ipc --net --pid --root --wd=/ \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

# Poweroff through systemd-nspawn (SIGTERM asks the container's init to shut
# down), SIGKILL if it takes more than 60 s, then the overlay goes.
nspawn_poweroff() {
  local tries
  if [ -n "$NSPAWN_PID" ]; then
    kill -TERM "$NSPAWN_PID" 2>/dev/null || true
    tries=600
    while ((tries-- > 0)) && kill -0 "$NSPAWN_PID" 2>/dev/null; do sleep 0.1; done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
      eb_warn "the container did not power off within 60 s: killing it"
      eb_kill_group "$NSPAWN_PID" KILL
    fi
    wait "$NSPAWN_PID" 2>/dev/null || true
    NSPAWN_PID=
    NSPAWN_LEADER=
  fi
  if [ -n "$NSPAWN_ROOT" ]; then
    umount "$NSPAWN_ROOT" 2>/dev/null || umount -l "$NSPAWN_ROOT" 2>/dev/null || true
    NSPAWN_ROOT=
  fi
}
