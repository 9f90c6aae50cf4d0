// A member's replies and the reading of notifications, with the gpg CLI as
// the member's mail client (see signed_mail.hpp).
#include "tests/support/signed_mail.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "tests/support/mail.hpp"

namespace embargo::test {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string strip_angles(std::string s) {
    while (!s.empty() && (s.front() == '<' || s.front() == ' ')) s.erase(0, 1);
    while (!s.empty() && (s.back() == '>' || s.back() == ' ')) s.pop_back();
    return s;
}

// The value of header `name` in an entity's header block (unfolded), "" when absent.
std::string entity_header(const std::string& entity, const std::string& name) {
    ReceivedMail m;
    m.raw = entity;
    return m.header(name);
}

// The body of an entity: everything after the first empty line.
std::string entity_body(const std::string& entity) {
    std::size_t p = entity.find("\r\n\r\n");
    if (p != std::string::npos) return entity.substr(p + 4);
    p = entity.find("\n\n");
    return p == std::string::npos ? std::string() : entity.substr(p + 2);
}

// "multipart/signed; boundary=..." -> the boundary parameter.
std::string boundary_of(const std::string& content_type) {
    std::string l = lower(content_type);
    std::size_t p = l.find("boundary=");
    if (p == std::string::npos) return {};
    p += 9;
    if (p < content_type.size() && content_type[p] == '"') {
        std::size_t e = content_type.find('"', p + 1);
        return content_type.substr(p + 1, e == std::string::npos ? e : e - p - 1);
    }
    std::size_t e = content_type.find_first_of("; \t\r\n", p);
    return content_type.substr(p, e == std::string::npos ? e : e - p);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string decode_qp(const std::string& in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out += in[i];
            continue;
        }
        if (in.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;
        } else if (i + 1 < in.size() && in[i + 1] == '\n') {
            i += 1;
        } else if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
            i += 2;
        } else {
            out += '=';
        }
    }
    return out;
}

std::string decode_base64(const std::string& in) {
    static const std::string chars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buf = 0;
    int bits = 0;
    for (char c : in) {
        std::size_t v = chars.find(c);
        if (v == std::string::npos) continue;
        buf = (buf << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buf >> bits) & 0xff);
        }
    }
    return out;
}

std::string to_lf(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) out += s[i];
    return out;
}

// The decoded text of a single-part entity.
std::string decoded_text(const std::string& entity) {
    std::string cte = lower(entity_header(entity, "Content-Transfer-Encoding"));
    std::string body = entity_body(entity);
    if (cte.find("quoted-printable") != std::string::npos) body = decode_qp(body);
    if (cte.find("base64") != std::string::npos) body = decode_base64(body);
    return to_lf(body);
}

std::string media_type(const std::string& content_type) {
    std::string t = lower(content_type.substr(0, content_type.find(';')));
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    return t;
}

// gpg arguments that set the signature's creation time; even before the
// key's creation, as a forger (or a wrong clock) may date it.
std::vector<std::string> time_args(const std::optional<TimePoint>& t) {
    if (!t) return {};
    return {"--faked-system-time", std::to_string(to_unix(*t)) + "!", "--ignore-time-conflict"};
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// micalg for the hash algorithm gpg reports in SIG_CREATED (RFC 4880 ids).
std::string micalg_from_status(const std::string& status) {
    std::istringstream in(status);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("[GNUPG:] SIG_CREATED ", 0) != 0) continue;
        std::istringstream f(line);
        std::string tag, kw, type, pk, hash;
        f >> tag >> kw >> type >> pk >> hash;
        if (hash == "2") return "pgp-sha1";
        if (hash == "8") return "pgp-sha256";
        if (hash == "9") return "pgp-sha384";
        if (hash == "10") return "pgp-sha512";
        if (hash == "11") return "pgp-sha224";
    }
    throw std::runtime_error("gpg printed no SIG_CREATED status line: " + status);
}

void require_7bit(const std::string& text) {
    std::size_t line = 0;
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80)
            throw std::runtime_error("build_reply: the text must be ASCII (it goes out as 7bit)");
        line = c == '\n' ? 0 : line + 1;
        if (line > 900) throw std::runtime_error("build_reply: a text line is too long for 7bit");
    }
}

