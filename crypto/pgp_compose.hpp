// Building outgoing mail, bytes ready for SMTP: PGP/MIME encrypted+signed
// with protected headers (RFC 3156, draft-ietf-lamps-header-protection),
// PGP/MIME signed, and plain text. CRLF line endings, RFC 2047 headers,
// header values cleaned of line breaks (no header injection from case data).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/gpg.hpp"

namespace embargo::crypto {

struct OutgoingHeaders {
    std::string from, to, reply_to;  // "Name <addr>" or "addr"; To may be a comma-separated list
    std::string outer_subject;       // the Subject everyone on the way sees
    std::string real_subject;        // only inside encryption (compose_encrypted)
    std::string message_id;          // with or without angle brackets
    std::string in_reply_to;         // with or without angle brackets
    std::string references;          // space-separated ids, with or without angle brackets
    std::string date;                // RFC 5322 date; empty: now
    // X-Embargo-Case, X-Embargo-Kind, Auto-Submitted, ...
    std::vector<std::pair<std::string, std::string>> extra;
};

class ComposeError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// PGP/MIME multipart/encrypted; the encrypted entity carries the protected
// headers (real Subject only inside; outer Subject = outer_subject) and is
// signed and encrypted in one OpenPGP message.
std::string compose_encrypted(Gpg& gpg, const OutgoingHeaders& h, std::string_view body_utf8,
                              const std::string& recipient_fpr, const std::string& signer_fpr);

// PGP/MIME multipart/signed, for public announcements (Subject = outer_subject).
std::string compose_signed(Gpg& gpg, const OutgoingHeaders& h, std::string_view body_utf8,
                           const std::string& signer_fpr);

// text/plain; charset=utf-8, 7bit, quoted-printable or 8bit as appropriate.
std::string compose_plain(const OutgoingHeaders& h, std::string_view body_utf8);

// Building blocks, exposed for tests.
// RFC 2047 "B" encoded-words for a header value when it is not plain ASCII
// (or has overlong words); otherwise the value unchanged. `prefix_len` is the
// length of "Name: " before it, for folding.
std::string encode_header_value(std::string_view value, std::size_t prefix_len);
// Quoted-printable (RFC 2045) of text with CRLF line breaks; "From " at a line
// start and trailing blanks are encoded, so the result is safe to sign.
std::string quoted_printable(std::string_view text);

}  // namespace embargo::crypto
