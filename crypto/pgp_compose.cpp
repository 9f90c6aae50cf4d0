// Outgoing mail composition (see pgp_compose.hpp).
#include "crypto/pgp_compose.hpp"

#include <array>
#include <chrono>
#include <random>

#include "core/time.hpp"
#include "crypto/openpgp.hpp"

namespace embargo::crypto {
namespace {

constexpr std::size_t kFoldAt = 76;

bool is_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

// Valid UTF-8 with invalid sequences replaced by U+FFFD: we label
// everything charset=utf-8, so it must be.
std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 0;
        bool ok = n > 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && n > 1) {
            // Overlong forms, surrogates and values past U+10FFFF are invalid too.
            unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
            if ((n == 2 && c < 0xC2) || (n == 3 && c == 0xE0 && c1 < 0xA0) ||
                (n == 3 && c == 0xED && c1 >= 0xA0) || (n == 4 && c == 0xF0 && c1 < 0x90) ||
                (n == 4 && (c > 0xF4 || (c == 0xF4 && c1 >= 0x90))))
                ok = false;
        }
        if (ok) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// Header values never contain line breaks or other controls from case data.
std::string clean(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        unsigned char u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u == 0x7F ? ' ' : c);
    }
    std::size_t b = out.find_first_not_of(' ');
    std::size_t e = out.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : valid_utf8(out.substr(b, e - b + 1));
}