// Unique per process and call; only characters RFC 2046 allows in a boundary.
std::string new_boundary(const std::string& tag) {
    static std::atomic<int> n{0};
    return "=-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(++n) + "-=";
}

std::string outer_headers(const Reply& r) {
    std::string h;
    h += "From: " + r.from + "\n";
    h += "To: " + r.to + "\n";
    h += "Subject: " + r.subject + "\n";
    std::string date = r.date;
    if (date.empty())
        date = format_rfc5322(r.signed_at.value_or(
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())));
    h += "Date: " + date + "\n";
    h += "Message-ID: <" + (r.message_id.empty() ? unique_message_id("reply") : r.message_id) +
         ">\n";
    if (!r.in_reply_to.empty()) h += "In-Reply-To: <" + r.in_reply_to + ">\n";
    if (!r.references.empty()) {
        h += "References:";
        std::istringstream in(r.references);
        std::string id;
        while (in >> id) h += " <" + id + ">";
        h += "\n";
    }
    h += "MIME-Version: 1.0\n";
    return h;
}

std::string inner_headers(const Reply& r) {
    std::string h = "Content-Type: text/plain; charset=utf-8";
    if (!r.protected_subject.empty()) h += "; protected-headers=\"v1\"";
    h += "\nContent-Transfer-Encoding: 7bit\n";
    if (!r.protected_subject.empty()) h += "Subject: " + r.protected_subject + "\n";
    return h + "\n";
}

}  // namespace

void thread_under(Reply& r, const ReceivedMail& notification) {
    std::string id = message_id_of(notification);
    r.in_reply_to = id;
    std::string refs;
    std::istringstream in(notification.header("References"));
    std::string ref;
    while (in >> ref) refs += (refs.empty() ? "" : " ") + strip_angles(ref);
    r.references = refs + (refs.empty() ? "" : " ") + id;
    if (r.subject.empty()) r.subject = "Re: " + notification.header("Subject");
}

std::string reply_text(const std::string& own_lines, const std::string& quoted) {
    std::string out = own_lines;
    if (!out.empty() && out.back() != '\n') out += "\n";
    out += "\n";
    std::istringstream in(quoted);
    std::string line;
    while (std::getline(in, line)) out += line.empty() ? ">\n" : "> " + line + "\n";
    return out;
}

std::string build_reply(GpgHome& home, const Reply& r) {
    require_7bit(r.text);
    const std::string head = outer_headers(r);
    switch (r.protection) {
        case Protection::Unsigned:
            return crlf(head + "Content-Type: text/plain; charset=utf-8\n\n" + r.text);
        case Protection::ClearSigned: {
            auto res = home.gpg(with(time_args(r.signed_at), {"--passphrase", "", "--local-user",
                                                              r.signer_fpr, "--clearsign"}),
                                r.text);
            return crlf(head + "Content-Type: text/plain; charset=utf-8\n\n" + res.out);
        }
        case Protection::PgpMimeSigned: {
            // The signature covers the exact CRLF bytes of the first part.
            const std::string part = crlf(inner_headers(r) + r.text);
            auto res = home.gpg(with(time_args(r.signed_at),
                                     {"--status-fd", "2", "--passphrase", "", "--local-user",
                                      r.signer_fpr, "--armor", "--detach-sign"}),
                                part);
            const std::string micalg = micalg_from_status(res.err);
            const std::string b = new_boundary("sig");
            std::string out = crlf(head + "Content-Type: multipart/signed; micalg=" + micalg +
                                   ";\n protocol=\"application/pgp-signature\";\n boundary=\"" + b +
                                   "\"\n\nThis is an OpenPGP/MIME signed message.\n");
            out += "--" + b + "\r\n" + part + "\r\n--" + b + "\r\n";
            out += crlf(
                "Content-Type: application/pgp-signature; name=\"signature.asc\"\n"
                "Content-Description: OpenPGP digital signature\n\n" +
                res.out);
            out += "\r\n--" + b + "--\r\n";
            return out;
        }
        case Protection::PgpMimeEncrypted: {
            const std::string inner = crlf(inner_headers(r) + r.text);
            std::vector<std::string> args = {"--trust-model", "always", "--armor", "--recipient",
                                             r.team_fpr};
            if (!r.signer_fpr.empty())
                args = with(args, {"--passphrase", "", "--local-user", r.signer_fpr, "--sign"});
            args.push_back("--encrypt");
            auto res = home.gpg(with(time_args(r.signed_at), args), inner);
            const std::string b = new_boundary("enc");
            std::string out = crlf(head +
                                   "Content-Type: multipart/encrypted;\n"
                                   " protocol=\"application/pgp-encrypted\";\n boundary=\"" +
                                   b + "\"\n\nThis is an OpenPGP/MIME encrypted message.\n");
            out += crlf("--" + b + "\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--" +
                        b +
                        "\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n"
                        "Content-Disposition: inline; filename=\"encrypted.asc\"\n\n" +
                        res.out + "\n--" + b + "--\n");
            return out;
        }
    }
    throw std::logic_error("build_reply: unknown protection");
}

