#!/usr/bin/env bash
# embargo end to end on a throwaway local setup: installs what is missing,
# builds a Release build into build/demo, starts a private Dovecot and an SMTP
# sink on loopback, generates the team's, three members' and two reporters'
# keys, delivers sample reports and signed replies, runs embargod --once over
# them (three rounds: reports, the leads' first commands, an announcement that
# also goes to a chat channel's webhook on loopback), and shows the cases, the
# mail the daemon sent, the chat post and the calls to the forge: GitHub's
# security-advisory API as its official OpenAPI description defines it,
# served by Prism on loopback (a draft advisory per case, the Fix Team's
# login as collaborator, the temporary private fork).
# Everything is removed on exit, also on failure or Ctrl-C (EB_KEEP=1 keeps
# the work directory). Exits non-zero when anything does not work.
#
# Environment: EMBARGO_BUILD_DIR (default build/demo), EMBARGO_SKIP_DEPS=1 to
# skip scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
. scripts/lib/dovecot.sh
. scripts/lib/sink.sh
. scripts/lib/webhook.sh
. scripts/lib/prism.sh
. scripts/lib/gpg.sh
. scripts/lib/config.sh
. scripts/lib/mail.sh

build=${EMBARGO_BUILD_DIR:-build/demo}
started=$(eb_now)

# --- 1. dependencies and build -------------------------------------------------
eb_section "Build"
if [ "${EMBARGO_SKIP_DEPS:-0}" != 1 ]; then
  bash scripts/install-deps.sh | sed 's/^/  /'
fi
mkdir -p "$build"
if ! cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DEMBARGO_TESTS=OFF \
  >"$build/demo-configure.log" 2>&1; then
  eb_tail "$build/demo-configure.log" 40
  eb_die "cmake configure failed (log: $build/demo-configure.log)"
fi
if ! cmake --build "$build" -j"$(nproc)" --target embargod embargoctl >"$build/demo-build.log" 2>&1; then
  eb_tail "$build/demo-build.log" 40
  eb_die "build failed (log: $build/demo-build.log)"
fi
EMBARGOD=$PWD/$build/embargod
EMBARGOCTL=$PWD/$build/embargoctl
eb_ok "embargod and embargoctl built in $build ($(eb_elapsed "$started") s)"
demo_started=$(eb_now)

# --- 2. a throwaway installation ------------------------------------------------
eb_section "Setup"
eb_workdir demo
W=$EB_WORK
dovecot_start "$W/imap"
sink_start "$W/smtp"
hook_start "$W/chat"
prism_start "$W/forge"
eb_ok "Dovecot on 127.0.0.1:$DOVECOT_PORT, SMTP sink on 127.0.0.1:$SINK_PORT, chat webhook on 127.0.0.1:$HOOK_PORT, work dir $W"
eb_ok "GitHub API (Prism serving GitHub's OpenAPI description, requests checked against it) on $PRISM_URL"

# The daemon's keyring (team key + the members' public keys) and everyone
# else's secret keys (members, reporters, a Fix Team engineer).
TEAM=$W/team-gpg PEOPLE=$W/people-gpg
gpg_home "$TEAM"
gpg_home "$PEOPLE"
team_fpr=$(gpg_gen_key "$TEAM" "Example Security Team <secalert@example.org>")
gpg_copy_public "$TEAM" "$PEOPLE" "$team_fpr"
declare -A fpr
for who in Alice Bob Carol; do
  email=${who,,}@example.org
  fpr[$email]=$(gpg_gen_key "$PEOPLE" "$who Example <$email>")
  gpg_copy_public "$PEOPLE" "$TEAM" "${fpr[$email]}"
done
# Dave is on a Fix Team, not in the security team: the operator imported his key.
fpr[dave@example.net]=$(gpg_gen_key "$PEOPLE" "Dave Engineer <dave@example.net>")
gpg_copy_public "$PEOPLE" "$TEAM" "${fpr[dave@example.net]}"
# Rita's key is not in the team's keyring: it comes attached to her report.
fpr[rita@example.com]=$(gpg_gen_key "$PEOPLE" "Rita Reporter <rita@example.com>")
eb_ok "keys: team ${team_fpr:0:16}…, alice, bob, carol, dave (Fix Team), rita (reporter)"

