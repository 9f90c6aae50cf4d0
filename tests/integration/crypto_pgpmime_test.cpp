// open_message on every incoming OpenPGP form a mail client produces, built
// with the real gpg CLI as the sender, plus hostile variants.
#include <catch2/catch.hpp>

#include <chrono>

#include "crypto/gpg.hpp"
#include "crypto/pgp_compose.hpp"
#include "crypto/pgp_mime.hpp"
#include "parsers/mime.hpp"
#include "tests/support/gpg_home.hpp"

using namespace embargo;
using namespace embargo::crypto;
using embargo::test::GpgHome;

namespace {

std::string crlf(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
        out += s[i];
    }
    return out;
}

std::string lf(const std::string& s) {
    std::string out;
    for (char c : s)
        if (c != '\r') out += c;
    return out;
}

std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0, col = 0;
    auto put = [&](char c) {
        out += c;
        if (++col == 76) {
            out += "\r\n";
            col = 0;
        }
    };
    auto b = [&](std::size_t k) {
        return static_cast<unsigned>(static_cast<unsigned char>(in[k]));
    };
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
        for (int s = 18; s >= 0; s -= 6) put(t[(v >> s) & 63]);
    }
    if (i + 1 == in.size()) {
        unsigned v = b(i) << 16;
        put(t[(v >> 18) & 63]);
        put(t[(v >> 12) & 63]);
        put('=');
        put('=');
    } else if (i + 2 == in.size()) {
        unsigned v = (b(i) << 16) | (b(i + 1) << 8);
        put(t[(v >> 18) & 63]);
        put(t[(v >> 12) & 63]);
        put(t[(v >> 6) & 63]);
        put('=');
    }
    return out + "\r\n";
}

const char* kTop =
    "From: Alice Reporter <alice@example.net>\r\n"
    "To: security@example.org\r\n"
    "Subject: ...\r\n"
    "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <m1@example.net>\r\n"
    "MIME-Version: 1.0\r\n";

// A multipart body from complete parts (headers, blank line, body each).
std::string multipart(const std::string& boundary, const std::vector<std::string>& parts) {
    std::string out = "preamble\r\n";
    for (const std::string& p : parts) out += "--" + boundary + "\r\n" + p + "\r\n";
    return out + "--" + boundary + "--\r\n";
}

std::string encrypted_mime(const std::string& armored, const std::string& boundary = "enc-b") {
    return "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
           "boundary=\"" +
           boundary + "\"\r\n\r\n" +
           multipart(boundary, {"Content-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n",
                                "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
                                "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n" +
                                    crlf(armored)});
}

struct Fixture {
    GpgHome team_home, alice_home;
    std::string team, alice;
    Gpg gpg;
    mime::Limits limits;
    Fixture() : team(team_home.make_key("Team <security@example.org>")), gpg(team_home.path()) {
        alice = alice_home.make_key("Alice Reporter <alice@example.net>");
        team_home.import(alice_home.export_public(alice));
        alice_home.import(team_home.export_public(team));
    }
    OpenedMessage open(const std::string& raw, std::size_t max_keys = 5,
                       std::size_t max_key_bytes = 1 << 20) {
        mime::Message msg = mime::parse(raw, limits);
        return open_message(gpg, msg, raw, limits, max_keys, max_key_bytes);
    }
    // multipart/signed over `part` (complete MIME part, CRLF) by `signer`.
    std::string signed_mime(const std::string& part, const std::string& boundary = "sig-b") {
        std::string sig = alice_home.detach_sign(part, alice);
        return "Content-Type: multipart/signed; micalg=pgp-sha512; "
               "protocol=\"application/pgp-signature\"; boundary=\"" +
               boundary + "\"\r\n\r\n" +
               multipart(boundary, {part,
                                    "Content-Type: application/pgp-signature; "
                                    "name=\"signature.asc\"\r\n\r\n" +
                                        crlf(sig)});
    }
};

void no_content_in_problems(const OpenedMessage& m, const std::string& secret) {
    for (const std::string& p : m.problems) CHECK(p.find(secret) == std::string::npos);
}

}  // namespace

