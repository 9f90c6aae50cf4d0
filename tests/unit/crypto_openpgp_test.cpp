// Armor finding/decoding and the public-key packet scanner, on synthetic data.
#include <catch2/catch.hpp>

#include <cstdint>

#include "crypto/openpgp.hpp"

using namespace embargo::crypto::openpgp;

namespace {

std::string packet(int tag, const std::string& body) {
    std::string p(1, static_cast<char>(0xC0 | tag));
    if (body.size() < 192) {
        p.push_back(static_cast<char>(body.size()));
    } else {
        p.push_back(static_cast<char>(0xFF));
        for (int s = 24; s >= 0; s -= 8) p.push_back(static_cast<char>((body.size() >> s) & 0xFF));
    }
    return p + body;
}

std::string old_packet(int tag, const std::string& body) {
    REQUIRE(body.size() < 256);
    std::string p(1, static_cast<char>(0x80 | (tag << 2)));
    p.push_back(static_cast<char>(body.size()));
    return p + body;
}

std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                          (static_cast<unsigned char>(in[i + 1]) << 8) |
                          static_cast<unsigned char>(in[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out.push_back(t[(v >> s) & 63]);
    }
    if (i + 1 == in.size()) {
        std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
        out += {t[(v >> 18) & 63], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                          (static_cast<unsigned char>(in[i + 1]) << 8);
        out += {t[(v >> 18) & 63], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
}

std::uint32_t crc24(const std::string& d) {
    std::uint32_t crc = 0xB704CE;
    for (unsigned char c : d) {
        crc ^= static_cast<std::uint32_t>(c) << 16;
        for (int i = 0; i < 8; ++i) {
            crc <<= 1;
            if (crc & 0x1000000) crc ^= 0x1864CFB;
        }
    }
    return crc & 0xFFFFFF;
}

std::string armor(const std::string& type, const std::string& bin, bool with_crc = true) {
    std::string b64 = base64(bin);
    std::string out = "-----BEGIN " + type + "-----\nVersion: test\n\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
    if (with_crc) {
        std::uint32_t c = crc24(bin);
        std::string cb{static_cast<char>(c >> 16), static_cast<char>((c >> 8) & 0xFF),
                       static_cast<char>(c & 0xFF)};
        out += "=" + base64(cb) + "\n";
    }
    return out + "-----END " + type + "-----\n";
}

std::string key(const std::string& name, int uids = 1, int sigs_per_uid = 1, int subkeys = 1) {
    std::string k = packet(6, "\x04primary-" + name);
    for (int u = 0; u < uids; ++u) {
        k += packet(13, name + std::to_string(u) + " <" + name + "@example.org>");
        for (int s = 0; s < sigs_per_uid; ++s) k += packet(2, "\x04sig");
    }
    for (int s = 0; s < subkeys; ++s) k += packet(14, "\x04sub-" + name) + packet(2, "\x04bind");
    return k;
}

}  // namespace

TEST_CASE("find_armor finds blocks at line starts only", "[openpgp]") {
    std::string text =
        "Hello,\r\n"
        "> -----BEGIN PGP MESSAGE-----\r\n"  // quoted: not a block
        "  -----BEGIN PGP MESSAGE-----\r\n"
        "\r\nabc\r\n-----END PGP MESSAGE-----\r\n"
        "middle\n"
        "-----BEGIN PGP SIGNED MESSAGE-----\n"
        "Hash: SHA256\n\nsigned\n-----BEGIN PGP SIGNATURE-----\n\nxyz\n"
        "-----END PGP SIGNATURE-----\n"
        "tail\n"
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nno end";
    auto blocks = find_armor(text);
    REQUIRE(blocks.size() == 3);
    CHECK(blocks[0].type == "PGP MESSAGE");
    CHECK(blocks[0].complete);
    CHECK(text.substr(blocks[0].begin, 27) == "-----BEGIN PGP MESSAGE-----");
    CHECK(text.substr(blocks[0].end, 6) == "middle");
    CHECK(blocks[1].type == "PGP SIGNED MESSAGE");
    CHECK(blocks[1].complete);
    CHECK(text.substr(blocks[1].end, 4) == "tail");
    CHECK(blocks[2].type == "PGP PUBLIC KEY BLOCK");
    CHECK_FALSE(blocks[2].complete);
    CHECK(blocks[2].end == text.size());

    // A block cut off by the next BEGIN ends there.
    std::string cut =
        "-----BEGIN PGP MESSAGE-----\n\nabc\n-----BEGIN PGP MESSAGE-----\n\nd\n"
        "-----END PGP MESSAGE-----\n";
    auto two = find_armor(cut);
    REQUIRE(two.size() == 2);
    CHECK_FALSE(two[0].complete);
    CHECK(two[1].complete);
    CHECK(find_armor(cut, 1).size() == 1);
    CHECK(find_armor("-----BEGIN FOO-----\n-----END FOO-----\n").empty());
}

TEST_CASE("dearmor decodes, checks the CRC and rejects damage", "[openpgp]") {
    std::string bin;
    for (int i = 0; i < 300; ++i) bin.push_back(static_cast<char>(i * 7));
    std::string a = armor("PGP MESSAGE", bin);
    auto d = dearmor(a);
    REQUIRE(d);
    CHECK(*d == bin);
    CHECK(dearmor(armor("PGP MESSAGE", bin, false)) == bin);

    // CRLF and leading text lines of the caller's choosing.
    std::string crlf;
    for (char c : a) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    CHECK(dearmor(crlf) == bin);

    std::string bad_crc = a;
    std::size_t eq = bad_crc.find("\n=") + 2;
    bad_crc[eq] = bad_crc[eq] == 'A' ? 'B' : 'A';
    CHECK_FALSE(dearmor(bad_crc));

    std::string bad_char = a;
    bad_char[bad_char.find("\n\n") + 5] = '!';
    CHECK_FALSE(dearmor(bad_char));

    CHECK_FALSE(dearmor(a.substr(0, a.size() / 2)));  // truncated: no END line
    CHECK_FALSE(dearmor("-----BEGIN PGP SIGNED MESSAGE-----\n\nx\n"));
    CHECK_FALSE(dearmor("no armor here"));

    // No blank line after BEGIN (some producers): data starts at once.
    std::string b64 = base64("abc");
    CHECK(dearmor("-----BEGIN PGP MESSAGE-----\n" + b64 + "\n-----END PGP MESSAGE-----\n") ==
          std::string("abc"));
}

TEST_CASE("to_crlf canonicalises every line ending", "[openpgp]") {
    CHECK(to_crlf("a\nb\r\nc\rd") == "a\r\nb\r\nc\r\nd");
    CHECK(to_crlf("") == "");
    CHECK(to_crlf("\n\n") == "\r\n\r\n");
    CHECK(to_crlf("x\r\n") == "x\r\n");
}

TEST_CASE("first_packet_tag", "[openpgp]") {
    CHECK(first_packet_tag(packet(1, "pkesk")) == 1);
    CHECK(first_packet_tag(old_packet(6, "key")) == 6);
    CHECK(first_packet_tag("plain text") == -1);
    CHECK(first_packet_tag("") == -1);
}

TEST_CASE("scan_public_keys accepts well-formed public keys", "[openpgp]") {
    KeyLimits l;
    std::string two = key("alice") + packet(12, "trust") + key("bob");
    KeyScan s = scan_public_keys(two, l);
    CHECK(s.refused.empty());
    CHECK(s.keys_seen == 2);
    REQUIRE(s.keys.size() == 2);
    CHECK(s.keys[0] == key("alice"));  // trust packet dropped
    CHECK(s.keys[1] == key("bob"));
    CHECK_FALSE(s.secret_key_material);

    // Armored, with text around and two blocks.
    std::string text = "my keys:\n" + armor("PGP PUBLIC KEY BLOCK", key("a")) + "and\n" +
                       armor("PGP PUBLIC KEY BLOCK", key("b")) + "bye\n";
    KeyScan a = scan_public_keys(text, l);
    CHECK(a.refused.empty());
    CHECK(a.keys.size() == 2);

    // Old-format packets are fine too.
    std::string old = old_packet(6, "\x04k") + old_packet(13, "O <o@x>") + old_packet(2, "s");
    CHECK(scan_public_keys(old, l).keys.size() == 1);
}

TEST_CASE("scan_public_keys refuses secret keys, bombs and junk", "[openpgp]") {
    KeyLimits l;
    l.max_keys = 3;
    l.max_user_ids = 5;
    l.max_signatures = 20;
    l.max_subkeys = 2;

    std::string secret = packet(5, "\x04secret") + packet(13, "S <s@x>") + packet(2, "sig");
    KeyScan s = scan_public_keys(secret + key("ok"), l);
    CHECK(s.secret_key_material);
    REQUIRE(s.keys.size() == 1);
    CHECK(s.keys[0] == key("ok"));
    REQUIRE(s.refused.size() == 1);
    CHECK(s.refused[0].find("secret") != std::string::npos);

    std::string secret_sub = key("p", 1, 1, 0) + packet(7, "\x04secret-sub");
    CHECK(scan_public_keys(secret_sub, l).keys.empty());
    CHECK(scan_public_keys(armor("PGP PRIVATE KEY BLOCK", key("x")), l).secret_key_material);
    CHECK(scan_public_keys(armor("PGP PRIVATE KEY BLOCK", key("x")), l).keys.empty());

    KeyScan uids = scan_public_keys(key("u", 6), l);
    CHECK(uids.keys.empty());
    REQUIRE(uids.refused.size() == 1);
    CHECK(uids.refused[0].find("6 user ids exceed the limit of 5") != std::string::npos);

    KeyScan sigs = scan_public_keys(key("s", 1, 20), l);  // 20 + 1 binding signature
    CHECK(sigs.keys.empty());
    CHECK(sigs.refused[0].find("21 signatures") != std::string::npos);

    CHECK(scan_public_keys(key("k", 1, 1, 3), l).keys.empty());

    std::string many;
    for (int i = 0; i < 10; ++i) many += key("m" + std::to_string(i));
    KeyScan capped = scan_public_keys(many, l);
    CHECK(capped.keys.size() == 3);
    CHECK(capped.keys_seen == 10);
    REQUIRE(capped.refused.size() == 1);
    CHECK(capped.refused[0].find("7 more keys") != std::string::npos);

    l.max_bytes = 10;
    KeyScan big = scan_public_keys(key("big"), l);
    CHECK(big.keys.empty());
    CHECK(big.refused[0].find("exceeds the limit") != std::string::npos);
    l.max_bytes = 1 << 20;

    // Truncation, partial lengths, non-key packets, packets before any key.
    std::string k = key("t");
    CHECK(scan_public_keys(k.substr(0, k.size() - 3), l).keys.empty());
    std::string partial = packet(6, "\x04k");
    partial += std::string("\xCD\xE1", 2) + "xx";  // uid with a partial length
    CHECK(scan_public_keys(partial, l).keys.empty());
    std::string literal = key("l") + packet(11, "literal data");
    KeyScan lit = scan_public_keys(literal, l);
    CHECK(lit.keys.empty());
    CHECK(lit.refused[0].find("not key material") != std::string::npos);
    CHECK(scan_public_keys(packet(13, "U <u@x>") + key("z"), l).keys.empty());
    CHECK(scan_public_keys(packet(6, "\x04no-uid") + packet(2, "s"), l).keys.empty());
    CHECK(scan_public_keys("just some text", l).refused.size() == 1);
    CHECK(scan_public_keys("", l).keys.empty());

    // Damaged armor.
    std::string a = armor("PGP PUBLIC KEY BLOCK", key("d"));
    a[a.find("\n\n") + 4] = '*';
    CHECK(scan_public_keys(a, l).keys.empty());
    std::string unterminated = armor("PGP PUBLIC KEY BLOCK", key("e"));
    unterminated.resize(unterminated.find("-----END"));
    CHECK(scan_public_keys(unterminated, l).keys.empty());
}
