// Opening incoming OpenPGP mail (see pgp_mime.hpp). One walk over the MIME
// tree collects text pieces; every decrypted layer is parsed with mime::parse
// again and walked in turn. Work is bounded by a budget of gpg runs, a limit
// on nested encryption layers and the MIME limits passed in.
#include "crypto/pgp_mime.hpp"

#include <algorithm>
#include <chrono>

#include "crypto/openpgp.hpp"

namespace embargo::crypto {
namespace {

constexpr int kMaxGpgRuns = 64;  // decrypt/verify/import runs per message
// No new gpg run starts after this much time on one message (each run has its
// own deadline in Gpg), so one message costs at most this plus one run.
constexpr std::chrono::seconds kMessageTimeBudget{120};
constexpr int kMaxCryptoLayers = 4;  // encrypted inside encrypted inside ...
constexpr std::size_t kMaxArmorBlocks = 16;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && lower(s.substr(s.size() - suffix.size())) == suffix;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// Trims blanks, no-break spaces (U+00A0, from HTML) included.
std::string_view trim_nbsp(std::string_view s) {
    for (bool changed = true; changed;) {
        changed = false;
        s = trim(s);
        if (s.size() >= 2 && s.substr(0, 2) == "\xC2\xA0") s.remove_prefix(2), changed = true;
        if (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0")
            s.remove_suffix(2), changed = true;
    }
    return s;
}

std::string to_lf(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out += '\n';
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

void append_piece(std::string& text, std::string_view piece) {
    if (trim(piece).empty()) return;
    if (!text.empty() && text.back() != '\n') text += '\n';
    text.append(piece);
}

// An armored OpenPGP message rebuilt line by line: mail clients and HTML
// conversion add indentation, blank lines and no-break spaces that gpg's
// armor parser does not forgive. Also returns the "Charset:" armor header.
std::string normalise_armor(std::string_view block, std::string* charset) {
    std::string out;
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos <= block.size()) {
        std::size_t nl = block.find('\n', pos);
        std::string_view line =
            block.substr(pos, (nl == std::string_view::npos ? block.size() : nl) - pos);
        line = trim_nbsp(line);
        if (!line.empty()) lines.push_back(line);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    if (lines.empty()) return out;
    out.append(lines[0]);
    out += '\n';
    std::size_t i = 1;
    // Base64 never contains ':' so any line with one is an armor header.
    for (; i < lines.size() && lines[i].find(':') != std::string_view::npos &&
           lines[i].substr(0, 5) != "-----";
         ++i) {
        if (lower(lines[i].substr(0, 8)) == "charset:" && charset)
            *charset = std::string(trim(lines[i].substr(8)));
        out.append(lines[i]);
        out += '\n';
    }
    out += '\n';
    for (; i < lines.size(); ++i) {
        out.append(lines[i]);
        out += '\n';
    }
    return out;
}

// Does this decrypted plaintext start with a MIME header block?
bool looks_like_mime_entity(std::string_view s) {
    std::size_t end = s.find('\n');
    std::string_view first = s.substr(0, end == std::string_view::npos ? s.size() : end);
    std::size_t colon = first.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    for (char c : first.substr(0, colon))
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return false;
    // Some MIME header must be in the header block.
    std::size_t hend = s.find("\n\n");
    std::size_t hend2 = s.find("\r\n\r\n");
    std::size_t stop = std::min(hend, hend2);
    return lower(s.substr(0, std::min<std::size_t>(stop, 65536))).find("content-") !=
           std::string::npos;
}

bool looks_textual(std::string_view s) {
    if (s.find('\0') != std::string_view::npos) return false;
    bool ok = true;
    mime::to_utf8(s, "utf-8", &ok);
    return ok;
}

// Header lines ("Name: value") of a legacy display part or
// text/rfc822-headers part; returns the Subject, decoded.
std::optional<std::string> subject_from_header_lines(std::string_view body,
                                                     bool require_all_headers) {
    std::optional<std::string> subject;
    std::string unfolded;
    std::size_t pos = 0;
    std::size_t count = 0;
    while (pos < body.size() && count < 200) {
        std::size_t nl = body.find('\n', pos);
        std::string_view line =
            body.substr(pos, (nl == std::string_view::npos ? body.size() : nl) - pos);
        pos = nl == std::string_view::npos ? body.size() : nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (trim(line).empty()) continue;
        ++count;
        if ((line.front() == ' ' || line.front() == '\t')) continue;  // continuation: ignored
        std::size_t colon = line.find(':');
        bool header_like = colon != std::string_view::npos && colon > 0 &&
                           line.substr(0, colon).find(' ') == std::string_view::npos;
        if (!header_like) {
            if (require_all_headers) return std::nullopt;
            continue;
        }
        if (lower(line.substr(0, colon)) == "subject" && !subject)
            subject = mime::decode_header_words(trim(line.substr(colon + 1)));
    }
    return subject;
}

int rank(const SignatureInfo& s) {
    return s.status == SignatureInfo::Status::Valid     ? 2
           : s.status == SignatureInfo::Status::Invalid ? 1
                                                        : 0;
}

SignatureInfo best_of(const std::vector<SignatureInfo>& sigs) {
    SignatureInfo best;
    for (const SignatureInfo& s : sigs)
        if (rank(s) > rank(best)) best = s;
    return best;
}

class Opener {
  public:
    Opener(Gpg& gpg, const mime::Limits& limits, std::size_t max_keys, std::size_t max_key_bytes,
           OpenedMessage& out)
        : gpg_(gpg),
          limits_(limits),
          keys_left_(max_keys),
          key_bytes_left_(max_key_bytes),
          out_(out) {}

    void open(const mime::Message& msg, std::string_view raw) {
        std::string text = walk(msg.root, raw, 0, -1, false);
        out_.text = to_lf(text);
        finish();
    }

  private:
    struct Candidate {
        SignatureInfo sig;
        std::string text;  // what it covers, as walked
    };
    struct ProtectedSubject {
        std::string subject;
        int cover = -1;  // candidate index of the Valid signature covering it
    };

    // Walks one part of the message whose bytes are `raw`. `cover` is the index
    // of the Valid signature candidate covering this part (-1: none).
    // `attachment_ctx`: inside an attachment, whose signatures are not the
    // message's.
    std::string walk(const mime::Part& p, std::string_view raw, std::size_t depth, int cover,
                     bool attachment_ctx) {
        if (depth > limits_.max_depth) {
            problem("MIME nesting deeper than " + std::to_string(limits_.max_depth) +
                    " levels; inner parts ignored");
            return {};
        }
        if (p.is_multipart()) return walk_multipart(p, raw, depth, cover, attachment_ctx);
        return walk_leaf(p, depth, cover, attachment_ctx);
    }

    std::string walk_multipart(const mime::Part& p, std::string_view raw, std::size_t depth,
                               int cover, bool attachment_ctx) {
        const auto& kids = p.children;
        if (p.subtype == "encrypted" && kids.size() >= 2) {
            return decrypt_entity(kids[1].body, depth, attachment_ctx, "PGP/MIME encrypted part");
        }
        if (p.subtype == "signed" && kids.size() >= 2 && is_pgp_signature(kids[1])) {
            return verify_signed(p, raw, depth, attachment_ctx);
        }
        if (p.subtype == "mixed") {
            if (const mime::Part* enc = exchange_wrapped(p))
                return decrypt_entity(enc->body, depth, attachment_ctx,
                                      "PGP/MIME part re-wrapped by Exchange");
        }
        if (p.subtype == "alternative" && !kids.empty()) {
            return walk(kids[pick_alternative(p)], raw, depth + 1, cover, attachment_ctx);
        }
        std::string text;
        for (const mime::Part& c : kids)
            append_piece(text, walk(c, raw, depth + 1, cover, attachment_ctx));
        return text;
    }

    std::string walk_leaf(const mime::Part& p, std::size_t depth, int cover, bool attachment_ctx) {
        std::string fname = lower(p.filename);
        if (p.is("application", "pgp-keys")) {
            import_keys(p.body);
            return {};
        }
        if (p.is("application", "pgp-signature")) return {};  // detached, without its data
        if (p.is("application", "pgp-encrypted") && is_version_part(p)) return {};
        if (p.is("text", "rfc822-headers")) {
            note_subject(subject_from_header_lines(p.text(), false), cover);
            return {};
        }
        bool pgp_file = ends_with_ci(fname, ".asc") || ends_with_ci(fname, ".gpg") ||
                        ends_with_ci(fname, ".pgp") || p.is("application", "pgp-encrypted");
        bool attachment = p.disposition == "attachment" || p.type != "text";
        if (pgp_file) return open_pgp_file(p, depth);
        if (p.type == "text" && !attachment) {
            if (p.subtype == "html")
                return open_text(html_to_text(p.text()), attachment_ctx, depth);
            if (p.subtype == "plain" || p.subtype == "enriched")
                return open_text(p.text(), attachment_ctx, depth);
        }
        if (layers_ > 0 && !p.is("message", "rfc822"))
            out_.attachments.push_back(
                DecryptedAttachment{p.filename, p.type + "/" + p.subtype, p.body});
        return {};
    }

    // Text with inline armor: encrypted blocks are replaced by their
    // plaintext, signed ones by their text, key blocks imported.
    std::string open_text(const std::string& text, bool attachment_ctx, std::size_t depth) {
        std::vector<openpgp::ArmorBlock> blocks = openpgp::find_armor(text, kMaxArmorBlocks);
        if (blocks.empty()) return text;
        std::string out;
        std::size_t pos = 0;
        for (const openpgp::ArmorBlock& b : blocks) {
            out.append(text, pos, b.begin - pos);
            std::string_view block = std::string_view(text).substr(b.begin, b.end - b.begin);
            pos = b.end;
            if (b.type == "PGP MESSAGE") {
                out += inline_message(block, b.complete, depth, attachment_ctx);
            } else if (b.type == "PGP SIGNED MESSAGE") {
                out += inline_signed(block, attachment_ctx);
            } else if (b.type == "PGP PUBLIC KEY BLOCK" || b.type == "PGP PRIVATE KEY BLOCK") {
                import_keys(block);
            } else {
                out.append(block);
            }
        }
        out.append(text, pos, std::string::npos);
        return out;
    }

    std::string inline_message(std::string_view block, bool complete, std::size_t depth,
                               bool attachment_ctx) {
        std::string charset;
        std::string armored = normalise_armor(block, &charset);
        if (!complete) problem("inline PGP message is truncated (no END line)");
        if (!spend("inline PGP message")) {
            out_.encrypted = out_.undecryptable = true;
            return {};
        }
        DecryptResult r = gpg_.decrypt_verify(armored);
        if (!r.decrypted && !r.signed_only) {
            out_.encrypted = true;
            out_.undecryptable = true;
            problem("inline PGP message: " + r.error);
            return {};
        }
        if (r.decrypted) out_.encrypted = true;
        return decrypted_layer(r, charset, depth, attachment_ctx);
    }

    // Text (or MIME entity) that came out of gpg, with its signatures.
    std::string decrypted_layer(DecryptResult& r, const std::string& charset, std::size_t depth,
                                bool attachment_ctx) {
        int cover = -1;
        std::size_t cand = candidates_.size();
        if (!r.signatures.empty() && !attachment_ctx) {
            candidates_.push_back(Candidate{best_of(r.signatures), {}});
            if (candidates_.back().sig.valid()) cover = static_cast<int>(cand);
        }
        std::string text;
        if (layers_ >= kMaxCryptoLayers) {
            problem("OpenPGP nested more than " + std::to_string(kMaxCryptoLayers) +
                    " layers deep; inner layers ignored");
        } else if (looks_like_mime_entity(r.plaintext)) {
            text = walk_entity(r.plaintext, depth, cover, attachment_ctx);
        } else {
            ++layers_;
            text = open_text(mime::to_utf8(r.plaintext, charset.empty() ? "utf-8" : charset),
                             attachment_ctx, depth);
            --layers_;
        }
        if (cand < candidates_.size()) candidates_[cand].text = text;
        return text;
    }

    // A decrypted MIME entity: parsed again and walked as part of this message.
    std::string walk_entity(const std::string& entity, std::size_t depth, int cover,
                            bool attachment_ctx) {
        mime::Limits inner = limits_;
        inner.max_depth = limits_.max_depth > depth + 1 ? limits_.max_depth - depth - 1 : 1;
        mime::Message msg = mime::parse(entity, inner);
        if (msg.limits_hit) problem("decrypted MIME entity exceeds the MIME limits; parts ignored");
        ++layers_;
        note_protected_headers(msg.root, cover);
        std::string text = walk(msg.root, entity, depth + 1, cover, attachment_ctx);
        --layers_;
        return text;
    }

    std::string decrypt_entity(const std::string& ciphertext, std::size_t depth,
                               bool attachment_ctx, const std::string& what) {
        out_.encrypted = true;
        if (!spend(what)) {
            out_.undecryptable = true;
            return {};
        }
        DecryptResult r = gpg_.decrypt_verify(ciphertext);
        if (!r.decrypted && !r.signed_only) {
            out_.undecryptable = true;
            problem(what + ": " + r.error);
            return {};
        }
        return decrypted_layer(r, "utf-8", depth, attachment_ctx);
    }

    std::string inline_signed(std::string_view block, bool attachment_ctx) {
        if (attachment_ctx || !spend("cleartext signature")) return std::string(block);
        std::string signed_text;
        SignatureInfo s = gpg_.verify_cleartext(block, &signed_text);
        std::string text =
            signed_text.empty() ? std::string(block) : mime::to_utf8(signed_text, "utf-8");
        if (!s.valid()) problem("cleartext signature: " + s.error);
        candidates_.push_back(Candidate{s, s.valid() ? text : std::string()});
        return text;
    }

    // RFC 3156 section 5: the first child's exact bytes, CRLF-canonical.
    std::string verify_signed(const mime::Part& p, std::string_view raw, std::size_t depth,
                              bool attachment_ctx) {
        const mime::Part& content = p.children[0];
        const mime::Part& sigpart = p.children[1];
        int cover = -1;
        std::size_t cand = candidates_.size();
        if (!attachment_ctx && content.begin <= content.end && content.end <= raw.size() &&
            spend("PGP/MIME signature")) {
            std::string_view bytes = raw.substr(content.begin, content.end - content.begin);
            std::string canonical = openpgp::to_crlf(bytes);
            SignatureInfo s = gpg_.verify_detached(canonical, sigpart.body);
            // A client that signed the bytes as they are (not canonical): accept that too.
            if (!s.valid() && canonical != bytes && spend("PGP/MIME signature")) {
                SignatureInfo s2 = gpg_.verify_detached(bytes, sigpart.body);
                if (rank(s2) >= rank(s) && s2.valid()) s = s2;
            }
            if (!s.valid()) problem("PGP/MIME signature: " + s.error);
            candidates_.push_back(Candidate{s, {}});
            if (s.valid()) cover = static_cast<int>(cand);
        }
        note_protected_headers(content, cover);
        std::string text = walk(content, raw, depth + 1, cover, attachment_ctx);
        if (cand < candidates_.size()) candidates_[cand].text = text;
        return text;
    }

    // .asc/.gpg/.pgp attachments: armored or binary messages and keys.
    std::string open_pgp_file(const mime::Part& p, std::size_t depth) {
        const std::string& body = p.body;
        std::vector<openpgp::ArmorBlock> blocks = openpgp::find_armor(body, kMaxArmorBlocks);
        if (!blocks.empty()) {
            std::string text;
            for (const openpgp::ArmorBlock& b : blocks) {
                std::string_view block = std::string_view(body).substr(b.begin, b.end - b.begin);
                if (b.type == "PGP PUBLIC KEY BLOCK" || b.type == "PGP PRIVATE KEY BLOCK") {
                    import_keys(block);
                } else if (b.type == "PGP MESSAGE") {
                    append_piece(text,
                                 attachment_message(normalise_armor(block, nullptr), p, depth));
                } else if (b.type == "PGP SIGNED MESSAGE") {
                    append_piece(text,
                                 inline_signed(block, true));  // shown, not the message's signature
                }
            }
            return text;
        }
        int tag = openpgp::first_packet_tag(body);
        if (tag == 6 || tag == 5) {  // binary key (secret ones are refused by the import)
            import_keys(body);
            return {};
        }
        // PKESK, SKESK, one-pass signature, compressed, SEIPD, AEAD: a message.
        if (tag == 1 || tag == 3 || tag == 4 || tag == 8 || tag == 18 || tag == 20)
            return attachment_message(body, p, depth);
        return {};
    }

    std::string attachment_message(const std::string& data, const mime::Part& p,
                                   std::size_t depth) {
        if (!spend("encrypted attachment")) {
            out_.encrypted = out_.undecryptable = true;
            return {};
        }
        DecryptResult r = gpg_.decrypt_verify(data);
        if (!r.signed_only) out_.encrypted = true;
        if (!r.decrypted && !r.signed_only) {
            out_.undecryptable = true;
            problem("encrypted attachment: " + r.error);
            return {};
        }
        // An encrypted file is the sender's attachment: its signature signs the
        // file, not this message. Encrypted MIME (Exchange variants) is content.
        if (looks_like_mime_entity(r.plaintext)) return decrypted_layer(r, "utf-8", depth, false);
        if (looks_textual(r.plaintext)) return mime::to_utf8(r.plaintext, "utf-8");
        std::string name = p.filename;
        for (std::string_view ext : {".asc", ".gpg", ".pgp"})
            if (ends_with_ci(name, ext)) name.resize(name.size() - ext.size());
        out_.attachments.push_back(
            DecryptedAttachment{name, "application/octet-stream", std::move(r.plaintext)});
        return {};
    }

    // Outlook/Exchange turn multipart/encrypted into multipart/mixed with an
    // application/pgp-encrypted "Version: 1" part followed by the encrypted
    // part (and sometimes an empty text part first). Mail clients repair it.
    const mime::Part* exchange_wrapped(const mime::Part& p) const {
        const auto& kids = p.children;
        for (std::size_t i = 0; i + 1 < kids.size(); ++i) {
            if (!kids[i].is("application", "pgp-encrypted") || !is_version_part(kids[i])) continue;
            const mime::Part& enc = kids[i + 1];
            if (enc.is_multipart() ||
                enc.body.find("-----BEGIN PGP MESSAGE-----") == std::string::npos)
                return nullptr;
            for (std::size_t k = 0; k < kids.size(); ++k) {
                if (k == i || k == i + 1) continue;
                if (kids[k].is_multipart() || kids[k].type != "text" || !trim(kids[k].body).empty())
                    return nullptr;
            }
            return &enc;
        }
        return nullptr;
    }

    static bool is_version_part(const mime::Part& p) {
        return trim(p.body).substr(0, 10) == "Version: 1" || trim(p.body) == "Version:1";
    }

    static bool is_pgp_signature(const mime::Part& p) {
        return p.is("application", "pgp-signature") ||
               p.body.find("-----BEGIN PGP SIGNATURE-----") != std::string::npos;
    }

    // text/plain if there is one, else a multipart alternative (which may
    // hold it), else the last (richest) alternative.
    static std::size_t pick_alternative(const mime::Part& p) {
        const auto& kids = p.children;
        for (std::size_t i = 0; i < kids.size(); ++i)
            if (kids[i].is("text", "plain") && kids[i].disposition != "attachment") return i;
        for (std::size_t i = 0; i < kids.size(); ++i)
            if (kids[i].is_multipart()) return i;
        return kids.size() - 1;
    }

    // Protected headers on the root of a decrypted or signed entity, or in a
    // legacy display part (first child, text/rfc822-headers or text/plain
    // marked as protected headers holding only header lines).
    void note_protected_headers(const mime::Part& root, int cover) {
        if (root.params.count("protected-headers")) {
            if (const mime::Header* h = root.header("Subject")) {
                note_subject(mime::decode_header_words(trim(h->value)), cover);
                return;
            }
        }
        if (!root.is_multipart() || root.children.empty()) return;
        const mime::Part& first = root.children[0];
        if (first.is("text", "rfc822-headers")) {
            note_subject(subject_from_header_lines(first.text(), false), cover);
        } else if (first.is("text", "plain") && (first.params.count("protected-headers") ||
                                                 first.params.count("hp-legacy-display"))) {
            note_subject(subject_from_header_lines(first.text(), true), cover);
        }
    }

    void note_subject(std::optional<std::string> subject, int cover) {
        if (!subject) return;
        std::string s(trim(*subject));
        if (s.empty()) return;
        // The first one found wins, unless a later one is signed and it was not.
        if (!subject_ || (subject_->cover < 0 && cover >= 0)) subject_ = ProtectedSubject{s, cover};
    }

    void import_keys(std::string_view data) {
        if (keys_left_ == 0 || key_bytes_left_ == 0) {
            problem("key import limit for this message reached; further keys not imported");
            return;
        }
        if (data.size() > key_bytes_left_) {
            problem("attached key data of " + std::to_string(data.size()) +
                    " bytes exceeds the remaining key import limit; not imported");
            return;
        }
        if (!spend("key import")) return;
        ImportResult ir = gpg_.import_public_keys(data, keys_left_, key_bytes_left_);
        key_bytes_left_ -= data.size();
        keys_left_ -= std::min(keys_left_, ir.fingerprints.size());
        for (const std::string& f : ir.fingerprints)
            if (std::find(out_.imported_keys.begin(), out_.imported_keys.end(), f) ==
                out_.imported_keys.end())
                out_.imported_keys.push_back(f);
        for (const std::string& r : ir.refused) problem("key import: " + r);
    }

    bool spend(const std::string& what) {
        if (std::chrono::steady_clock::now() - started_ > kMessageTimeBudget) {
            problem("OpenPGP processing of this message took over " +
                    std::to_string(kMessageTimeBudget.count()) + " s; " + what +
                    " and the rest not processed");
            return false;
        }
        if (runs_left_ > 0) {
            --runs_left_;
            return true;
        }
        problem("more than " + std::to_string(kMaxGpgRuns) + " OpenPGP operations needed; " + what +
                " and the rest not processed");
        return false;
    }

    void problem(std::string p) {
        if (out_.problems.size() >= 100) return;
        if (std::find(out_.problems.begin(), out_.problems.end(), p) == out_.problems.end())
            out_.problems.push_back(std::move(p));
    }

    void finish() {
        int chosen = -1;
        for (std::size_t i = 0; i < candidates_.size(); ++i) {
            const Candidate& c = candidates_[i];
            if (chosen < 0) {
                chosen = static_cast<int>(i);
                continue;
            }
            const Candidate& b = candidates_[static_cast<std::size_t>(chosen)];
            // Valid beats Invalid; among valid ones the widest coverage wins.
            if (rank(c.sig) > rank(b.sig) ||
                (c.sig.valid() && b.sig.valid() && c.text.size() > b.text.size()))
                chosen = static_cast<int>(i);
        }
        if (chosen >= 0) {
            const Candidate& c = candidates_[static_cast<std::size_t>(chosen)];
            out_.signature = c.sig;
            if (c.sig.valid()) out_.signed_text = to_lf(c.text);
        }
        if (subject_) {
            out_.protected_subject = subject_->subject;
            out_.protected_subject_signed =
                subject_->cover >= 0 && subject_->cover == chosen && out_.signature.valid();
        }
    }

    Gpg& gpg_;
    const mime::Limits& limits_;
    std::size_t keys_left_;
    std::size_t key_bytes_left_;
    OpenedMessage& out_;
    int runs_left_ = kMaxGpgRuns;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    int layers_ = 0;
    std::vector<Candidate> candidates_;
    std::optional<ProtectedSubject> subject_;
};

}  // namespace

OpenedMessage open_message(Gpg& gpg, const mime::Message& msg, std::string_view raw,
                           const mime::Limits& limits, std::size_t max_keys,
                           std::size_t max_key_bytes) {
    OpenedMessage out;
    Opener(gpg, limits, max_keys, max_key_bytes, out).open(msg, raw);
    // A reporter's first mail often carries their key and is signed with it:
    // the signature could not be checked before the key was imported, so
    // open it once more now that the key is there (as mail clients do).
    if (!out.imported_keys.empty() && out.signature.status == SignatureInfo::Status::Invalid) {
        OpenedMessage again;
        Opener(gpg, limits, 0, 0, again).open(msg, raw);
        if (again.signature.valid()) {
            again.imported_keys = std::move(out.imported_keys);
            again.problems = std::move(out.problems);
            out = std::move(again);
        }
    }
    return out;
}

}  // namespace embargo::crypto
