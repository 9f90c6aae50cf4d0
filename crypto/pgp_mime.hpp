// Opening incoming mail: finds every form of OpenPGP a mail client sends
// (PGP/MIME encrypted and signed, inline PGP in text or HTML, .asc/.gpg/.pgp
// attachments, Exchange-mangled PGP/MIME, cleartext signatures, protected
// headers, attached public keys), decrypts and verifies them with Gpg, and
// reduces the result to the text, signature and subject the daemon needs.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"
#include "crypto/gpg.hpp"
#include "parsers/mime.hpp"

namespace embargo::crypto {

// A leaf found inside encrypted content (the outer attachments are in
// mime::Message::attachments already).
struct DecryptedAttachment {
    std::string filename;      // as named by the sender; may be empty
    std::string content_type;  // "application/octet-stream"
    std::string data;          // decoded bytes
};

struct OpenedMessage {
    bool encrypted = false;      // any PGP encryption found
    bool undecryptable = false;  // encrypted but we could not decrypt (no key / corrupt)
    SignatureInfo signature;     // the best signature found (Valid beats Invalid beats None)
    // Effective plain text for humans/commands, UTF-8 (decrypted where it was
    // encrypted). Never logged.
    std::string text;
    // Exactly the text covered by the Valid signature ("" when none): used to
    // authorise commands.
    std::string signed_text;
    // Subject from protected headers inside the encrypted/signed part.
    std::optional<std::string> protected_subject;
    // The protected Subject is covered by the Valid `signature` (so it can name
    // the case of a signed command).
    bool protected_subject_signed = false;
    std::vector<std::string>
        imported_keys;  // fingerprints imported from application/pgp-keys parts
    std::vector<DecryptedAttachment> attachments;  // non-text leaves from inside encryption
    std::vector<std::string> problems;             // no content in here, ever
};

// `raw` is the message `msg` was parsed from (signed parts are verified over
// its exact bytes). `max_keys` and `max_key_bytes` cap key imports for the
// whole message. Never throws for bad input; GpgError only when the GnuPG
// home itself is unusable.
OpenedMessage open_message(Gpg& gpg, const mime::Message& msg, std::string_view raw,
                           const mime::Limits& limits, std::size_t max_keys,
                           std::size_t max_key_bytes);

// Plain text of an HTML body (core/text.hpp), also reachable from here.
using embargo::html_to_text;

}  // namespace embargo::crypto