TEST_CASE("PGP/MIME encrypted and signed (combined) with protected headers", "[pgpmime]") {
    Fixture f;
    std::string inner = crlf(
        "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\n"
        "Subject: =?UTF-8?Q?Heap_overflow_in_the_parser_=E2=80=94_RCE?=\n"
        "From: Alice Reporter <alice@example.net>\n"
        "\n"
        "The header parser overflows.\n/cvss CVSS:3.1/AV:N\n");
    std::string raw = kTop + encrypted_mime(f.alice_home.encrypt(inner, f.team, f.alice));
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    CHECK_FALSE(m.undecryptable);
    CHECK(m.signature.status == SignatureInfo::Status::Valid);
    CHECK(m.signature.fingerprint == f.alice);
    CHECK(m.text == "The header parser overflows.\n/cvss CVSS:3.1/AV:N\n");
    CHECK(m.signed_text == m.text);
    REQUIRE(m.protected_subject);
    CHECK(*m.protected_subject == "Heap overflow in the parser — RCE");
    CHECK(m.protected_subject_signed);
    CHECK(m.problems.empty());
}

TEST_CASE("PGP/MIME: signed inside encrypted (multipart/signed in the ciphertext)", "[pgpmime]") {
    Fixture f;
    std::string body_part = crlf(
        "Content-Type: text/plain; charset=us-ascii; protected-headers=\"v1\"\n"
        "Subject: Inner subject\n\nsigned then encrypted\n");
    std::string inner = f.signed_mime(body_part);
    std::string raw = kTop + encrypted_mime(f.alice_home.encrypt(inner, f.team));
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    CHECK_FALSE(m.undecryptable);
    CHECK(m.signature.valid());
    CHECK(m.signature.fingerprint == f.alice);
    CHECK(m.text == "signed then encrypted\n");
    CHECK(m.signed_text == "signed then encrypted\n");
    REQUIRE(m.protected_subject);
    CHECK(*m.protected_subject == "Inner subject");
    CHECK(m.protected_subject_signed);
}

TEST_CASE("PGP/MIME encrypted, unsigned, with a legacy text/rfc822-headers part", "[pgpmime]") {
    Fixture f;
    std::string inner = crlf(
        "Content-Type: multipart/mixed; boundary=\"in\"\n\n"
        "--in\n"
        "Content-Type: text/rfc822-headers; protected-headers=\"v1\"\n"
        "Content-Disposition: inline\n\n"
        "Subject: Legacy protected subject\n"
        "\n--in\n"
        "Content-Type: text/plain\n\nreport text\n"
        "\n--in\n"
        "Content-Type: application/octet-stream; name=\"poc.bin\"\n"
        "Content-Disposition: attachment; filename=\"poc.bin\"\n"
        "Content-Transfer-Encoding: base64\n\nAAECAw==\n"
        "--in--\n");
    OpenedMessage m = f.open(kTop + encrypted_mime(f.alice_home.encrypt(inner, f.team)));
    CHECK(m.encrypted);
    CHECK(m.signature.status == SignatureInfo::Status::None);
    CHECK(m.signed_text.empty());
    CHECK(m.text == "report text\n");
    REQUIRE(m.protected_subject);
    CHECK(*m.protected_subject == "Legacy protected subject");
    CHECK_FALSE(m.protected_subject_signed);
    REQUIRE(m.attachments.size() == 1);
    CHECK(m.attachments[0].filename == "poc.bin");
    CHECK(m.attachments[0].data == std::string("\0\1\2\3", 4));
}

TEST_CASE("inline PGP in a plain part, with text around it", "[pgpmime]") {
    Fixture f;
    std::string armored = f.alice_home.encrypt("decrypted line\n", f.team, f.alice);
    std::string raw = std::string(kTop) +
                      "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                      "Hello team,\r\n\r\n" +
                      crlf(armored) + "\r\n/lead mallory\r\n";
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    CHECK_FALSE(m.undecryptable);
    CHECK(m.signature.valid());
    CHECK(m.signature.fingerprint == f.alice);
    CHECK(m.text.find("Hello team,") == 0);
    CHECK(m.text.find("decrypted line") != std::string::npos);
    CHECK(m.text.find("/lead mallory") != std::string::npos);
    CHECK(m.text.find("BEGIN PGP") == std::string::npos);
    // Only what was inside the signed ciphertext is signed text.
    CHECK(m.signed_text == "decrypted line\n");
}

