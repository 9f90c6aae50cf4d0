# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# GnuPG homes and keys for the demo and the benchmarks, with the gpg CLI.
# Keys are ed25519 (sign) + cv25519 (encrypt) without passphrase: made in
# a few milliseconds. Needs common.sh.
#
# gpg_home DIR                 creates a GnuPG home (agent stopped on exit)
# gpg_in HOME ARGS...          gpg --batch against HOME
# gpg_gen_key HOME 'Name <e@x>' [faked-time]   prints the new key's fingerprint
# gpg_copy_public FROM TO FPR  imports FPR's public key from FROM into TO

gpg_home() {
  local h=$1
  mkdir -p "$h"
  chmod 700 "$h"
  # Loopback pinentry: nothing may ever prompt.
  echo "allow-loopback-pinentry" >"$h/gpg-agent.conf"
  echo "pinentry-mode loopback" >"$h/gpg.conf"
  eb_on_exit "GNUPGHOME='$h' gpgconf --kill gpg-agent"
}

gpg_in() {
  local h=$1
  shift
  GNUPGHOME=$h gpg --batch --no-tty --quiet "$@"
}

gpg_gen_key() {
  local h=$1 uid=$2 out fpr
  out=$(gpg_in "$h" --status-fd 1 --passphrase '' --quick-gen-key "$uid" future-default default never) ||
    eb_die "gpg could not create a key for $uid"
  fpr=$(printf '%s\n' "$out" | awk '$2 == "KEY_CREATED" { print $4 }')
  [ -n "$fpr" ] || eb_die "gpg printed no fingerprint for $uid"
  printf '%s\n' "$fpr"
}

gpg_copy_public() {
  gpg_in "$1" --armor --export "$3" | gpg_in "$2" --import 2>/dev/null ||
    eb_die "could not copy key $3 from $1 to $2"
}
