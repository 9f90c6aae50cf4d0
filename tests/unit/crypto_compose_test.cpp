// Outgoing mail building blocks and plain messages (no gpg needed).
#include <catch2/catch.hpp>

#include <string>

#include "crypto/pgp_compose.hpp"

using namespace embargo::crypto;

namespace {

// Decodes quoted-printable (test-side, independent of the encoder).
std::string qp_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '=' && i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (s[i] == '=' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string b64_decode(const std::string& in) {
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (char c : in) {
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+'             ? 62
                : c == '/'             ? 63
                                       : -1;
        if (v < 0) continue;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

// Decodes =?UTF-8?B?...?= words separated by folding white space.
std::string decode_words(const std::string& v) {
    std::string out;
    std::size_t pos = 0;
    while ((pos = v.find("=?UTF-8?B?", pos)) != std::string::npos) {
        std::size_t end = v.find("?=", pos + 10);
        REQUIRE(end != std::string::npos);
        out += b64_decode(v.substr(pos + 10, end - pos - 10));
        pos = end + 2;
    }
    return out;
}

std::string header_block(const std::string& msg) {
    return msg.substr(0, msg.find("\r\n\r\n") + 2);
}

// The unfolded value of the first header `name` in a CRLF header block.
std::string header_value(const std::string& msg, const std::string& name) {
    std::string block = header_block(msg);
    std::size_t pos = 0;
    while (pos < block.size()) {
        std::size_t end = block.find("\r\n", pos);
        while (end != std::string::npos && end + 2 < block.size() &&
               (block[end + 2] == ' ' || block[end + 2] == '\t'))
            end = block.find("\r\n", end + 2);
        std::string field = block.substr(pos, end - pos);
        if (field.size() > name.size() && field.compare(0, name.size(), name) == 0 &&
            field[name.size()] == ':') {
            std::string v = field.substr(name.size() + 1);
            std::string unfolded;
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (v.compare(i, 2, "\r\n") == 0) {
                    ++i;
                    continue;
                }
                unfolded += v[i];
            }
            return unfolded.substr(unfolded.find_first_not_of(' '));
        }
        pos = end + 2;
    }
    return {};
}

void check_crlf_and_lengths(const std::string& msg) {
    for (std::size_t i = 0; i < msg.size(); ++i) {
        if (msg[i] == '\n') REQUIRE((i > 0 && msg[i - 1] == '\r'));
        if (msg[i] == '\r') REQUIRE((i + 1 < msg.size() && msg[i + 1] == '\n'));
    }
    std::size_t start = 0;
    while (start < msg.size()) {
        std::size_t end = msg.find("\r\n", start);
        if (end == std::string::npos) end = msg.size();
        REQUIRE(end - start <= 998);
        start = end + 2;
    }
}

OutgoingHeaders sample() {
    OutgoingHeaders h;
    h.from = "Example Security Team <secalert@example.org>";
    h.to = "Zoë Reporter <zoe@example.net>";
    h.reply_to = "secalert@example.org";
    h.outer_subject = "[EMST-2026-0001] Your report";
    h.real_subject = "[EMST-2026-0001] Heap overflow";
    h.message_id = "EMST-2026-0001.ack.abc@example.org";
    h.in_reply_to = "<orig@example.net>";
    h.references = "root@example.org <orig@example.net>";
    h.date = "Tue, 24 Nov 2026 10:00:00 +0000";
    h.extra = {{"X-Embargo-Case", "EMST-2026-0001"}, {"X-Embargo-Kind", "ack"}};
    return h;
}

}  // namespace

TEST_CASE("quoted_printable round-trips and stays 7bit and short", "[compose]") {
    std::string text =
        "Grüße aus Köln\r\nFrom here on\r\ntrailing space \r\ntab\t\r\n.\r\n= sign\r\n" +
        std::string(200, 'x') + "\r\n";
    std::string qp = quoted_printable(text);
    CHECK(qp_decode(qp) == text);
    for (unsigned char c : qp) CHECK(c < 0x80);
    std::size_t start = 0;
    while (start < qp.size()) {
        std::size_t end = qp.find("\r\n", start);
        if (end == std::string::npos) end = qp.size();
        std::string line = qp.substr(start, end - start);
        CHECK(line.size() <= 76);
        CHECK(line.rfind("From ", 0) != 0);
        if (!line.empty()) CHECK((line.back() != ' ' && line.back() != '\t'));
        start = end + 2;
    }
    CHECK(qp.find("=46rom here") != std::string::npos);
    CHECK(qp.find("space=20\r\n") != std::string::npos);
    CHECK(quoted_printable("a\nb\n") == "a\r\nb\r\n");
}

TEST_CASE("encode_header_value: ASCII folded, the rest RFC 2047", "[compose]") {
    CHECK(encode_header_value("Plain subject", 9) == "Plain subject");
    std::string umlaut = encode_header_value("Überlauf im Parser — kritisch", 9);
    CHECK(umlaut.find("=?UTF-8?B?") == 0);
    CHECK(decode_words(umlaut) == "Überlauf im Parser — kritisch");

    // Long non-ASCII: several words, each at most 75 characters, split on
    // character boundaries.
    std::string long_text;
    for (int i = 0; i < 40; ++i) long_text += "日本語";
    std::string enc = encode_header_value(long_text, 9);
    CHECK(decode_words(enc) == long_text);
    std::size_t start = 0;
    while (start < enc.size()) {
        std::size_t end = enc.find("\r\n", start);
        if (end == std::string::npos) end = enc.size();
        std::string line = enc.substr(start, end - start);
        CHECK(line.size() <= 76);
        start = end + 2;
    }

    // Line breaks from case data never reach the header.
    std::string injected = encode_header_value("x\r\nBcc: victim@example.com", 9);
    CHECK(injected.find('\n') == std::string::npos);
    CHECK(injected.find('\r') == std::string::npos);

    // Text that looks like an encoded word is encoded itself.
    CHECK(decode_words(encode_header_value("=?UTF-8?B?QUJD?=", 9)) == "=?UTF-8?B?QUJD?=");

    // Long ASCII is folded at spaces.
    std::string words;
    for (int i = 0; i < 30; ++i) words += "word" + std::to_string(i) + " ";
    words.pop_back();
    std::string folded = encode_header_value(words, 9);
    CHECK(folded.find("\r\n ") != std::string::npos);
    std::string unfolded;
    for (std::size_t i = 0; i < folded.size(); ++i) {
        if (folded.compare(i, 2, "\r\n") == 0) {
            ++i;
            continue;
        }
        unfolded += folded[i];
    }
    CHECK(unfolded == words);
}

TEST_CASE("compose_plain: headers, encoding, CRLF", "[compose]") {
    OutgoingHeaders h = sample();
    std::string body = "Case: EMST-2026-0001\nThanks, Zoë.\n-- \nsig\n";
    std::string msg = compose_plain(h, body);
    check_crlf_and_lengths(msg);
    CHECK(header_value(msg, "MIME-Version") == "1.0");
    CHECK(header_value(msg, "Subject") == "[EMST-2026-0001] Your report");
    CHECK(header_value(msg, "Message-ID") == "<EMST-2026-0001.ack.abc@example.org>");
    CHECK(header_value(msg, "In-Reply-To") == "<orig@example.net>");
    CHECK(header_value(msg, "References") == "<root@example.org> <orig@example.net>");
    CHECK(header_value(msg, "Date") == "Tue, 24 Nov 2026 10:00:00 +0000");
    CHECK(header_value(msg, "X-Embargo-Case") == "EMST-2026-0001");
    CHECK(header_value(msg, "X-Embargo-Kind") == "ack");
    CHECK(header_value(msg, "Reply-To") == "secalert@example.org");
    CHECK(header_value(msg, "Content-Type") == "text/plain; charset=utf-8");
    std::string to = header_value(msg, "To");
    CHECK(to.find("<zoe@example.net>") != std::string::npos);
    CHECK(decode_words(to) == "Zoë Reporter");
    CHECK(header_value(msg, "Content-Transfer-Encoding") == "quoted-printable");
    std::string got = qp_decode(msg.substr(msg.find("\r\n\r\n") + 4));
    CHECK(got == "Case: EMST-2026-0001\r\nThanks, Zoë.\r\n-- \r\nsig\r\n");
    // The real subject is not used when an outer one is given.
    CHECK(msg.find("Heap overflow") == std::string::npos);

    // Pure ASCII: 7bit, body as is.
    std::string ascii = compose_plain(h, "hello\nworld");
    CHECK(header_value(ascii, "Content-Transfer-Encoding") == "7bit");
    CHECK(ascii.substr(ascii.find("\r\n\r\n") + 4) == "hello\r\nworld\r\n");

    // Mostly non-Latin text: 8bit.
    std::string cyr = compose_plain(h, "Привет, это отчёт об уязвимости.\n");
    CHECK(header_value(cyr, "Content-Transfer-Encoding") == "8bit");
    CHECK(cyr.find("Привет") != std::string::npos);

    // Invalid UTF-8 is replaced, never passed on under charset=utf-8.
    std::string bad = compose_plain(h, std::string("caf\xE9\n"));
    CHECK(qp_decode(bad.substr(bad.find("\r\n\r\n") + 4)) == "caf\xEF\xBF\xBD\r\n");

    // No Date given: one is made.
    h.date.clear();
    CHECK(header_value(compose_plain(h, "x"), "Date").find(" +0000") != std::string::npos);
}

TEST_CASE("compose_plain refuses bad header input clearly", "[compose]") {
    OutgoingHeaders h = sample();
    h.extra.push_back({"Bad Name", "x"});
    CHECK_THROWS_AS(compose_plain(h, "x"), ComposeError);
    h = sample();
    h.extra.push_back({"Content-Type", "text/html"});
    CHECK_THROWS_WITH(compose_plain(h, "x"), Catch::Contains("override"));
    h = sample();
    h.to = "";
    CHECK_THROWS_WITH(compose_plain(h, "x"), Catch::Contains("no To"));

    // Injection attempts through values end up inside one header.
    h = sample();
    h.outer_subject = "Hi\r\nBcc: victim@example.com\r\n\r\nbody";
    h.to = "a@example.net, \"Doe, John\" <john@example.net>";
    std::string msg = compose_plain(h, "x");
    CHECK(header_value(msg, "Bcc").empty());
    CHECK(header_block(msg).find("\r\nBcc:") == std::string::npos);
    CHECK(header_value(msg, "To") == "a@example.net, \"Doe, John\" <john@example.net>");
}
