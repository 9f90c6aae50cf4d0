// Composed PGP/MIME messages checked by the gpg CLI under the recipient's home.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include "crypto/gpg.hpp"
#include "crypto/pgp_compose.hpp"
#include "tests/support/gpg_home.hpp"

using namespace embargo::crypto;
using embargo::test::GpgHome;

namespace {

struct Parts {
    std::string headers;  // top-level header block
    std::string boundary;
    std::vector<std::string> raw_parts;  // bytes between "--B\r\n" and "\r\n--B"
};

// A deliberately simple multipart splitter (the test's own reading of RFC 2046).
Parts split(const std::string& msg) {
    Parts p;
    std::size_t hend = msg.find("\r\n\r\n");
    REQUIRE(hend != std::string::npos);
    p.headers = msg.substr(0, hend + 2);
    std::size_t b = p.headers.find("boundary=\"");
    REQUIRE(b != std::string::npos);
    b += 10;
    p.boundary = p.headers.substr(b, p.headers.find('"', b) - b);
    std::string delim = "\r\n--" + p.boundary;
    std::size_t pos = msg.find(delim, hend);
    REQUIRE(pos != std::string::npos);
    while (true) {
        std::size_t start = pos + delim.size();
        if (msg.compare(start, 2, "--") == 0) break;
        REQUIRE(msg.compare(start, 2, "\r\n") == 0);
        start += 2;
        std::size_t next = msg.find(delim, start);
        REQUIRE(next != std::string::npos);
        p.raw_parts.push_back(msg.substr(start, next - start));
        pos = next;
    }
    return p;
}

std::string body_of(const std::string& part) {
    return part.substr(part.find("\r\n\r\n") + 4);
}

std::string header_line(const std::string& block, const std::string& name) {
    std::size_t pos = block.find("\r\n" + name + ": ");
    if (block.compare(0, name.size() + 2, name + ": ") == 0)
        pos = 0;
    else if (pos != std::string::npos)
        pos += 2;
    else
        return {};
    std::size_t end = block.find("\r\n", pos);
    return block.substr(pos + name.size() + 2, end - pos - name.size() - 2);
}

void check_crlf(const std::string& msg) {
    for (std::size_t i = 0; i < msg.size(); ++i)
        if (msg[i] == '\n') REQUIRE((i > 0 && msg[i - 1] == '\r'));
}

OutgoingHeaders headers() {
    OutgoingHeaders h;
    h.from = "Security Team <security@example.org>";
    h.to = "Alice Reporter <alice@example.net>";
    h.reply_to = "security@example.org";
    h.outer_subject = "[EMST-2026-0001] Case update";
    h.real_subject = "[EMST-2026-0001] Heap overflow in the header parser";
    h.message_id = "EMST-2026-0001.relay.x1@example.org";
    h.date = "Tue, 24 Nov 2026 10:00:00 +0000";
    h.extra = {{"X-Embargo-Case", "EMST-2026-0001"}, {"X-Embargo-Kind", "relay"}};
    return h;
}

}  // namespace

TEST_CASE("compose_encrypted: the recipient's gpg decrypts and verifies it", "[compose]") {
    GpgHome team_home, alice_home;
    std::string team = team_home.make_key("Security Team <security@example.org>");
    std::string alice = alice_home.make_key("Alice Reporter <alice@example.net>");
    team_home.import(alice_home.export_public(alice));
    alice_home.import(team_home.export_public(team));
    Gpg gpg(team_home.path());

    OutgoingHeaders h = headers();
    std::string body = "Case: EMST-2026-0001\nThe overflow is confirmed. Grüße.\n";
    std::string msg = compose_encrypted(gpg, h, body, alice, team);
    check_crlf(msg);

    // Nothing of the real subject or the body travels in clear.
    CHECK(msg.find("Heap overflow") == std::string::npos);
    CHECK(msg.find("confirmed") == std::string::npos);
    Parts p = split(msg);
    CHECK(header_line(p.headers, "Subject") == "[EMST-2026-0001] Case update");
    CHECK(header_line(p.headers, "X-Embargo-Case") == "EMST-2026-0001");
    CHECK(header_line(p.headers, "MIME-Version") == "1.0");
    CHECK(p.headers.find("Content-Type: multipart/encrypted;") != std::string::npos);
    CHECK(p.headers.find("protocol=\"application/pgp-encrypted\"") != std::string::npos);
    REQUIRE(p.raw_parts.size() == 2);
    CHECK(header_line(p.raw_parts[0], "Content-Type") == "application/pgp-encrypted");
    CHECK(body_of(p.raw_parts[0]).find("Version: 1") == 0);
    CHECK(header_line(p.raw_parts[1], "Content-Type").find("application/octet-stream") == 0);

    auto d = alice_home.decrypt(body_of(p.raw_parts[1]));
    REQUIRE(d.exit_code == 0);
    CHECK(d.decryption_okay());
    CHECK(d.good_signature_by(team));
    std::string inner = d.plaintext;
    check_crlf(inner);
    CHECK(header_line(inner, "Content-Type") ==
          "text/plain; charset=utf-8; protected-headers=\"v1\"");
    CHECK(header_line(inner, "Subject") == "[EMST-2026-0001] Heap overflow in the header parser");
    CHECK(header_line(inner, "From") == "Security Team <security@example.org>");
    CHECK(header_line(inner, "Message-ID") == "<EMST-2026-0001.relay.x1@example.org>");
    CHECK(header_line(inner, "Content-Transfer-Encoding") == "quoted-printable");
    CHECK(body_of(inner).find("The overflow is confirmed. Gr=C3=BC=C3=9Fe.") != std::string::npos);

    // A third party (not a recipient) cannot read it.
    GpgHome eve_home;
    eve_home.make_key("Eve <eve@example.com>");
    CHECK(eve_home.decrypt(body_of(p.raw_parts[1])).exit_code != 0);

    // Our own Gpg reads back what it signed for itself (team encrypts to team).
    std::string self = compose_encrypted(gpg, h, "note\n", team, team);
    DecryptResult r = gpg.decrypt_verify(body_of(split(self).raw_parts[1]));
    REQUIRE(r.decrypted);
    REQUIRE(r.signatures.size() == 1);
    CHECK(r.signatures[0].fingerprint == team);
}

