// MIME parser offsets checked by a real signature: gpg signs the content of a
// PGP/MIME multipart/signed message, and the bytes the parser reports for the
// signed child must verify; one byte more must not.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <string>

#include "parsers/mime.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tempdir.hpp"

using namespace embargo;

namespace {

std::string to_crlf(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
        out += s[i];
    }
    return out;
}

std::string to_lf(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
        out += s[i];
    }
    return out;
}

}  // namespace

TEST_CASE("gpg verifies exactly the bytes of the signed child") {
    test::TempDir dir;
    const std::string home = dir / "g";
    REQUIRE(mkdir(home.c_str(), 0700) == 0);
    const std::map<std::string, std::string> env{{"GNUPGHOME", home}};
    const auto gen = test::run({"gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                                "Reporter <r@example.org>", "future-default", "default", "never"},
                               env);
    if (gen.exit_code == 127) {
        WARN("gpg is not installed: signature check skipped");
        return;
    }
    REQUIRE(gen.exit_code == 0);

    const std::string content =
        "Content-Type: multipart/mixed; boundary=\"inner\"\r\n"
        "\r\n"
        "--inner\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "The bug is in parse().=20\r\n"
        "--outer is not a boundary here\r\n"
        "\r\n"
        "--inner--\r\n";
    const auto sig = test::run({"gpg", "--batch", "--armor", "--detach-sign"}, env, content);
    REQUIRE(sig.exit_code == 0);
    const std::string raw =
        "From: Reporter <r@example.org>\r\n"
        "Subject: signed\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/signed; micalg=pgp-sha512;\r\n"
        " protocol=\"application/pgp-signature\"; boundary=\"outer\"\r\n"
        "\r\n"
        "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n"
        "--outer\r\n" +
        content +
        "\r\n--outer\r\n"
        "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
        "\r\n" +
        to_crlf(sig.out) + "\r\n--outer--\r\n";

    const auto verify = [&](const std::string& data, const std::string& signature) {
        test::write_file(dir / "data", data);
        test::write_file(dir / "data.asc", signature);
        return test::run({"gpg", "--batch", "--verify", dir / "data.asc", dir / "data"}, env)
            .exit_code;
    };

    const mime::Message m = mime::parse(raw);
    CHECK_FALSE(m.malformed);
    REQUIRE(m.root.is("multipart", "signed"));
    REQUIRE(m.root.children.size() == 2);
    const mime::Part& signed_part = m.root.children[0];
    const mime::Part& sig_part = m.root.children[1];
    const std::string bytes = raw.substr(signed_part.begin, signed_part.end - signed_part.begin);
    CHECK(bytes == content);
    CHECK(m.text_plain == "The bug is in parse(). \n--outer is not a boundary here\n");
    CHECK(verify(bytes, sig_part.body) == 0);
    CHECK(verify(bytes + "\r\n", sig_part.body) != 0);
    CHECK(verify(bytes.substr(0, bytes.size() - 1), sig_part.body) != 0);

    // The same message stored with LF line ends: offsets refer to the LF
    // text; turned back into canonical CRLF, the slice verifies.
    const std::string lf = to_lf(raw);
    const mime::Message l = mime::parse(lf);
    REQUIRE(l.root.children.size() == 2);
    const mime::Part& lf_signed = l.root.children[0];
    const std::string lf_bytes = lf.substr(lf_signed.begin, lf_signed.end - lf_signed.begin);
    CHECK(lf_bytes == to_lf(content));
    CHECK(verify(to_crlf(lf_bytes), l.root.children[1].body) == 0);

    test::run({"gpgconf", "--kill", "gpg-agent"}, env);
}
