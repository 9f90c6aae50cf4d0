// ASCII armor and public-key packet scanning without gpg (see openpgp.hpp).
#include "crypto/openpgp.hpp"

#include <array>
#include <cstdint>

namespace embargo::crypto::openpgp {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_blank(s.front()) || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// One line of text: [begin, content_end) without the line ending, next = start of the next line.
struct Line {
    std::size_t begin = 0;
    std::string_view content;
    std::size_t next = 0;
};

Line line_at(std::string_view text, std::size_t pos) {
    std::size_t nl = text.find('\n', pos);
    std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    return Line{pos, text.substr(pos, end - pos), next};
}

// "-----BEGIN PGP MESSAGE-----" -> "PGP MESSAGE"; empty when not a BEGIN line.
std::string_view begin_type(std::string_view line) {
    std::string_view t = trim(line);
    if (t.size() <= kBegin.size() + kDashes.size() || t.substr(0, kBegin.size()) != kBegin ||
        t.substr(t.size() - kDashes.size()) != kDashes)
        return {};
    std::string_view type = t.substr(kBegin.size(), t.size() - kBegin.size() - kDashes.size());
    if (type.substr(0, 4) != "PGP ") return {};
    return type;
}

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Decodes base64, ignoring blanks; stops at padding. False on any other character.
bool b64_decode_append(std::string_view in, std::string& out, bool& padded) {
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        if (is_blank(c) || c == '\r' || c == '\n') continue;
        if (c == '=') {
            padded = true;
            break;
        }
        if (padded) return false;
        int v = b64_value(c);
        if (v < 0) return false;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return true;
}

std::uint32_t crc24(std::string_view data) {
    std::uint32_t crc = 0xB704CE;
    for (unsigned char c : data) {
        crc ^= static_cast<std::uint32_t>(c) << 16;
        for (int i = 0; i < 8; ++i) {
            crc <<= 1;
            if (crc & 0x1000000) crc ^= 0x1864CFB;
        }
    }
    return crc & 0xFFFFFF;
}

struct Packet {
    int tag = -1;
    std::size_t begin = 0;  // header
    std::size_t end = 0;    // after the body
};

// Reads the packet header at `pos`. Key material never uses partial or
// indeterminate lengths, so those are refused like malformed headers.
bool read_packet(std::string_view d, std::size_t pos, Packet& p, std::string& why) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(d[i]); };
    if (pos >= d.size()) {
        why = "truncated packet";
        return false;
    }
    unsigned char h = byte(pos);
    if (!(h & 0x80)) {
        why = "not an OpenPGP packet";
        return false;
    }
    std::size_t i = pos + 1;
    std::uint64_t len = 0;
    if (h & 0x40) {
        p.tag = h & 0x3F;
        if (i >= d.size()) {
            why = "truncated packet header";
            return false;
        }
        unsigned char o1 = byte(i++);
        if (o1 < 192) {
            len = o1;
        } else if (o1 < 224) {
            if (i >= d.size()) {
                why = "truncated packet header";
                return false;
            }
            len = ((static_cast<std::uint64_t>(o1) - 192) << 8) + byte(i++) + 192;
        } else if (o1 == 255) {
            if (i + 4 > d.size()) {
                why = "truncated packet header";
                return false;
            }
            len = (static_cast<std::uint64_t>(byte(i)) << 24) | (byte(i + 1) << 16) |
                  (byte(i + 2) << 8) | byte(i + 3);
            i += 4;
        } else {
            why = "partial-length packet where key material was expected";
            return false;
        }
    } else {
        p.tag = (h >> 2) & 0x0F;
        int ltype = h & 3;
        if (ltype == 3) {
            why = "indeterminate-length packet where key material was expected";
            return false;
        }
        std::size_t n = ltype == 0 ? 1 : ltype == 1 ? 2 : 4;
        if (i + n > d.size()) {
            why = "truncated packet header";
            return false;
        }
        for (std::size_t k = 0; k < n; ++k) len = (len << 8) | byte(i + k);
        i += n;
    }
    if (len > d.size() - i) {
        why = "truncated packet (length beyond the end of the data)";
        return false;
    }
    p.begin = pos;
    p.end = i + static_cast<std::size_t>(len);
    return true;
}

enum Tag : int {
    kSignature = 2,
    kSecretKey = 5,
    kPublicKey = 6,
    kSecretSubkey = 7,
    kMarker = 10,
    kTrust = 12,
    kUserId = 13,
    kPublicSubkey = 14,
    kUserAttribute = 17,
};