std::string signed_part_of(const std::string& raw) {
    std::string b = boundary_of(entity_header(raw, "Content-Type"));
    if (b.empty()) return {};
    const std::string open = "--" + b + "\r\n";
    std::size_t start = raw.find(open);
    if (start == std::string::npos) return {};
    start += open.size();
    std::size_t end = raw.find("\r\n--" + b, start);
    if (end == std::string::npos) return {};
    return raw.substr(start, end - start);
}

std::vector<std::string> encryption_key_ids(GpgHome& home, const std::string& fpr) {
    std::vector<std::string> out;
    std::istringstream in(home.gpg({"--with-colons", "--list-keys", fpr}).out);
    std::string line;
    while (std::getline(in, line)) {
        // pub/sub:validity:length:algo:KEYID:created:expires:...:capabilities:...
        std::vector<std::string> f;
        std::size_t b = 0;
        for (;;) {
            std::size_t e = line.find(':', b);
            f.push_back(line.substr(b, e == std::string::npos ? e : e - b));
            if (e == std::string::npos) break;
            b = e + 1;
        }
        if (f.size() > 11 && (f[0] == "pub" || f[0] == "sub") &&
            f[11].find('e') != std::string::npos)
            out.push_back(f[4]);
    }
    return out;
}

std::string message_id_of(const ReceivedMail& m) {
    return strip_angles(m.header("Message-ID"));
}

OpenedNotification open_notification(GpgHome& home, const ReceivedMail& m,
                                     const std::string& signer_fpr) {
    OpenedNotification o;
    const std::string ct = m.header("Content-Type");
    o.content_type = media_type(ct);
    if (o.content_type == "multipart/encrypted") {
        o.encrypted = true;
        std::size_t b = m.raw.find("-----BEGIN PGP MESSAGE-----");
        std::size_t e = m.raw.find("-----END PGP MESSAGE-----");
        if (b == std::string::npos || e == std::string::npos) return o;
        auto d = home.decrypt(m.raw.substr(b, e - b + 25) + "\n");
        o.gpg_status = d.status;
        o.decrypted = d.exit_code == 0 && d.decryption_okay();
        o.signed_ok = d.good_signature_by(signer_fpr);
        std::istringstream st(d.status);
        std::string line;
        while (std::getline(st, line)) {
            // [GNUPG:] ENC_TO <long keyid> <algo> <length>
            if (line.rfind("[GNUPG:] ENC_TO ", 0) != 0) continue;
            std::istringstream f(line.substr(16));
            std::string id;
            f >> id;
            o.encrypted_to.push_back(id);
        }
        if (!o.decrypted) return o;
        o.inner_subject = entity_header(d.plaintext, "Subject");
        o.text = decoded_text(d.plaintext);
        return o;
    }
    if (o.content_type == "multipart/signed") {
        const std::string part = signed_part_of(m.raw);
        std::size_t b = m.raw.find("-----BEGIN PGP SIGNATURE-----");
        std::size_t e = m.raw.find("-----END PGP SIGNATURE-----");
        if (part.empty() || b == std::string::npos || e == std::string::npos) return o;
        auto v = home.verify_detached(part, m.raw.substr(b, e - b + 27) + "\n");
        o.gpg_status = v.status;
        o.signed_ok = v.exit_code == 0 && v.good_signature_by(signer_fpr);
        o.inner_subject = entity_header(part, "Subject");
        o.text = decoded_text(part);
        return o;
    }
    o.inner_subject = m.header("Subject");
    o.text = decoded_text(m.raw);
    return o;
}

}  // namespace embargo::test