std::string base64(std::string_view in) {
    static constexpr char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto b = [&](std::size_t k) {
        return static_cast<unsigned>(static_cast<unsigned char>(in[k]));
    };
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
        out += {t[(v >> 18) & 63], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
        unsigned v = b(i) << 16;
        out += {t[(v >> 18) & 63], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        unsigned v = (b(i) << 16) | (b(i + 1) << 8);
        out += {t[(v >> 18) & 63], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
}

// Encoded-words of at most 39 payload bytes (64 characters), split at UTF-8
// character boundaries, joined by folding white space.
std::string encoded_words(std::string_view utf8) {
    std::string out;
    std::size_t i = 0;
    while (i < utf8.size()) {
        std::size_t n = std::min<std::size_t>(39, utf8.size() - i);
        while (n > 0 && i + n < utf8.size() &&
               (static_cast<unsigned char>(utf8[i + n]) & 0xC0) == 0x80)
            --n;
        if (n == 0) n = std::min<std::size_t>(39, utf8.size() - i);
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(utf8.substr(i, n)) + "?=";
        i += n;
    }
    return out;
}

// Folds an ASCII value at spaces so that lines stay near kFoldAt.
std::string fold(std::string_view v, std::size_t prefix_len) {
    std::string out;
    std::size_t line = prefix_len;
    std::size_t i = 0;
    while (i < v.size()) {
        std::size_t sp = v.find(' ', i + 1);
        std::string_view word = v.substr(i, sp == std::string_view::npos ? v.size() - i : sp - i);
        if (line + word.size() > kFoldAt && !out.empty() && word.front() == ' ') {
            out += "\r\n";
            line = 0;
        }
        out += word;
        line += word.size();
        i += word.size();
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    std::random_device rd;
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        unsigned v = rd() & 0xFF;
        out += hex[v >> 4];
        out += hex[v & 15];
    }
    return out;
}

// "=_" never occurs in quoted-printable or base64 output, and the random part
// makes any other collision impossible in practice.
std::string make_boundary() {
    return "=_embargo_" + random_hex(16);
}

bool needs_quoting(std::string_view name) {
    for (char c : name)
        if (std::string_view("()<>[]:;@\\,.\"").find(c) != std::string_view::npos) return true;
    return false;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// One mailbox: "Name <addr>", "addr" or "<addr>".
std::string format_mailbox(std::string_view m) {
    std::string s = clean(m);
    std::size_t lt = s.rfind('<');
    std::size_t gt = s.rfind('>');
    std::string name, addr;
    if (lt != std::string::npos && gt != std::string::npos && gt > lt) {
        name = clean(s.substr(0, lt));
        addr = s.substr(lt + 1, gt - lt - 1);
    } else {
        addr = s;
    }
    std::string a;
    for (char c : addr)
        if (c != ' ' && c != '<' && c != '>' && c != '"' && c != ',') a += c;
    if (a.empty()) throw ComposeError("mail address '" + s + "' has no address part");
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
        std::string unq;
        for (std::size_t i = 1; i + 1 < name.size(); ++i) {
            if (name[i] == '\\' && i + 2 < name.size()) ++i;
            unq += name[i];
        }
        name = unq;
    }
    if (name.empty()) return a;
    if (!is_ascii(name)) return encoded_words(name) + " <" + a + ">";
    return (needs_quoting(name) ? quote(name) : name) + " <" + a + ">";
}

// Splits an address list at commas outside quotes and angle brackets.
std::vector<std::string> split_addresses(std::string_view v) {
    std::vector<std::string> out;
    std::string cur;
    bool in_quote = false;
    int angle = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (in_quote && c == '\\' && i + 1 < v.size()) {
            cur += c;
            cur += v[++i];
            continue;
        }
        if (c == '"') in_quote = !in_quote;
        if (!in_quote && c == '<') ++angle;
        if (!in_quote && c == '>' && angle > 0) --angle;
        if (c == ',' && !in_quote && angle == 0) {
            if (!clean(cur).empty()) out.push_back(cur);
            cur.clear();
            continue;
        }
        cur += c;
    }
    if (!clean(cur).empty()) out.push_back(cur);
    return out;
}

std::string format_address_list(std::string_view v) {
    std::string out;
    for (const std::string& m : split_addresses(v)) {
        if (!out.empty()) out += ",\r\n ";
        out += format_mailbox(m);
    }
    return out;
}

std::string msg_id(std::string_view id) {
    std::string s;
    for (char c : clean(id))
        if (c != ' ' && c != '<' && c != '>') s += c;
    return s.empty() ? s : "<" + s + ">";
}

std::string msg_id_list(std::string_view ids) {
    std::string out;
    std::string cur;
    std::string cleaned = clean(ids);
    for (std::size_t i = 0; i <= cleaned.size(); ++i) {
        char c = i < cleaned.size() ? cleaned[i] : ' ';
        if (c == ' ' || c == '\t' || c == ',' || c == '>') {
            if (c == '>') cur += c;
            std::string id = msg_id(cur);
            if (!id.empty()) out += (out.empty() ? "" : "\r\n ") + id;
            cur.clear();
        } else {
            cur += c;
        }
    }
    return out;
}

void header(std::string& out, std::string_view name, const std::string& formatted) {
    if (formatted.empty()) return;
    out.append(name);
    out += ": ";
    out += formatted;
    out += "\r\n";
}

void text_header(std::string& out, std::string_view name, std::string_view value) {
    std::string v = clean(value);
    if (!v.empty()) header(out, name, encode_header_value(v, name.size() + 2));
}

// Body lines normalised to CRLF, ending with one.
std::string crlf_body(std::string_view body) {
    std::string b = openpgp::to_crlf(valid_utf8(body));
    if (b.size() < 2 || b.compare(b.size() - 2, 2, "\r\n") != 0) b += "\r\n";
    return b;
}

struct EncodedBody {
    std::string cte;  // 7bit, 8bit or quoted-printable
    std::string bytes;
};

// `seven_bit_only`: the part will be signed, so it must survive any relay
// unchanged (RFC 3156 section 3): no 8bit, no trailing blanks, no "From ".
EncodedBody encode_body(std::string_view body, bool seven_bit_only) {
    std::string b = crlf_body(body);
    bool ascii = true, long_line = false, trailing_blank = false, from_line = false;
    std::size_t non_ascii = 0, line_len = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(b[i]);
        if (c >= 0x80) {
            ascii = false;
            ++non_ascii;
        }
        if (c == '\r' && i + 1 < b.size() && b[i + 1] == '\n') {
            if (i > 0 && (b[i - 1] == ' ' || b[i - 1] == '\t')) trailing_blank = true;
            line_len = 0;
            ++i;
            if (b.compare(i + 1, 5, "From ") == 0) from_line = true;
            continue;
        }
        if (++line_len > 998) long_line = true;
    }
    if (b.compare(0, 5, "From ") == 0) from_line = true;
    if (ascii && !long_line && (!seven_bit_only || (!trailing_blank && !from_line)))
        return {"7bit", b};
    // Mostly non-Latin text reads better as 8bit; everything else as QP.
    if (!seven_bit_only && !long_line && non_ascii * 3 > b.size()) return {"8bit", b};
    return {"quoted-printable", quoted_printable(b)};
}

std::string date_or_now(const std::string& d) {
    if (!clean(d).empty()) return clean(d);
    return format_rfc5322(std::chrono::time_point_cast<std::chrono::seconds>(Clock::now()));
}

bool reserved_header(std::string_view name) {
    static constexpr std::array<std::string_view, 12> reserved = {
        "from",       "to",       "subject", "date", "message-id",   "in-reply-to",
        "references", "reply-to", "cc",      "bcc",  "mime-version", "content-type"};
    std::string n;
    for (char c : name) n += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (std::string_view r : reserved)
        if (n == r) return true;
    return n.rfind("content-", 0) == 0;
}

// The envelope headers shared by every kind of message.
std::string outer_headers(const OutgoingHeaders& h, std::string_view subject) {
    if (split_addresses(h.to).empty()) throw ComposeError("outgoing mail has no To address");
    if (clean(h.from).empty())
        throw ComposeError("outgoing mail has no From address ([smtp] from)");
    std::string out;
    header(out, "Date", date_or_now(h.date));
    header(out, "From", format_address_list(h.from));
    header(out, "To", format_address_list(h.to));
    if (!clean(h.reply_to).empty()) header(out, "Reply-To", format_address_list(h.reply_to));
    text_header(out, "Subject", subject);
    header(out, "Message-ID", msg_id(h.message_id));
    header(out, "In-Reply-To", msg_id(h.in_reply_to));
    header(out, "References", msg_id_list(h.references));
    for (const auto& [name, value] : h.extra) {
        bool ok = !name.empty() && name.size() < 80;
        for (char c : name)
            ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-');
        if (!ok) throw ComposeError("extra mail header name '" + clean(name) + "' is not valid");
        if (reserved_header(name))
            throw ComposeError("extra mail header '" + name + "' would override a standard header");
        text_header(out, name, value);
    }
    header(out, "MIME-Version", "1.0");
    return out;
}

// Headers repeated inside the protected part (header protection, "v1").
std::string protected_headers(const OutgoingHeaders& h, std::string_view subject) {
    std::string out;
    text_header(out, "Subject", subject);
    header(out, "From", format_address_list(h.from));
    header(out, "To", format_address_list(h.to));
    if (!clean(h.reply_to).empty()) header(out, "Reply-To", format_address_list(h.reply_to));
    header(out, "Date", date_or_now(h.date));
    header(out, "Message-ID", msg_id(h.message_id));
    return out;
}

std::string pick_subject(const std::string& preferred, const std::string& fallback) {
    return clean(preferred).empty() ? fallback : preferred;
}

}  // namespace

