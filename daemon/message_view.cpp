// Reading an incoming message: MIME, PGP, flags and loop-safety signals.
#include "daemon/message_view.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "core/threading.hpp"
#include "crypto/pgp_mime.hpp"
#include "daemon/intake.hpp"
#include "parsers/mime.hpp"
#include "storage/event_log.hpp"

namespace embargo::daemon {
namespace {

void add_flag(std::vector<std::string>& flags, const std::string& f) {
    if (std::find(flags.begin(), flags.end(), f) == flags.end()) flags.push_back(f);
}

bool header_is(const mime::Message& msg, std::string_view name, std::string_view prefix) {
    const auto* h = msg.header(name);
    if (!h) return false;
    return to_lower(trim(h->value)).rfind(prefix, 0) == 0;
}

bool is_automated(const mime::Message& msg, const Config& cfg, const std::string& from) {
    if (const auto* h = msg.header("Auto-Submitted"); h && to_lower(trim(h->value)) != "no")
        return true;
    for (const char* p : {"bulk", "list", "junk", "auto_reply"})
        if (header_is(msg, "Precedence", p)) return true;
    if (msg.header("X-Autoreply") || msg.header("X-Autorespond") || msg.header("List-Id") ||
        msg.header("X-Embargo-Kind"))
        return true;
    if (msg.has_return_path && msg.return_path.empty()) return true;  // null sender: a bounce
    std::string local = from.substr(0, from.find('@'));
    if (local == "mailer-daemon" || local == "postmaster" || local == "noreply" ||
        local == "no-reply")
        return true;
    return !cfg.smtp.from_address.empty() && from == cfg.smtp.from_address;
}

}  // namespace

MessageView view_message(const IncomingMessage& in, const Config& cfg, crypto::Gpg* gpg) {
    MessageView v;
    v.content_hash = storage::sha256_hex(in.raw);
    mime::Limits limits{cfg.limits.max_mime_parts, cfg.limits.max_mime_depth,
                        cfg.limits.max_header_bytes};
    mime::Message msg = mime::parse(in.raw, limits);

    v.message_id = msg.message_id.empty()
                       ? "no-message-id." + v.content_hash.substr(0, 32) + "@embargo.invalid"
                       : msg.message_id;
    v.in_reply_to = msg.in_reply_to;
    v.references = msg.references;
    v.from = msg.from.address;
    v.from_name = msg.from.name;
    v.subject = msg.subject;
    v.problems = msg.problems;
    if (msg.malformed) add_flag(v.flags, "malformed");
    if (in.oversized) add_flag(v.flags, "oversized");
    v.automated = is_automated(msg, cfg, v.from);

    if (gpg && !in.oversized) {
        auto opened = crypto::open_message(
            *gpg, msg, in.raw, limits, cfg.limits.max_keys_per_message, cfg.limits.max_key_bytes);
        v.encrypted = opened.encrypted;
        v.undecryptable = opened.undecryptable;
        v.text = opened.text;
        v.signed_text = opened.signed_text;
        v.protected_subject = opened.protected_subject;
        v.protected_subject_signed = opened.protected_subject_signed;
        v.imported_keys = opened.imported_keys;
        for (auto& p : opened.problems) v.problems.push_back(std::move(p));
        using S = crypto::SignatureInfo::Status;
        if (opened.signature.status == S::Valid) {
            v.signature = "valid";
            v.signed_by = opened.signature.fingerprint;
            v.signed_at = opened.signature.created;
        } else if (opened.signature.status == S::Invalid) {
            v.signature = "invalid";
            v.signature_error = opened.signature.error;
        }
        if (opened.protected_subject) v.subject = *opened.protected_subject;
    } else {
        v.text = msg.text_plain.empty() ? html_to_text(msg.text_html) : msg.text_plain;
        // Without a keyring nothing encrypted can be read.
        if (v.text.find("-----BEGIN PGP MESSAGE-----") != std::string::npos ||
            msg.root.is("multipart", "encrypted")) {
            v.encrypted = true;
            v.undecryptable = true;
        }
    }
    if (v.undecryptable) add_flag(v.flags, "undecryptable");
    v.norm_subject = normalise_subject(v.subject);
    return v;
}

}  // namespace embargo::daemon
