# shellcheck shell=bash disable=SC2034 # variables set here are read by the sourcing scripts
# Building mail the way reporters' and maintainers' mail clients do, with the
# gpg CLI: plain reports, PGP/MIME encrypted reports (RFC 3156) with protected
# headers and the sender's key attached, PGP/MIME signed and cleartext-signed
# replies; and reading the notifications the sink received. Every message is
# written with CRLF line ends. Needs common.sh and gpg.sh.

# stdin -> stdout with CRLF line ends (existing CRLFs are kept as they are).
crlf() { sed 's/\r$//; s/$/\r/'; }

# RFC 5322 date of an ISO 8601 / `date -d` time.
rfc5322_date() { LC_ALL=C date -u -d "$1" '+%a, %d %b %Y %H:%M:%S +0000'; }

# mail_headers FROM SUBJECT MESSAGE-ID DATE [IN-REPLY-TO [REFERENCES]]
# (ids without angle brackets; REFERENCES space-separated)
mail_headers() {
  local from=$1 subject=$2 id=$3 date=$4 irt=${5:-} refs=${6:-} r
  printf 'From: %s\nTo: secalert@example.org\nSubject: %s\nDate: %s\nMessage-ID: <%s>\n' \
    "$from" "$subject" "$(rfc5322_date "$date")" "$id"
  [ -z "$irt" ] || printf 'In-Reply-To: <%s>\n' "$irt"
  if [ -n "$refs" ]; then
    printf 'References:'
    for r in $refs; do printf ' <%s>' "$r"; done
    printf '\n'
  fi
  printf 'MIME-Version: 1.0\n'
}

# mail_plain OUT FROM SUBJECT MESSAGE-ID DATE TEXT
mail_plain() {
  local out=$1
  {
    mail_headers "$2" "$3" "$4" "$5"
    printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n' "$6"
  } | crlf >"$out"
}

# mail_encrypted_report OUT HOME SENDER-FPR TEAM-FPR FROM SUBJECT MESSAGE-ID DATE TEXT
# The real subject travels only inside (protected headers, outer "..."); the
# sender's public key is attached so the team can answer encrypted; the whole
# entity is signed and encrypted in one OpenPGP message.
mail_encrypted_report() {
  local out=$1 home=$2 sender=$3 team=$4 from=$5 subject=$6 id=$7 date=$8 text=$9 key armored
  key=$(gpg_in "$home" --armor --export "$sender")
  armored=$(
    {
      printf 'Content-Type: multipart/mixed; boundary="inner"; protected-headers="v1"\n'
      printf 'Subject: %s\n\n--inner\nContent-Type: text/plain; charset=utf-8\n\n%s\n' "$subject" "$text"
      printf -- '--inner\nContent-Type: application/pgp-keys; name="key.asc"\n'
      printf 'Content-Disposition: attachment; filename="key.asc"\n\n%s\n--inner--\n' "$key"
    } | crlf | gpg_in "$home" --trust-model always --armor --passphrase '' \
      --local-user "$sender" --sign --recipient "$team" --encrypt
  ) || eb_die "gpg could not encrypt the report to $team"
  {
    mail_headers "$from" "..." "$id" "$date"
    printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\n boundary="enc"\n\n'
    printf 'This is an OpenPGP/MIME encrypted message (RFC 3156).\n'
    printf -- '--enc\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n'
    printf -- '--enc\nContent-Type: application/octet-stream; name="encrypted.asc"\n'
    printf 'Content-Disposition: inline; filename="encrypted.asc"\n\n%s\n--enc--\n' "$armored"
  } | crlf >"$out"
}