TEST_CASE("inline PGP in an HTML-only mail, armor split by tags and entities", "[pgpmime]") {
    Fixture f;
    std::string armored = lf(f.alice_home.encrypt("from html\n", f.team, f.alice));
    // Gmail style: one <div> per line, blank lines as <div><br></div>, &nbsp; indentation.
    std::string html = "<html><head><style>p{}</style></head><body><p>Hi&nbsp;there</p>";
    std::size_t pos = 0;
    while (pos < armored.size()) {
        std::size_t nl = armored.find('\n', pos);
        std::string line = armored.substr(pos, nl - pos);
        html += line.empty() ? "<div><br></div>" : "<div>&nbsp;" + line + "</div>";
        pos = nl + 1;
    }
    html += "</body></html>";
    std::string raw =
        std::string(kTop) + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n";
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    CHECK_FALSE(m.undecryptable);
    CHECK(m.signature.valid());
    CHECK(m.text.find("Hi there") != std::string::npos);
    CHECK(m.text.find("from html") != std::string::npos);
    CHECK(m.signed_text == "from html\n");
}

TEST_CASE("inline PGP in multipart/alternative is decrypted once", "[pgpmime]") {
    Fixture f;
    std::string armored = crlf(f.alice_home.encrypt("alt body\n", f.team));
    std::string raw =
        std::string(kTop) + "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
        multipart("alt", {"Content-Type: text/plain\r\n\r\n" + armored,
                          "Content-Type: text/html\r\n\r\n<pre>" + armored + "</pre>"});
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    CHECK(m.text == "alt body\n");
}

TEST_CASE(".asc and .gpg attachments are decrypted", "[pgpmime]") {
    Fixture f;
    std::string asc = f.alice_home.encrypt("report in an asc file\n", f.team);
    std::string gpg_bin = f.alice_home
                              .gpg({"--trust-model", "always", "--recipient", f.team, "--encrypt"},
                                   std::string("binary\0file", 11))
                              .out;
    std::string raw =
        std::string(kTop) + "Content-Type: multipart/mixed; boundary=\"mx\"\r\n\r\n" +
        multipart("mx", {"Content-Type: text/plain\r\n\r\nSee attached.\r\n",
                         "Content-Type: application/octet-stream; name=\"report.txt.asc\"\r\n"
                         "Content-Disposition: attachment; filename=\"report.txt.asc\"\r\n\r\n" +
                             crlf(asc),
                         "Content-Type: application/octet-stream\r\n"
                         "Content-Disposition: attachment; filename=\"poc.bin.gpg\"\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n" +
                             base64(gpg_bin)});
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    CHECK_FALSE(m.undecryptable);
    CHECK(m.text.find("See attached.") != std::string::npos);
    CHECK(m.text.find("report in an asc file") != std::string::npos);
    REQUIRE(m.attachments.size() == 1);
    CHECK(m.attachments[0].filename == "poc.bin");
    CHECK(m.attachments[0].data == std::string("binary\0file", 11));
    CHECK(m.signature.status == SignatureInfo::Status::None);
}

