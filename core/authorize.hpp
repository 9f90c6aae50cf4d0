// Who may give commands (SPEC section 5): team members only and, with
// require_signed_commands, only in content signed by the member's configured
// key that names the case it is aimed at, not replayed and not stale. Pure:
// the caller supplies what the crypto layer and the database know.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"

namespace embargo::authorize {

enum class SignatureStatus {
    None,         // no signature at all
    Good,         // verified, key usable
    Bad,          // does not verify: the content was changed
    KeyExpired,   // verifies, but the key has expired
    KeyRevoked,   // verifies, but the key is revoked
    NoPublicKey,  // the signer's key is not in the keyring
    Error,        // could not be checked
};
std::string_view to_string(SignatureStatus s);

struct Request {
    std::string from;  // the sender (From): an address or "Name <address>", any case
    SignatureStatus signature = SignatureStatus::None;
    // What the verifier said of a signature that is not Good (named in the refusal).
    std::string signature_error;
    // Fingerprints the signature is attributed to: the signing (sub)key and
    // its primary key. One must equal the member's configured fingerprint.
    std::vector<std::string> signer_fingerprints;
    std::optional<TimePoint> signature_time;  // creation time inside the signature
    std::optional<TimePoint> received_at;     // when the message arrived (`now` when unset)
    std::string signed_text;                  // the signed (decrypted) text, quoted lines included
    std::string protected_subject;  // Subject from protected headers inside the signed part
    std::string case_id;            // the case the message was threaded into
    bool message_id_seen = false;   // a message with this Message-ID was processed before
    bool signature_seen = false;    // this exact signature was seen before
};

enum class Verdict {
    Allowed,  // apply the commands
    Refused,  // a member's commands are refused: answer with `reason`
    Ignored,  // not a member: do nothing, never answer (log it)
};

struct Decision {
    Verdict verdict = Verdict::Ignored;
    // Why, for the command-result to a member (Refused) or the log (Ignored).
    // Holds no message content.
    std::string reason;
    // Set the case flag "unsigned-commands-ignored" (unsigned commands refused).
    bool flag_unsigned = false;
    std::string member;  // the member's address when From is a member
};

// Signatures older than this are refused: an old signed mail re-sent is a replay.
inline constexpr std::chrono::days kMaxSignatureAge{7};

Decision decide(const Config& cfg, const Request& req, TimePoint now);

// Whether `text` names `case_id` as a whole token (any case): "[EMST-2026-0001]"
// does, "EMST-2026-00012" does not.
bool names_case(std::string_view text, std::string_view case_id);

}  // namespace embargo::authorize