TEST_CASE("compose_signed: the gpg CLI verifies the exact signed part", "[compose]") {
    GpgHome team_home, reader_home;
    std::string team = team_home.make_key("Security Team <security@example.org>");
    reader_home.make_key("Reader <reader@example.net>");
    reader_home.import(team_home.export_public(team));
    Gpg gpg(team_home.path());

    OutgoingHeaders h = headers();
    h.to = "users@lists.example.org";
    h.outer_subject = "[EMST-2026-0001] Security advisory: héap overflow";
    std::string body = "From now on, upgrade.\ntrailing blank \nline\n";
    std::string msg = compose_signed(gpg, h, body, team);
    check_crlf(msg);
    Parts p = split(msg);
    REQUIRE(p.raw_parts.size() == 2);
    std::string ct = p.headers.substr(p.headers.find("Content-Type: multipart/signed"));
    CHECK(ct.find("protocol=\"application/pgp-signature\"") != std::string::npos);
    std::size_t m = ct.find("micalg=");
    REQUIRE(m != std::string::npos);
    std::string micalg = ct.substr(m + 7, ct.find(';', m) - m - 7);
    // What gpg reports for a signature by this key (compose_signed takes it
    // from its own run, never from shared state another thread may change).
    std::string reported;
    gpg.sign_detached("x", team, &reported);
    CHECK(reported.rfind("pgp-sha", 0) == 0);
    CHECK(micalg == reported);

    // The signed part is 7bit only (RFC 3156): QP for the "From " line and the blank.
    std::string signed_part = p.raw_parts[0];
    for (unsigned char c : signed_part) CHECK(c < 0x80);
    CHECK(header_line(signed_part, "Content-Transfer-Encoding") == "quoted-printable");
    CHECK(body_of(signed_part).find("=46rom now on") != std::string::npos);
    CHECK(body_of(signed_part).find("blank=20\r\n") != std::string::npos);

    std::string sig = body_of(p.raw_parts[1]);
    CHECK(header_line(p.raw_parts[1], "Content-Type").find("application/pgp-signature") == 0);
    auto v = reader_home.verify_detached(signed_part, sig);
    CHECK(v.exit_code == 0);
    CHECK(v.good_signature_by(team));
    // The micalg names the hash gpg reports (VALIDSIG field 8: 8 = SHA256, 10 = SHA512).
    std::map<std::string, std::string> algo{
        {"8", "pgp-sha256"}, {"10", "pgp-sha512"}, {"9", "pgp-sha384"}, {"11", "pgp-sha224"}};
    std::istringstream st(v.status);
    std::string line;
    while (std::getline(st, line)) {
        if (line.rfind("[GNUPG:] VALIDSIG ", 0) != 0) continue;
        std::istringstream f(line);
        std::vector<std::string> fields;
        for (std::string w; f >> w;) fields.push_back(w);
        REQUIRE(fields.size() >= 10);
        CHECK(algo[fields[9]] == micalg);
    }

    // Any change to the signed bytes breaks it.
    std::string altered = signed_part;
    altered.replace(altered.find("upgrade"), 7, "ignore!");
    CHECK(reader_home.verify_detached(altered, sig).exit_code != 0);
}