TEST_CASE("PGP/MIME re-wrapped by Exchange into multipart/mixed is repaired", "[pgpmime]") {
    Fixture f;
    std::string inner = crlf(
        "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\n"
        "Subject: Through Exchange\n\nsurvived exchange\n");
    std::string armored = f.alice_home.encrypt(inner, f.team, f.alice);
    std::string raw =
        std::string(kTop) + "Content-Type: multipart/mixed; boundary=\"ex\"\r\n\r\n" +
        multipart("ex", {"Content-Type: text/plain; charset=\"us-ascii\"\r\n"
                         "Content-Transfer-Encoding: quoted-printable\r\n\r\n\r\n",
                         "Content-Type: application/pgp-encrypted\r\n"
                         "Content-Disposition: attachment\r\n\r\nVersion: 1\r\n",
                         "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
                         "Content-Disposition: attachment; filename=\"encrypted.asc\"\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n" +
                             base64(armored)});
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    CHECK_FALSE(m.undecryptable);
    CHECK(m.text == "survived exchange\n");
    CHECK(m.signature.valid());
    CHECK(m.signature.fingerprint == f.alice);
    REQUIRE(m.protected_subject);
    CHECK(*m.protected_subject == "Through Exchange");
}

TEST_CASE("PGP/MIME signed: CRLF and LF-only mail, altered bytes", "[pgpmime]") {
    Fixture f;
    std::string part = crlf(
        "Content-Type: text/plain; charset=us-ascii; protected-headers=\"v1\"\n"
        "Subject: [EMST-2026-0001] state\n\n"
        "/state fixing\nCase: EMST-2026-0001\n");
    std::string raw = kTop + f.signed_mime(part);
    OpenedMessage m = f.open(raw);
    CHECK_FALSE(m.encrypted);
    CHECK(m.signature.valid());
    CHECK(m.signature.fingerprint == f.alice);
    CHECK(m.signed_text == "/state fixing\nCase: EMST-2026-0001\n");
    CHECK(m.text == m.signed_text);
    REQUIRE(m.protected_subject);
    CHECK(*m.protected_subject == "[EMST-2026-0001] state");
    CHECK(m.protected_subject_signed);

    // Stored with LF line endings (as many mail stores do): canonicalised.
    OpenedMessage l = f.open(lf(raw));
    CHECK(l.signature.valid());
    CHECK(l.signed_text == m.signed_text);

    std::string altered = raw;
    altered.replace(altered.find("/state fixing"), 13, "/state closed");
    OpenedMessage a = f.open(altered);
    CHECK(a.signature.status == SignatureInfo::Status::Invalid);
    CHECK(a.signed_text.empty());
    CHECK(a.text.find("/state closed") != std::string::npos);
    CHECK_FALSE(a.protected_subject_signed);
    REQUIRE_FALSE(a.problems.empty());
    no_content_in_problems(a, "/state");

    // Unsigned text outside the signed part is never signed text.
    std::string mixed =
        std::string(kTop) + "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
        multipart("outer",
                  {f.signed_mime(part), "Content-Type: text/plain\r\n\r\n/lead mallory\r\n"});
    OpenedMessage mx = f.open(mixed);
    CHECK(mx.signature.valid());
    CHECK(mx.text.find("/lead mallory") != std::string::npos);
    CHECK(mx.signed_text.find("/lead mallory") == std::string::npos);
}

TEST_CASE("cleartext-signed text: only the signed block is signed text", "[pgpmime]") {
    Fixture f;
    std::string signed_block = f.alice_home.clearsign("/close\nCase: EMST-2026-0002\n", f.alice);
    std::string raw = std::string(kTop) + "Content-Type: text/plain\r\n\r\n/lead mallory\r\n" +
                      crlf(signed_block) + "unsigned tail\r\n";
    OpenedMessage m = f.open(raw);
    CHECK_FALSE(m.encrypted);
    CHECK(m.signature.valid());
    CHECK(m.signature.fingerprint == f.alice);
    CHECK(m.signed_text == "/close\nCase: EMST-2026-0002\n");
    CHECK(m.text.find("/lead mallory") != std::string::npos);
    CHECK(m.text.find("unsigned tail") != std::string::npos);
    CHECK(m.text.find("BEGIN PGP") == std::string::npos);

    std::string altered = raw;
    altered.replace(altered.find("/close"), 6, "/reopn");
    OpenedMessage a = f.open(altered);
    CHECK(a.signature.status == SignatureInfo::Status::Invalid);
    CHECK(a.signed_text.empty());
}