# mail_signed_reply OUT HOME SIGNER-FPR MODE FROM SUBJECT MESSAGE-ID DATE IN-REPLY-TO REFERENCES TEXT
# MODE: pgpmime (multipart/signed, detached signature over the exact CRLF
# bytes of the first part) or clearsign (text/plain holding a signed block).
# The signature's creation time is DATE (gpg --faked-system-time).
mail_signed_reply() {
  local out=$1 home=$2 signer=$3 mode=$4 from=$5 subject=$6 id=$7 date=$8 irt=$9 refs=${10} text=${11}
  local faked part status micalg
  faked="$(date -u -d "$date" +%Y%m%dT%H%M%S)!"
  # gpg warns on stderr about the faked time: keep it for a failure report only.
  if [ "$mode" = clearsign ]; then
    {
      mail_headers "$from" "$subject" "$id" "$date" "$irt" "$refs" | crlf
      printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
      printf '%s\n' "$text" | gpg_in "$home" --faked-system-time "$faked" --passphrase '' \
        --local-user "$signer" --clearsign 2>"$out.gpg.log" | crlf
    } >"$out" || {
      cat "$out.gpg.log" >&2
      eb_die "gpg could not clearsign the reply of $from"
    }
    return
  fi
  part=$(mktemp "${out}.part.XXXXXX")
  printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n%s\n' "$text" |
    crlf >"$part"
  # The signed part ends before the CRLF that precedes the boundary.
  truncate -s -2 "$part"
  status=$(gpg_in "$home" --faked-system-time "$faked" --status-fd 3 --passphrase '' \
    --local-user "$signer" --armor --detach-sign --output "$part.asc" "$part" 3>&1 1>/dev/null 2>"$out.gpg.log") || {
    cat "$out.gpg.log" >&2
    eb_die "gpg could not sign the reply of $from"
  }
  case $(printf '%s\n' "$status" | awk '$2 == "SIG_CREATED" { print $5 }') in
    8) micalg=pgp-sha256 ;; 9) micalg=pgp-sha384 ;; 10) micalg=pgp-sha512 ;; 11) micalg=pgp-sha224 ;;
    *) micalg=pgp-sha256 ;;
  esac
  {
    mail_headers "$from" "$subject" "$id" "$date" "$irt" "$refs" | crlf
    printf 'Content-Type: multipart/signed; micalg=%s;\r\n protocol="application/pgp-signature";\r\n boundary="sig"\r\n\r\n' "$micalg"
    printf 'This is an OpenPGP/MIME signed message (RFC 3156).\r\n--sig\r\n'
    cat "$part"
    printf '\r\n--sig\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\n\r\n'
    crlf <"$part.asc"
    printf '\r\n--sig--\r\n'
  } >"$out"
  rm -f "$part" "$part.asc"
}

# quote_text: stdin -> each line prefixed with "> " (as a mail client quotes).
quote_text() { sed 's/\r$//; s/^/> /; s/^> $/>/'; }

# notification_text HOME EML: the text of a notification as its recipient
# reads it (decrypted with HOME's key when encrypted), LF line ends.
notification_text() {
  local home=$1 eml=$2
  if grep -q -- '-----BEGIN PGP MESSAGE-----' "$eml"; then
    sed -n '/-----BEGIN PGP MESSAGE-----/,/-----END PGP MESSAGE-----/p' "$eml" |
      gpg_in "$home" --decrypt 2>/dev/null | mime_text
  else
    mime_text <"$eml"
  fi
}

# stdin (a MIME entity) -> its first text/plain part, decoded.
mime_text() {
  /usr/bin/python3 -c '
import email, email.policy, sys
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
part = msg.get_body(preferencelist=("plain",)) or msg
sys.stdout.write(part.get_content().replace("\r\n", "\n"))
'
}

# header_of EML NAME: an (unfolded) header value of a stored message.
header_of() {
  /usr/bin/python3 -c '
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.compat32)
v = msg.get(sys.argv[2], "")
print(" ".join(str(v).split()))
' "$1" "$2"
}

# sink_find KIND TO [CASE]: the path of the first message of KIND (about
# CASE) that the sink delivered to TO.
sink_find() {
  local kind=$1 to=$2 case=${3:-} j e
  for j in "$SINK_MAIL"/*.json; do
    e=${j%.json}.eml
    grep -q "\"$to\"" "$j" || continue
    grep -qi "^X-Embargo-Kind: $kind"$'\r'"\?\$" "$e" || continue
    [ -z "$case" ] || grep -qi "^X-Embargo-Case: $case"$'\r'"\?\$" "$e" || continue
    printf '%s\n' "$e"
    return 0
  done
  return 1
}
