// Command authorization rules of SPEC section 5. Checks run from the cheapest
// and most telling to the most specific, and the first failure decides.
#include "core/authorize.hpp"

#include <cctype>

#include "core/notice_text.hpp"

namespace embargo::authorize {
namespace {

// The address of a From value: "Alice <alice@example.org>" or a bare address.
std::string address_of(std::string_view s) {
    std::size_t open = s.rfind('<');
    if (open != std::string_view::npos) {
        std::size_t close = s.find('>', open);
        if (close != std::string_view::npos) s = s.substr(open + 1, close - open - 1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

// Upper case without blanks: "0123 4567 ..." as gpg prints it equals the bare form.
std::string normal_fingerprint(std::string_view s) {
    std::string out;
    for (char ch : s)
        if (!std::isspace(static_cast<unsigned char>(ch)))
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

bool id_char(char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
}

Decision refuse(const Member& m, std::string reason, bool flag_unsigned = false) {
    return Decision{Verdict::Refused, std::move(reason), flag_unsigned, m.email};
}

}  // namespace

std::string_view to_string(SignatureStatus s) {
    switch (s) {
        case SignatureStatus::None:
            return "none";
        case SignatureStatus::Good:
            return "good";
        case SignatureStatus::Bad:
            return "bad";
        case SignatureStatus::KeyExpired:
            return "key expired";
        case SignatureStatus::KeyRevoked:
            return "key revoked";
        case SignatureStatus::NoPublicKey:
            return "no public key";
        case SignatureStatus::Error:
            return "error";
    }
    return "unknown";
}

bool names_case(std::string_view text, std::string_view case_id) {
    if (case_id.empty() || text.size() < case_id.size()) return false;
    for (std::size_t i = 0; i + case_id.size() <= text.size(); ++i) {
        bool match = true;
        for (std::size_t k = 0; k < case_id.size() && match; ++k)
            match = std::tolower(static_cast<unsigned char>(text[i + k])) ==
                    std::tolower(static_cast<unsigned char>(case_id[k]));
        if (!match) continue;
        bool before_ok = i == 0 || !id_char(text[i - 1]);
        std::size_t end = i + case_id.size();
        bool after_ok = end == text.size() || !id_char(text[end]);
        if (before_ok && after_ok) return true;
    }
    return false;
}

Decision decide(const Config& cfg, const Request& req, TimePoint now) {
    const Member* m = cfg.member_by_email(address_of(req.from));
    if (!m) return Decision{Verdict::Ignored, "sender is not a team member", false, ""};

    if (req.message_id_seen)
        return refuse(*m, "this message was processed before (same Message-ID): a replay");
    if (req.signature_seen)
        return refuse(*m,
                      "this signature was used in an earlier message: a replay; send the "
                      "commands in a new signed message");

    if (!cfg.team.require_signed_commands) return Decision{Verdict::Allowed, "", false, m->email};

    if (req.signature == SignatureStatus::None)
        return refuse(*m,
                      "the message is not signed; commands must be signed with your key " +
                          m->fingerprint + ", so they were ignored",
                      true);
    if (req.signature != SignatureStatus::Good)
        return refuse(*m, "the signature is not valid (" +
                              (req.signature_error.empty() ? std::string(to_string(req.signature))
                                                           : req.signature_error) +
                              "); sign with your key " + m->fingerprint);

    const std::string want = normal_fingerprint(m->fingerprint);
    bool key_ok = false;
    std::string got;
    for (const auto& f : req.signer_fingerprints) {
        std::string n = normal_fingerprint(f);
        if (got.empty()) got = n;
        if (!want.empty() && n == want) key_ok = true;
    }
    if (!key_ok)
        return refuse(*m, "the message is signed by key " + (got.empty() ? "(unknown)" : got) +
                              ", not by the key configured for " + m->email + " (" + want + ")");

    if (!req.signature_time) return refuse(*m, "the signature carries no creation time");
    if (now - *req.signature_time > kMaxSignatureAge)
        return refuse(*m, "the signature was made at " + format_iso8601(*req.signature_time) +
                              ", more than 7 days ago; send the commands in a new signed message");
    const TimePoint received = req.received_at.value_or(now);
    if (*req.signature_time > received + cfg.team.signature_clock_skew)
        return refuse(*m, "the signature was made at " + format_iso8601(*req.signature_time) +
                              ", after the message was received (" + format_iso8601(received) +
                              ") by more than the allowed clock skew of " +
                              notice_text::format_duration(cfg.team.signature_clock_skew) +
                              "; check your computer's clock and send the commands again");

    if (!names_case(req.signed_text, req.case_id) &&
        !names_case(req.protected_subject, req.case_id))
        return refuse(*m, "the signed content does not name " + req.case_id +
                              "; quote the notification (it begins with \"Case: " + req.case_id +
                              "\") or put [" + req.case_id + "] in the encrypted subject");

    return Decision{Verdict::Allowed, "", false, m->email};
}

}  // namespace embargo::authorize