TEST_CASE("undecryptable: encrypted to someone else, truncated, garbage", "[pgpmime][hostile]") {
    Fixture f;
    GpgHome other_home;
    std::string other = other_home.make_key("Other <other@example.com>");
    f.alice_home.import(other_home.export_public(other));
    std::string secret_words = "do not leak this text";

    OpenedMessage m = f.open(kTop + encrypted_mime(f.alice_home.encrypt(secret_words, other)));
    CHECK(m.encrypted);
    CHECK(m.undecryptable);
    CHECK(m.text.empty());
    REQUIRE_FALSE(m.problems.empty());
    CHECK(m.problems[0].find("no matching secret key") != std::string::npos);

    std::string armored =
        f.alice_home.encrypt(secret_words + "\n" + std::string(5000, 'z'), f.team);
    std::string cut = armored.substr(0, armored.size() / 2);
    OpenedMessage t =
        f.open(std::string(kTop) + "Content-Type: text/plain\r\n\r\nhi\r\n" + crlf(cut));
    CHECK(t.encrypted);
    CHECK(t.undecryptable);
    CHECK(t.text == "hi\n");
    no_content_in_problems(t, secret_words);

    OpenedMessage g = f.open(kTop + encrypted_mime("-----BEGIN PGP MESSAGE-----\n\nAAAA\n"
                                                   "-----END PGP MESSAGE-----\n"));
    CHECK(g.undecryptable);
    OpenedMessage e = f.open(std::string(kTop) +
                             "Content-Type: multipart/encrypted; boundary=\"x\"\r\n\r\n--x--\r\n");
    CHECK_FALSE(e.signature.valid());
}

TEST_CASE("application/pgp-keys attachments: imported within caps, secret keys refused",
          "[pgpmime][hostile]") {
    Fixture f;
    GpgHome carol_home;
    std::string carol = carol_home.make_key("Carol <carol@example.net>");
    std::string raw =
        std::string(kTop) + "Content-Type: multipart/mixed; boundary=\"k\"\r\n\r\n" +
        multipart("k", {"Content-Type: text/plain\r\n\r\nmy key\r\n",
                        "Content-Type: application/pgp-keys; name=\"OpenPGP_0x1.asc\"\r\n"
                        "Content-Disposition: attachment; filename=\"OpenPGP_0x1.asc\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n" +
                            base64(carol_home.export_public(carol))});
    OpenedMessage m = f.open(raw);
    CHECK(m.imported_keys == std::vector<std::string>{carol});
    CHECK(m.text == "my key\n");
    CHECK(f.gpg.key(carol).has_value());

    GpgHome eve_home;
    std::string eve = eve_home.make_key("Eve <eve@example.net>");
    std::string sec = std::string(kTop) + "Content-Type: multipart/mixed; boundary=\"k\"\r\n\r\n" +
                      multipart("k", {"Content-Type: application/pgp-keys\r\n\r\n" +
                                      crlf(eve_home.export_secret(eve))});
    OpenedMessage s = f.open(sec);
    CHECK(s.imported_keys.empty());
    CHECK_FALSE(f.gpg.key(eve).has_value());
    CHECK_FALSE(f.gpg.key(eve, true).has_value());
    bool mentions_secret = false;
    for (const auto& p : s.problems) mentions_secret |= p.find("secret") != std::string::npos;
    CHECK(mentions_secret);

    // 1,000 keys in one attachment: two imported (the cap), quickly.
    GpgHome bulk_home;
    std::string thousand = bulk_home.make_many_keys(1000, "b");
    std::string bulk = std::string(kTop) + "Content-Type: multipart/mixed; boundary=\"k\"\r\n\r\n" +
                       multipart("k", {"Content-Type: application/pgp-keys\r\n"
                                       "Content-Transfer-Encoding: base64\r\n\r\n" +
                                       base64(thousand)});
    OpenedMessage b = f.open(bulk, 2, 4 << 20);
    CHECK(b.imported_keys.size() == 2);
    // The same, over the byte cap: nothing.
    OpenedMessage b2 = f.open(bulk, 2, 1000);
    CHECK(b2.imported_keys.empty());
}