# The demo's clock: round 1 runs at T0, the next full minute; the reports
# arrived in the hours before; Bob is away this week.
T0=$(date -u -d "@$(($(date +%s) / 60 * 60 + 60))" +%Y-%m-%dT%H:%M:%SZ)
at() { date -u -d "$T0 $1" +%Y-%m-%dT%H:%M:%SZ; }
T1=$(at "+50 minutes")
EB_GNUPGHOME=$TEAM EB_TEAM_FPR=$team_fpr EB_DB=$W/embargo.db EB_DIGEST=
EB_MEMBERS=()
for e in alice@example.org bob@example.org carol@example.org; do
  n=${e%%@*}
  EB_MEMBERS+=("${n^} Example <$e> ${fpr[$e]}")
done
EB_AWAY=("bob@example.org $(date -u -d "$T0 -1 day" +%F) $(date -u -d "$T0 +6 days" +%F)")
CONF=$W/embargo.conf
embargo_config "$CONF"
# The #general channel's incoming webhook: its URL is a secret, so it lives in
# an owner-only file; only the public announcements may go there.
printf '%s\n' "$HOOK_URL/hooks/general/demo-secret-token" >"$W/chat-general.url"
chmod 600 "$W/chat-general.url"
printf '\n[chat]\ntarget = general slack %s announcement,release-announcement\n' \
  "$W/chat-general.url" >>"$CONF"
# The forge: GitHub repository security advisories of example/proxy; the
# token is a secret in an owner-only file; Dave's GitHub login.
printf '%s\n' "ghp_demoSecretToken0123456789abcdefghij" >"$W/github.token"
chmod 600 "$W/github.token"
printf '\n[forge]\ntype = github\napi_url = %s\nrepository = example/proxy\ntoken_file = %s\nlogin = dave@example.net dave-engineer\n' \
  "$PRISM_URL" "$W/github.token" >>"$CONF"
eb_ok "config $CONF: team alice, bob (away), carol; digest off; encrypt = required; announcements also to chat; advisories on the forge"

embargod_round() {
  local now=$1 rc=0
  printf '\n--- embargod --once --now %s\n' "$now" >>"$W/embargod.log"
  "$EMBARGOD" --config "$CONF" --once --now "$now" --log-level info 2>>"$W/embargod.log" || rc=$?
  if [ "$rc" -ne 0 ]; then
    eb_tail "$W/embargod.log" 30
    eb_die "embargod --once --now $now exited with $rc (log above)"
  fi
}
ctl() { "$EMBARGOCTL" --config "$CONF" --now "${T2:-$T1}" "$@"; }

# --- 3. round 1: three reports ---------------------------------------------------
eb_section "Round 1: three reports arrive ($T0)"
M=$W/mail
mkdir -p "$M"
subject="Heap overflow in the HTTP/2 header parser"
mail_plain "$M/1.eml" "Eve Reporter <eve@example.net>" "$subject" "eve-1@example.net" "$(at '-3 hours')" \
  "Hello security team,

a HEADERS frame whose decoded header block exceeds 70000 bytes overflows the
8 KiB stack buffer in hpack_decode(); a remote client crashes the proxy and
can likely run code. Reproducer: h2load -H \"x: \$(head -c 70000 /dev/zero | tr '\\0' a)\".
Affects 1.13.4 and master.

Eve"
dovecot_deliver "$M/1.eml" "$(at '-3 hours')"
eb_step "plain report from eve@example.net: \"$subject\""

mail_encrypted_report "$M/2.eml" "$PEOPLE" "${fpr[rita@example.com]}" "$team_fpr" \
  "Rita Reporter <rita@example.com>" "Admin API accepts unsigned session cookies" \
  "rita-1@example.com" "$(at '-2 hours')" \
  "The admin API on :9901 accepts a session cookie whose HMAC is empty, so
anyone who can reach the port is an administrator. My key is attached.

Rita"
dovecot_deliver "$M/2.eml" "$(at '-2 hours')"
eb_step "PGP/MIME report from rita@example.com: encrypted, signed, protected subject, key attached"

mail_plain "$M/3.eml" "Eve Reporter <eve@example.net>" "$subject" "eve-2@example.net" "$(at '-1 hour')" \
  "Hello again, re-sending in case my first mail got lost: a HEADERS frame whose
decoded header block exceeds 70000 bytes overflows the 8 KiB stack buffer in
hpack_decode().

Eve"
dovecot_deliver "$M/3.eml" "$(at '-1 hour')"
eb_step "the same report again from eve@example.net (same subject, an hour later)"