// Scans binary packets, appending accepted keys to `scan`.
void scan_binary(std::string_view d, const KeyLimits& limits, KeyScan& scan) {
    struct Current {
        bool active = false;
        bool secret = false;
        std::string bytes;
        std::size_t user_ids = 0, signatures = 0, subkeys = 0;
    } cur;
    std::size_t over_limit = 0;

    auto finish = [&]() {
        if (!cur.active) return;
        std::size_t n = scan.keys_seen;  // 1-based number of this key
        if (cur.secret) {
            scan.secret_key_material = true;
            scan.refused.push_back("key " + std::to_string(n) +
                                   ": contains secret key material; not imported");
        } else if (cur.user_ids > limits.max_user_ids) {
            scan.refused.push_back("key " + std::to_string(n) + ": " +
                                   std::to_string(cur.user_ids) + " user ids exceed the limit of " +
                                   std::to_string(limits.max_user_ids));
        } else if (cur.signatures > limits.max_signatures) {
            scan.refused.push_back(
                "key " + std::to_string(n) + ": " + std::to_string(cur.signatures) +
                " signatures exceed the limit of " + std::to_string(limits.max_signatures));
        } else if (cur.subkeys > limits.max_subkeys) {
            scan.refused.push_back("key " + std::to_string(n) + ": " + std::to_string(cur.subkeys) +
                                   " subkeys exceed the limit of " +
                                   std::to_string(limits.max_subkeys));
        } else if (cur.user_ids == 0) {
            scan.refused.push_back("key " + std::to_string(n) + ": no user id");
        } else if (scan.keys.size() >= limits.max_keys) {
            ++over_limit;
        } else {
            scan.keys.push_back(std::move(cur.bytes));
        }
        cur = Current{};
    };

    std::size_t pos = 0;
    while (pos < d.size()) {
        Packet p;
        std::string why;
        if (!read_packet(d, pos, p, why)) {
            // The current key is incomplete: nothing after the damage is trusted.
            cur = Current{};
            scan.refused.push_back("key data at byte " + std::to_string(pos) + ": " + why +
                                   "; the rest was not imported");
            break;
        }
        std::string_view packet = d.substr(p.begin, p.end - p.begin);
        switch (p.tag) {
            case kPublicKey:
            case kSecretKey:
                finish();
                ++scan.keys_seen;
                cur.active = true;
                cur.secret = p.tag == kSecretKey;
                cur.bytes.assign(packet);
                break;
            case kMarker:
                break;
            case kTrust:
                break;  // local trust of whoever exported it; never imported
            case kSignature:
            case kUserId:
            case kUserAttribute:
            case kPublicSubkey:
            case kSecretSubkey:
                if (!cur.active) {
                    scan.refused.push_back("key data at byte " + std::to_string(pos) +
                                           ": packet outside a key; the rest was not imported");
                    pos = d.size();
                    continue;
                }
                if (p.tag == kSignature) ++cur.signatures;
                if (p.tag == kUserId || p.tag == kUserAttribute) ++cur.user_ids;
                if (p.tag == kPublicSubkey || p.tag == kSecretSubkey) ++cur.subkeys;
                if (p.tag == kSecretSubkey) cur.secret = true;
                // Past the limits only the counting goes on, not the copying.
                if (cur.user_ids <= limits.max_user_ids &&
                    cur.signatures <= limits.max_signatures && cur.subkeys <= limits.max_subkeys)
                    cur.bytes.append(packet);
                break;
            default:
                cur = Current{};
                scan.refused.push_back("key data at byte " + std::to_string(pos) +
                                       ": packet type " + std::to_string(p.tag) +
                                       " is not key material; the rest was not imported");
                pos = d.size();
                continue;
        }
        pos = p.end;
    }
    finish();
    if (over_limit > 0)
        scan.refused.push_back(std::to_string(over_limit) + " more keys beyond the limit of " +
                               std::to_string(limits.max_keys) + " keys were not imported");
}

}  // namespace

std::vector<ArmorBlock> find_armor(std::string_view text, std::size_t max_blocks) {
    std::vector<ArmorBlock> blocks;
    std::size_t pos = 0;
    while (pos < text.size() && blocks.size() < max_blocks) {
        Line line = line_at(text, pos);
        std::string_view type = begin_type(line.content);
        if (type.empty()) {
            pos = line.next;
            continue;
        }
        ArmorBlock b;
        b.type = std::string(type);
        b.begin = line.begin + line.content.find('-');
        std::string end_line =
            "-----END " + std::string(b.type == "PGP SIGNED MESSAGE" ? "PGP SIGNATURE" : b.type) +
            "-----";
        std::size_t p = line.next;
        b.end = text.size();
        while (p < text.size()) {
            Line l = line_at(text, p);
            if (trim(l.content) == end_line) {
                b.end = l.next;
                b.complete = true;
                break;
            }
            // A new BEGIN of a non-nested type means this block was truncated.
            std::string_view t2 = begin_type(l.content);
            if (!t2.empty() && !(b.type == "PGP SIGNED MESSAGE" && t2 == "PGP SIGNATURE")) {
                b.end = l.begin;
                break;
            }
            p = l.next;
        }
        pos = b.end;
        blocks.push_back(std::move(b));
    }
    return blocks;
}