TEST_CASE("what compose_encrypted and compose_signed send, open_message reads", "[pgpmime]") {
    Fixture f;
    Gpg alice_gpg(f.alice_home.path());
    OutgoingHeaders h;
    h.from = "Alice Reporter <alice@example.net>";
    h.to = "security@example.org";
    h.outer_subject = "[EMST-2026-0001] ...";
    h.real_subject = "[EMST-2026-0001] Überlauf im Parser";
    h.message_id = "rt1@example.net";
    std::string raw = compose_encrypted(alice_gpg, h, "Grüße,\n/lead bob\n", f.team, f.alice);
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    CHECK(m.signature.valid());
    CHECK(m.signature.fingerprint == f.alice);
    CHECK(m.text == "Grüße,\n/lead bob\n");
    CHECK(m.signed_text == m.text);
    REQUIRE(m.protected_subject);
    CHECK(*m.protected_subject == "[EMST-2026-0001] Überlauf im Parser");
    CHECK(m.protected_subject_signed);

    std::string pub = compose_signed(alice_gpg, h, "From the advisory: upgrade.\n", f.alice);
    OpenedMessage s = f.open(pub);
    CHECK_FALSE(s.encrypted);
    CHECK(s.signature.valid());
    CHECK(s.signed_text == "From the advisory: upgrade.\n");
}

TEST_CASE("html_to_text", "[pgpmime]") {
    CHECK(html_to_text("<p>a&amp;b</p><p>c&lt;d&#62;&#x41;</p>") == "a&b\nc<d>A\n");
    CHECK(html_to_text("x<br>y<br/>z") == "x\ny\nz");
    CHECK(html_to_text("<script>alert(1)</script>ok<style>.a{}</style>") == "ok");
    CHECK(html_to_text("<!-- hidden -->shown") == "shown");
    CHECK(html_to_text("a&nbsp;b &unknown; &#0; &#x110000;") ==
          "a b &unknown; \xEF\xBF\xBD \xEF\xBF\xBD");
    CHECK(html_to_text("unterminated <b") == "unterminated ");
}

TEST_CASE("many OpenPGP parts and deep encryption layers stay bounded", "[pgpmime][hostile]") {
    Fixture f;
    std::string one = crlf(f.alice_home.encrypt("one part\n", f.team));
    std::vector<std::string> parts;
    for (int i = 0; i < 100; ++i)
        parts.push_back(
            "Content-Type: application/octet-stream\r\n"
            "Content-Disposition: attachment; filename=\"p" +
            std::to_string(i) + ".asc\"\r\n\r\n" + one);
    std::string raw = std::string(kTop) +
                      "Content-Type: multipart/mixed; boundary=\"many\"\r\n\r\n" +
                      multipart("many", parts);
    OpenedMessage m = f.open(raw);
    CHECK(m.encrypted);
    std::size_t n = 0;
    for (std::size_t at = m.text.find("one part"); at != std::string::npos;
         at = m.text.find("one part", at + 1))
        ++n;
    CHECK(n == 64);
    bool budget = false;
    for (const auto& p : m.problems) budget |= p.find("more than 64 OpenPGP operations") == 0;
    CHECK(budget);

    // PGP/MIME inside PGP/MIME: four layers are read, six are not.
    auto layered = [&](int layers) {
        std::string entity = "Content-Type: text/plain\r\n\r\ninnermost\r\n";
        for (int i = 0; i < layers; ++i)
            entity = encrypted_mime(f.alice_home.encrypt(entity, f.team), "L" + std::to_string(i));
        return f.open(kTop + entity);
    };
    OpenedMessage four = layered(4);
    CHECK(four.text == "innermost\n");
    CHECK_FALSE(four.undecryptable);
    OpenedMessage six = layered(6);
    CHECK(six.encrypted);
    CHECK(six.text.find("innermost") == std::string::npos);
    bool layers = false;
    for (const auto& p : six.problems) layers |= p.find("layers deep") != std::string::npos;
    CHECK(layers);
}
