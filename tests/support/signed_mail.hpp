// A team member's side of the mail exchange, for end-to-end tests: building
// replies to notifications the way a PGP-capable mail client does (PGP/MIME
// signed, PGP/MIME signed+encrypted to the team key, cleartext-signed or
// unsigned), with the signing time set by gpg --faked-system-time so that a
// test's clock (embargod --now) and its signatures agree; and opening the
// notifications the SMTP sink received (decrypt, verify, decode) with the
// recipient's key, independently of the code under test.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "tests/support/gpg_home.hpp"
#include "tests/support/smtp_sink.hpp"

namespace embargo::test {

// How a reply is protected.
enum class Protection {
    Unsigned,          // text/plain
    PgpMimeSigned,     // multipart/signed (RFC 3156), detached signature
    PgpMimeEncrypted,  // multipart/encrypted, signed and encrypted in one OpenPGP message
    ClearSigned,       // text/plain holding a cleartext-signed block
};

struct Reply {
    std::string from;  // "Alice Example <alice@example.org>"
    std::string to = "secalert@example.org";
    std::string subject;      // outer Subject
    std::string message_id;   // without <>; generated when empty
    std::string in_reply_to;  // without <>
    std::string references;   // space-separated ids without <>
    std::string date;         // RFC 5322; from signed_at (or a fixed date) when empty
    std::string text;         // what the member writes (LF line ends): commands, quotes, ...
    Protection protection = Protection::PgpMimeSigned;
    std::string signer_fpr;  // secret key in the GpgHome given to build_reply
    std::string team_fpr;    // recipient key for PgpMimeEncrypted
    // The signature's creation time (gpg --faked-system-time); the current
    // time when empty. May lie before the signing key's creation (which the
    // daemon must refuse).
    std::optional<TimePoint> signed_at;
    // Subject in protected headers inside the signed/encrypted part (PGP/MIME only).
    std::string protected_subject;
};

// Threads `r` under a notification the sink received: In-Reply-To its
// Message-ID, References its References plus its Message-ID, and
// "Re: <its Subject>" when r.subject is empty.
void thread_under(Reply& r, const ReceivedMail& notification);

// The usual reply text: the member's lines, a blank line, then the quoted
// notification text ("> " + each line; "Case: ID" is its first line).
std::string reply_text(const std::string& own_lines, const std::string& quoted);

// The whole message, CRLF line ends, ready for DaemonEnv::deliver. Signing and
// encryption use `home` (which holds the signer's secret key and the team's
// public key).
std::string build_reply(GpgHome& home, const Reply& r);

// The signed part of a PGP/MIME signed message: the exact bytes after the
// first "--BOUNDARY\r\n" up to, not including, the "\r\n--BOUNDARY" that
// follows (RFC 3156 section 5). Empty when the message has no such part.
std::string signed_part_of(const std::string& raw);

// A notification as its recipient reads it.
struct OpenedNotification {
    std::string content_type;   // outer Content-Type value, lower-cased type/subtype only
    bool encrypted = false;     // multipart/encrypted
    bool decrypted = false;     // ... and it decrypted with the recipient's key
    bool signed_ok = false;     // good signature by `signer_fpr` (inside or detached)
    std::string inner_subject;  // Subject of the (protected) entity holding the text
    std::string text;           // the decoded body text, LF line ends
    std::vector<std::string> encrypted_to;  // long key ids of the ENC_TO packets
    std::string gpg_status;                 // for diagnostics
};

// Opens a notification with the keys in `home` (the recipient's secret key
// and the team's public key); signatures are checked against `signer_fpr`.
OpenedNotification open_notification(GpgHome& home, const ReceivedMail& m,
                                     const std::string& signer_fpr);

// Long key ids (16 upper-case hex digits) of the encryption-capable
// (sub)keys of the key `fpr` in `home`: what ENC_TO names for that person.
std::vector<std::string> encryption_key_ids(GpgHome& home, const std::string& fpr);

// Message-ID of a received mail without the angle brackets.
std::string message_id_of(const ReceivedMail& m);

}  // namespace embargo::test