std::string encode_header_value(std::string_view value, std::size_t prefix_len) {
    std::string v = clean(value);
    bool encode = !is_ascii(v);
    // Text that looks like an encoded-word would be decoded by the reader.
    if (!encode && v.find("=?") != std::string::npos) encode = true;
    if (!encode) {
        std::size_t word = 0;
        for (char c : v) {
            word = c == ' ' ? 0 : word + 1;
            if (word > 900) encode = true;  // unfoldable past the 998 limit
        }
    }
    if (encode) return encoded_words(v);
    return fold(v, prefix_len);
}

std::string quoted_printable(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    std::string_view t = text;
    std::size_t pos = 0;
    while (pos <= t.size()) {
        std::size_t nl = t.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? t.size() : nl;
        std::string_view line = t.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::string enc;
        std::size_t col = 0;
        auto emit = [&](std::string_view piece) {
            if (col + piece.size() > 75) {
                enc += "=\r\n";
                col = 0;
            }
            enc += piece;
            col += piece.size();
        };
        for (std::size_t i = 0; i < line.size(); ++i) {
            unsigned char c = static_cast<unsigned char>(line[i]);
            bool last = i + 1 == line.size();
            bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
            // "From " at a line start is mangled by mbox writers; "." alone by some relays.
            if (col == 0 && ((c == 'F' && line.substr(i, 5) == "From ") || (c == '.' && i == 0)))
                literal = false;
            if (literal) {
                char ch = static_cast<char>(c);
                emit(std::string_view(&ch, 1));
            } else {
                char buf[3] = {'=', hex[c >> 4], hex[c & 15]};
                emit(std::string_view(buf, 3));
            }
        }
        out += enc;
        if (nl == std::string_view::npos) break;
        out += "\r\n";
        pos = nl + 1;
    }
    return out;
}

