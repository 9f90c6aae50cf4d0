// What the pipeline needs to know about one incoming message, read from its
// MIME structure and, where it is PGP, from its decrypted and verified
// content. Built before the database transaction (parsing and gpg are slow).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"

namespace embargo::crypto {
class Gpg;
}

namespace embargo::daemon {

struct IncomingMessage;

struct MessageView {
    std::string message_id;  // synthesised from the content hash when absent
    std::string content_hash;
    std::string in_reply_to;
    std::vector<std::string> references;
    std::string from;  // lower-case address
    std::string from_name;
    std::string subject;  // protected subject when there is one; confidential
    std::string norm_subject;
    std::string text;  // readable (decrypted) text; confidential
    bool encrypted = false;
    bool undecryptable = false;
    std::string signature = "none";  // none | valid | invalid
    std::string signed_by;           // fingerprint of a valid signature
    std::string signature_error;     // why an invalid signature is invalid (gpg's reason)
    std::optional<TimePoint> signed_at;
    std::string signed_text;  // text covered by the valid signature
    std::optional<std::string> protected_subject;
    bool protected_subject_signed = false;  // inside the part the valid signature covers
    std::vector<std::string> imported_keys;
    std::vector<std::string> flags;     // undecryptable, oversized, malformed
    std::vector<std::string> problems;  // for the log; never content
    // Loop safety: auto-replies, bounces, lists and our own mail get no answer.
    bool automated = false;
};

MessageView view_message(const IncomingMessage& in, const Config& cfg, crypto::Gpg* gpg);

}  // namespace embargo::daemon