embargod_round "$T0"
cases_json=$(ctl cases --json)
case_of() {
  # The id of the case whose reporters include $1.
  printf '%s' "$cases_json" | /usr/bin/python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if sys.argv[1] in c["reporters"]:
        print(c["id"])
        break' "$1"
}
C1=$(case_of eve@example.net)
C2=$(case_of rita@example.com)
[ -n "$C1" ] && [ -n "$C2" ] && [ "$C1" != "$C2" ] ||
  eb_die "expected two cases (eve's and rita's); embargoctl cases says: $cases_json"
eb_ok "embargod filed them into $C1 (eve, 2 reports) and $C2 (rita); $(sink_count) mails sent"
eb_ok "forge: $(prism_calls | grep -c 'security-advisories ') draft advisories created (one per case, no report text)"

# --- 4. round 2: the leads answer ----------------------------------------------
eb_section "Round 2: the Fix Leads reply to their new-case notices ($T1)"
# A member's reply goes under the notice: In-Reply-To its Message-ID,
# References its References + its Message-ID; the text quotes it (the quoted
# "Case: ID" line is what ties the signature to the case).
reply_to_notice() {
  local out=$1 case=$2 member=$3 mode=$4 id=$5 commands=$6 when=${7:-+45 minutes}
  local notice irt refs text name
  notice=$(sink_find new-case "$member" "$case") || eb_die "no new-case notice of $case reached $member"
  irt=$(header_of "$notice" Message-ID | tr -d '<>')
  refs="$(header_of "$notice" References | tr -d '<>') $irt"
  text="$commands

$(notification_text "$PEOPLE" "$notice" | quote_text)"
  grep -q "^> Case: " <<<"$text" || eb_die "the new-case notice to $member has no Case: line"
  name=${member%%@*}
  mail_signed_reply "$out" "$PEOPLE" "${fpr[$member]}" "$mode" "${name^} Example <$member>" \
    "Re: $(header_of "$notice" Subject)" "$id" "$(at "$when")" "$irt" "$refs" "$text"
}
lead1=$(ctl show "$C1" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["lead"])')
lead2=$(ctl show "$C2" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["lead"])')
reply_to_notice "$M/4.eml" "$C1" "$lead1" pgpmime "lead-1@example.org" \
  "Confirmed, I take it. Dave knows the HPACK code.

/cc dave@example.net
/fork
/cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
/affects 1.13.4 master"
dovecot_deliver "$M/4.eml" "$(at '+45 minutes')"
eb_step "$lead1 ($C1): PGP/MIME signed: /cc dave@example.net, /fork, /cvss 9.8, /affects 1.13.4 master"

reply_to_notice "$M/5.eml" "$C2" "$lead2" clearsign "lead-2@example.org" \
  "Only reachable from localhost in the default configuration.

/cvss CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:U/C:L/I:N/A:N
/slow needs local admin access and a non-default listener"
dovecot_deliver "$M/5.eml" "$(at '+46 minutes')"
eb_step "$lead2 ($C2): cleartext-signed: /cvss 1.9, /slow with a reason"

before=$(sink_count)
embargod_round "$T1"
eb_ok "$(($(sink_count) - before)) more mails sent"
[ "$(hook_count)" -eq 0 ] || eb_die "something was posted to chat before any announcement"
eb_ok "nothing posted to chat: new cases, command results and relays stay in encrypted mail"
eb_ok "forge: dave-engineer made a collaborator on $C1's advisory, its private fork requested; the fork's URL mailed encrypted to the lead and Fix Team"

# --- 5. round 3: the announcement, by mail and to chat ---------------------------
T2=$(at "+100 minutes")
eb_section "Round 3: $lead1 announces the fix for $C1 ($T2)"
release=$(at "+3 days")
reply_to_notice "$M/6.eml" "$C1" "$lead1" pgpmime "lead-3@example.org" \
  "/fixed
/release-date $release
/mitigation Limit HTTP/2 header blocks to 16 KiB (http2_max_header_size = 16k)
/announce" "+95 minutes"
dovecot_deliver "$M/6.eml" "$(at '+95 minutes')"
eb_step "$lead1 ($C1): PGP/MIME signed: /fixed, /release-date $release, /mitigation, /announce"
before=$(sink_count)
embargod_round "$T2"
hook_wait 1 10 || eb_die "the announcement did not reach the chat webhook (embargoctl outbox: $(ctl outbox))"
eb_ok "$(($(sink_count) - before)) more mails sent; $(hook_count) post to the chat webhook"