std::string compose_plain(const OutgoingHeaders& h, std::string_view body_utf8) {
    EncodedBody b = encode_body(body_utf8, false);
    std::string out = outer_headers(h, pick_subject(h.outer_subject, h.real_subject));
    header(out, "Content-Type", "text/plain; charset=utf-8");
    header(out, "Content-Transfer-Encoding", b.cte);
    out += "\r\n";
    out += b.bytes;
    return out;
}

std::string compose_signed(Gpg& gpg, const OutgoingHeaders& h, std::string_view body_utf8,
                           const std::string& signer_fpr) {
    std::string subject = pick_subject(h.outer_subject, h.real_subject);
    EncodedBody b = encode_body(body_utf8, true);
    std::string part;
    header(part, "Content-Type", "text/plain; charset=utf-8; protected-headers=\"v1\"");
    header(part, "Content-Transfer-Encoding", b.cte);
    part += protected_headers(h, subject);
    part += "\r\n";
    part += b.bytes;
    // The signed data excludes the CRLF that belongs to the next boundary line.
    std::string micalg;
    std::string signature = openpgp::to_crlf(gpg.sign_detached(part, signer_fpr, &micalg));
    std::string boundary = make_boundary();

    std::string out = outer_headers(h, subject);
    header(out, "Content-Type",
           "multipart/signed; micalg=" + micalg +
               ";\r\n protocol=\"application/pgp-signature\";\r\n boundary=\"" + boundary + "\"");
    out += "\r\nThis is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n";
    out += "--" + boundary + "\r\n";
    out += part;
    out += "\r\n--" + boundary + "\r\n";
    out += "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n";
    out += "Content-Description: OpenPGP digital signature\r\n";
    out += "Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n";
    out += signature;
    if (signature.size() < 2 || signature.compare(signature.size() - 2, 2, "\r\n") != 0)
        out += "\r\n";
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}

std::string compose_encrypted(Gpg& gpg, const OutgoingHeaders& h, std::string_view body_utf8,
                              const std::string& recipient_fpr, const std::string& signer_fpr) {
    std::string real = pick_subject(h.real_subject, h.outer_subject);
    EncodedBody b = encode_body(body_utf8, false);
    std::string inner;
    header(inner, "Content-Type", "text/plain; charset=utf-8; protected-headers=\"v1\"");
    header(inner, "Content-Transfer-Encoding", b.cte);
    inner += protected_headers(h, real);
    inner += "\r\n";
    inner += b.bytes;
    std::string armored = openpgp::to_crlf(gpg.encrypt_sign(inner, {recipient_fpr}, signer_fpr));
    std::string boundary = make_boundary();

    std::string out = outer_headers(h, pick_subject(h.outer_subject, "..."));
    header(out, "Content-Type",
           "multipart/encrypted;\r\n protocol=\"application/pgp-encrypted\";\r\n boundary=\"" +
               boundary + "\"");
    out += "\r\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: application/pgp-encrypted\r\n";
    out += "Content-Description: PGP/MIME version identification\r\n\r\n";
    out += "Version: 1\r\n\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n";
    out += "Content-Description: OpenPGP encrypted message\r\n";
    out += "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n";
    out += armored;
    if (armored.size() < 2 || armored.compare(armored.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}

}  // namespace embargo::crypto