std::optional<std::string> dearmor(std::string_view block) {
    std::size_t pos = 0;
    Line first = line_at(block, pos);
    while (trim(first.content).empty() && first.next < block.size())
        first = line_at(block, first.next);
    std::string_view type = begin_type(first.content);
    if (type.empty() || type == "PGP SIGNED MESSAGE") return std::nullopt;
    std::string end_line = "-----END " + std::string(type) + "-----";
    pos = first.next;

    // Armor headers ("Version: ...") up to a blank line. Some producers omit
    // the blank line when there are no headers: then data starts at once.
    {
        std::size_t p = pos;
        bool in_headers = true;
        while (in_headers && p < block.size()) {
            Line l = line_at(block, p);
            std::string_view t = trim(l.content);
            if (t.empty()) {
                pos = l.next;
                in_headers = false;
            } else if (t.find(": ") != std::string_view::npos) {
                p = l.next;
            } else {
                in_headers = false;  // no blank line: this line is data
                pos = p;
            }
        }
        if (in_headers) return std::nullopt;
    }

    std::string out;
    bool padded = false;
    std::optional<std::uint32_t> checksum;
    bool ended = false;
    while (pos < block.size()) {
        Line l = line_at(block, pos);
        std::string_view t = trim(l.content);
        pos = l.next;
        if (t.empty()) continue;
        if (t == end_line) {
            ended = true;
            break;
        }
        if (t.front() == '=' && t.size() == 5) {
            std::string crc;
            bool pad = false;
            if (!b64_decode_append(t.substr(1), crc, pad) || crc.size() != 3) return std::nullopt;
            checksum = (static_cast<std::uint32_t>(static_cast<unsigned char>(crc[0])) << 16) |
                       (static_cast<std::uint32_t>(static_cast<unsigned char>(crc[1])) << 8) |
                       static_cast<unsigned char>(crc[2]);
            continue;
        }
        if (padded || checksum) return std::nullopt;  // data after the end of the data
        if (!b64_decode_append(t, out, padded)) return std::nullopt;
    }
    if (!ended) return std::nullopt;
    if (checksum && *checksum != crc24(out)) return std::nullopt;
    return out;
}

std::string to_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32 + 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

int first_packet_tag(std::string_view binary) {
    if (binary.empty() || !(static_cast<unsigned char>(binary[0]) & 0x80)) return -1;
    // Data packets may use partial lengths; only the tag matters here.
    unsigned char h = static_cast<unsigned char>(binary[0]);
    if (h & 0x40) return h & 0x3F;
    return (h >> 2) & 0x0F;
}

KeyScan scan_public_keys(std::string_view data, const KeyLimits& limits) {
    KeyScan scan;
    if (data.size() > limits.max_bytes) {
        scan.refused.push_back("key data of " + std::to_string(data.size()) +
                               " bytes exceeds the limit of " + std::to_string(limits.max_bytes) +
                               " bytes; nothing imported");
        return scan;
    }
    if (!data.empty() && (static_cast<unsigned char>(data[0]) & 0x80)) {
        scan_binary(data, limits, scan);
        return scan;
    }
    std::vector<ArmorBlock> blocks = find_armor(data, 256);
    bool any = false;
    for (const ArmorBlock& b : blocks) {
        if (b.type == "PGP PRIVATE KEY BLOCK" || b.type == "PGP SECRET KEY BLOCK") {
            scan.secret_key_material = true;
            scan.refused.push_back("a secret key block was refused; nothing of it was imported");
            any = true;
            continue;
        }
        if (b.type != "PGP PUBLIC KEY BLOCK") continue;
        any = true;
        if (!b.complete) {
            scan.refused.push_back("a public key block is truncated (no END line); not imported");
            continue;
        }
        std::optional<std::string> bin = dearmor(data.substr(b.begin, b.end - b.begin));
        if (!bin) {
            scan.refused.push_back(
                "a public key block has damaged armor (bad base64 or checksum); not imported");
            continue;
        }
        scan_binary(*bin, limits, scan);
    }
    if (!any) scan.refused.push_back("no OpenPGP key data found");
    return scan;
}

}  // namespace embargo::crypto::openpgp