# --- 6. what the daemon knows now -----------------------------------------------
eb_section "embargoctl cases"
ctl cases | sed 's/^/  /'
eb_section "embargoctl show $C1"
ctl show "$C1" | sed 's/^/  /'
eb_section "embargoctl rotation"
ctl rotation | sed 's/^/  /'
eb_section "Mail the SMTP sink received"
sink_table
eb_section "The chat post (Slack incoming-webhook JSON, its text)"
post=$(cat "$HOOK_POSTS"/000001.body)
printf '%s' "$post" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["text"])' | sed 's/^/  /'
eb_section "Forge calls Prism received (method, path, its answer), in order"
prism_calls | sed 's/^/  /'
eb_section "embargoctl audit"
ctl audit | sed 's/^/  /'

# --- 7. the demo checks itself ---------------------------------------------------
check=$(ctl show "$C1" --json | /usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)
problems = []
def want(cond, what):
    if not cond: problems.append(what)
want(c["reports"] == 2, "the re-sent report did not join the case")
want(c["fix_team"] == ["dave@example.net"], "/cc did not add dave")
want(c["cvss"] and c["cvss"]["score"] == 9.8, "/cvss was not applied")
want(c["release_plan"] == "patch-release", "/affects did not derive a patch release")
want(c["state"] == "announced", "the case is not in state announced")
print("; ".join(problems))')
[ -z "$check" ] || eb_die "$C1: $check"
kinds=$(for j in "$SINK_MAIL"/*.eml; do header_of "$j" X-Embargo-Kind; done | sort | uniq -c |
  awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
for k in ack new-case duplicate command-result relay slowed announcement private-fork; do
  grep -qw -- "$k" <<<"$kinds" || eb_die "no $k notification was sent (sent: $kinds)"
done
[ "$(ctl outbox --json)" = "[]" ] || eb_die "the outbox still holds mail: $(ctl outbox)"
# The one chat post: the public announcement, nothing of the report.
[ "$(hook_count)" -eq 1 ] || eb_die "expected one chat post, got $(hook_count)"
grep -qF "Forthcoming security release of Example Proxy on $release" <<<"$post" ||
  eb_die "the chat post is not the announcement: $post"
for secret in hpack_decode "Heap overflow" eve@example.net "AV:N/AC:L"; do
  ! grep -qF -- "$secret" <<<"$post" || eb_die "the chat post leaks \"$secret\": $post"
done
! grep -qF demo-secret-token "$W/embargod.log" || eb_die "the webhook URL appears in embargod.log"
# The forge: one draft advisory per case, then C1's collaborators and fork,
# every request within GitHub's contract, nothing of the reports in them.
ghsa=$(ctl show "$C1" --json | /usr/bin/python3 -c 'import json,sys; a=json.load(sys.stdin)["advisory"]; print(a["ghsa_id"] if a and a["fork_url"] else "")')
[ -n "$ghsa" ] || eb_die "$C1 has no advisory with a fork: $(ctl show "$C1" --json)"
calls=$(prism_calls)
want_calls="POST /repos/example/proxy/security-advisories 201
POST /repos/example/proxy/security-advisories 201
PATCH /repos/example/proxy/security-advisories/$ghsa 200
POST /repos/example/proxy/security-advisories/$ghsa/forks 202"
[ "$calls" = "$want_calls" ] || eb_die "forge calls: expected
$want_calls
got
$calls"
# What embargod sent in those calls, byte for byte (kept in its outbox).
forge_bodies=$(/usr/bin/python3 -c '
import json, sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for kind, body in db.execute("SELECT kind, body FROM outbox WHERE recipient LIKE ? ORDER BY id", ("forge:%",)):
    print(kind, json.dumps(body.decode() if isinstance(body, bytes) else body))' "$W/embargo.db")
[ "$(wc -l <<<"$forge_bodies")" -eq 4 ] || eb_die "expected 4 forge calls in the outbox: $forge_bodies"
for secret in hpack_decode "Heap overflow" eve@example.net rita@example.com "unsigned session" "BEGIN PGP"; do
  ! grep -qF -- "$secret" <<<"$forge_bodies" || eb_die "a forge call carried \"$secret\": $forge_bodies"
done
! grep -qF ghp_demoSecretToken "$W/embargod.log" || eb_die "the forge token appears in embargod.log"
ctl audit >/dev/null || eb_die "embargoctl audit failed"

eb_section "Done"
eb_ok "sent: $kinds; 1 chat post (the announcement); $(wc -l <<<"$calls") forge calls, all within GitHub's contract"
eb_ok "demo ran in $(eb_elapsed "$demo_started") s after the build; cleaning up"
