// MIME parser on realistic mail: Thunderbird multipart/alternative and
// attachments, PGP/MIME signed and encrypted structure with exact offsets,
// top-level header views, and copies of parsed messages.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "parsers/mime.hpp"
#include "tests/support/tempdir.hpp"

using namespace embargo;
using mime::Part;

namespace {

// Samples are stored with LF line ends; mail arrives with CRLF.
std::string sample(const std::string& name, bool crlf = true) {
    const std::string s =
        test::read_file(std::string(EMBARGO_SOURCE_DIR) + "/tests/data/mime/" + name);
    if (!crlf) return s;
    std::string out;
    for (const char c : s) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

std::string_view slice(std::string_view raw, const Part& p) {
    return raw.substr(p.begin, p.end - p.begin);
}

std::string_view header_block(std::string_view raw, const Part& p) {
    return raw.substr(p.begin, p.body_begin - p.begin);
}

std::string_view raw_body(std::string_view raw, const Part& p) {
    return raw.substr(p.body_begin, p.end - p.body_begin);
}

bool has_problem(const mime::Message& m, std::string_view text) {
    for (const auto& p : m.problems) {
        if (p.find(text) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("Thunderbird multipart/alternative: structure, text and offsets") {
    const std::string raw = sample("thunderbird_alternative.eml");
    const mime::Message m = mime::parse(raw);
    CHECK(m.problems.empty());
    CHECK_FALSE(m.malformed);
    CHECK_FALSE(m.limits_hit);

    const Part& root = m.root;
    CHECK(root.is("multipart", "alternative"));
    CHECK(root.params.at("boundary") == "------------0Xk5mKz9Zq2vB7nR3tW8yLpA");
    REQUIRE(root.children.size() == 2);
    CHECK(root.begin == 0);
    CHECK(root.end == raw.size());
    CHECK(root.body_begin == raw.find("\r\n\r\n") + 4);

    const Part& plain = root.children[0];
    CHECK(plain.is("text", "plain"));
    CHECK(plain.params.at("charset") == "UTF-8");
    CHECK(plain.params.at("format") == "flowed");
    CHECK(plain.transfer_encoding == "8bit");
    CHECK(plain.disposition.empty());
    CHECK(slice(raw, plain) ==
          "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
          "Content-Transfer-Encoding: 8bit\r\n"
          "\r\n"
          "Hello team,\r\n\r\n"
          "I found a heap overflow in the parser – details below.\r\n"
          "Grüße,\r\nJürgen\r\n");
    CHECK(header_block(raw, plain).ends_with("8bit\r\n\r\n"));
    CHECK(raw_body(raw, plain) == plain.body);
    CHECK(plain.text() == plain.body);

    const Part& html = root.children[1];
    CHECK(html.is("text", "html"));
    CHECK(html.end == raw.rfind("\r\n--------------0Xk5mKz9Zq2vB7nR3tW8yLpA--"));

    CHECK(m.text_plain ==
          "Hello team,\n\nI found a heap overflow in the parser – details below.\n"
          "Grüße,\nJürgen\n");
    CHECK(m.text_html.starts_with("<!DOCTYPE html>\n<html>\n"));
    CHECK(m.text_html.find("Grüße,<br>Jürgen</p>") != std::string::npos);
    CHECK(m.attachments.empty());

    CHECK(m.subject == "Heap overflow in parser – “patch”");
    CHECK(m.from.name == "Jürgen Müller");
    CHECK(m.from.address == "juergen@example.org");
    REQUIRE(m.to.size() == 1);
    CHECK(m.to[0].name == "Security Team");
    CHECK(m.to[0].address == "security@project.example");
    REQUIRE(m.cc.size() == 4);
    CHECK(m.cc[0].name == "Doe, John");
    CHECK(m.cc[0].address == "john.doe@example.com");
    CHECK(m.cc[1].name == "Bob B.");
    CHECK(m.cc[1].address == "bob@example.net");
    CHECK(m.cc[2].name.empty());
    CHECK(m.cc[2].address == "carol@example.net");
    CHECK(m.cc[3].name == "Dave");
    CHECK(m.cc[3].address == "dave@example.net");
    CHECK(m.message_id == "5f3c2a1e-8b7d-4e2f-9a61-0c3d4e5f6a7b@example.org");
    CHECK(m.in_reply_to == "prev-1@project.example");
    CHECK(m.references ==
          std::vector<std::string>{"root-0@project.example", "prev-1@project.example"});
    REQUIRE(m.date);
    CHECK(format_iso8601(*m.date) == "2026-12-01T09:00:00Z");
    CHECK(m.has_return_path);
    CHECK(m.return_path == "alice.reporter@example.org");

    // Headers: unfolded (only the line breaks removed), undecoded, in order.
    const mime::Header* received = m.header("RECEIVED");
    REQUIRE(received != nullptr);
    CHECK(received->name == "Received");
    CHECK(received->value ==
          "from mail.example.org (mail.example.org [192.0.2.10])\tby mx.project.example "
          "(Postfix) with ESMTPS id 4F1A2B3C4D\tfor <security@project.example>; Tue, 01 Dec "
          "2026 10:00:05 +0100 (CET)");
    CHECK(m.header("subject")->value.starts_with("=?UTF-8?B?"));
    CHECK(root.headers.front().name == "Return-Path");
    CHECK(m.header("X-Not-There") == nullptr);
}

TEST_CASE("LF-only mail parses the same and offsets refer to the LF text") {
    const std::string crlf = sample("thunderbird_alternative.eml");
    const std::string lf = sample("thunderbird_alternative.eml", false);
    const mime::Message a = mime::parse(crlf);
    const mime::Message b = mime::parse(lf);
    CHECK(b.text_plain == a.text_plain);
    CHECK(b.text_html == a.text_html);
    CHECK(b.subject == a.subject);
    REQUIRE(b.root.children.size() == 2);
    CHECK(slice(lf, b.root.children[0]) ==
          "Content-Type: text/plain; charset=UTF-8; format=flowed\n"
          "Content-Transfer-Encoding: 8bit\n\n"
          "Hello team,\n\nI found a heap overflow in the parser – details below.\n"
          "Grüße,\nJürgen\n");
    CHECK(b.root.end == lf.size());
    CHECK(has_problem(b, "bare LF line endings"));
    CHECK_FALSE(b.malformed);  // nothing was lost
    CHECK_FALSE(has_problem(a, "bare LF"));
}

TEST_CASE("Thunderbird attachments: RFC 2231 and RFC 2047 file names, charsets, bodies") {
    const std::string raw = sample("thunderbird_attachments.eml");
    const mime::Message m = mime::parse(raw);
    CHECK(m.problems.empty());
    CHECK_FALSE(m.malformed);
    REQUIRE(m.root.is("multipart", "mixed"));
    REQUIRE(m.root.children.size() == 5);

    const Part& alt = m.root.children[0];
    CHECK(alt.is("multipart", "alternative"));
    REQUIRE(alt.children.size() == 2);
    CHECK(alt.body.empty());
    // ISO-8859-1 label, Windows-1252 byte 0x96 (en dash) as every client reads it.
    CHECK(m.text_plain == "Hello,\n\nthe crash is attached. Grüße from the café – Zoë\n");
    CHECK(m.text_html ==
          "<html><body><p>Hello,</p><p>the crash is attached. Grüße from the café – "
          "Zoë</p></body></html>\n");
    CHECK(alt.children[0].body ==
          "Hello,\n\nthe crash is attached. Gr\xfc\xdf"
          "e from the caf\xe9 \x96 Zo\xeb\n");

    REQUIRE(m.attachments.size() == 4);
    const Part& pdf = *m.attachments[0];
    CHECK(&pdf == &m.root.children[1]);
    CHECK(pdf.is("application", "pdf"));
    CHECK(pdf.disposition == "attachment");
    CHECK(pdf.filename == "résumé €.pdf");
    CHECK(pdf.params.at("name") == "report.pdf");
    CHECK(pdf.transfer_encoding == "base64");
    std::string expected_pdf;
    for (int i = 0; i < 4; ++i) {
        expected_pdf +=
            "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< "
            "/Root 1 0 R >>\n%%EOF\n";
    }
    CHECK(pdf.body == expected_pdf);

    const Part& patch = *m.attachments[1];
    CHECK(patch.is("text", "x-patch"));
    CHECK(patch.filename == "fix.patch");
    // Lines starting with "--" that are not the boundary stay content.
    CHECK(patch.body ==
          "--- a/parser.c\r\n+++ b/parser.c\r\n@@ -10,7 +10,7 @@\r\n-    memcpy(buf, in, "
          "len);\r\n+    memcpy(buf, in, min(len, sizeof buf));\r\n");

    const Part& png = *m.attachments[2];
    CHECK(png.is("image", "png"));
    CHECK(png.disposition == "inline");
    CHECK(png.params.at("name") == "very-long-screenshot.png");
    CHECK(png.filename == "very-long-screenshot.png");
    std::string expected_png;
    for (int i = 0; i < 256; ++i) expected_png += static_cast<char>(i);
    expected_png += "\x89PNG\r\n\x1a\n";
    CHECK(png.body == expected_png);
    CHECK(png.header("content-id")->value == "<part3.abc@example.org>");

    const Part& log = *m.attachments[3];
    CHECK(log.is("text", "plain"));
    CHECK(log.disposition == "attachment");
    CHECK(log.filename == "Protokoll für Test.txt");
    CHECK(log.body == "log line 1\nlog line 2\n");
    CHECK(m.text_plain.find("log line") == std::string::npos);
}

TEST_CASE("PGP/MIME signed: the first child is exactly the signed data") {
    for (const bool crlf : {true, false}) {
        const std::string raw = sample("pgp_signed.eml", crlf);
        const std::string nl = crlf ? "\r\n" : "\n";
        const mime::Message m = mime::parse(raw);
        INFO("CRLF: " << crlf);
        CHECK_FALSE(m.malformed);
        REQUIRE(m.root.is("multipart", "signed"));
        CHECK(m.root.params.at("protocol") == "application/pgp-signature");
        CHECK(m.root.params.at("micalg") == "pgp-sha256");
        REQUIRE(m.root.children.size() == 2);

        // RFC 3156: the bytes after "--B CRLF" up to, not including, "CRLF --B".
        const std::string delim = nl + "--------------sig0123456789ABCDEF";
        const std::size_t from = raw.find(delim + nl) + delim.size() + nl.size();
        const std::size_t to = raw.find(delim, from);
        const std::string expected = raw.substr(from, to - from);
        REQUIRE(expected.starts_with("Content-Type: multipart/mixed; boundary="));
        REQUIRE(expected.ends_with("--------------mix0123456789ABCDEF--" + nl));
        const Part& signed_part = m.root.children[0];
        CHECK(slice(raw, signed_part) == expected);
        CHECK(signed_part.begin == from);
        CHECK(signed_part.end == to);

        REQUIRE(signed_part.is("multipart", "mixed"));
        REQUIRE(signed_part.children.size() == 2);
        CHECK(m.text_plain == "Proof of concept attached. \nLine two.\n");
        const Part& poc = signed_part.children[1];
        CHECK(poc.filename == "poc.c");
        CHECK(poc.body == "int main(void) { return 0; }\n");

        const Part& sig = m.root.children[1];
        CHECK(sig.is("application", "pgp-signature"));
        CHECK(sig.body.starts_with("-----BEGIN PGP SIGNATURE-----" + nl + nl + "wnsEABYI"));
        CHECK(sig.body.ends_with("-----END PGP SIGNATURE-----" + nl));
        REQUIRE(m.attachments.size() == 2);
        CHECK(m.attachments[0] == &poc);
        CHECK(m.attachments[1] == &sig);
    }
}

TEST_CASE("PGP/MIME encrypted structure") {
    const std::string raw = sample("pgp_encrypted.eml");
    const mime::Message m = mime::parse(raw);
    CHECK(m.problems.empty());
    REQUIRE(m.root.is("multipart", "encrypted"));
    CHECK(m.root.params.at("protocol") == "application/pgp-encrypted");
    REQUIRE(m.root.children.size() == 2);
    const Part& version = m.root.children[0];
    CHECK(version.is("application", "pgp-encrypted"));
    CHECK(version.body == "Version: 1\r\n");
    const Part& data = m.root.children[1];
    CHECK(data.is("application", "octet-stream"));
    CHECK(data.disposition == "inline");
    CHECK(data.filename == "encrypted.asc");
    CHECK(data.body.starts_with("-----BEGIN PGP MESSAGE-----\r\n\r\nwV4DR2b2"));
    CHECK(data.body.ends_with("=AbCd\r\n-----END PGP MESSAGE-----\r\n"));
    CHECK(raw_body(raw, data) == data.body);
    CHECK(m.text_plain.empty());
    CHECK(m.subject == "...");
}

TEST_CASE("A boundary that starts with another boundary is not mistaken for it") {
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=abc\r\n\r\n"
        "--abc\r\n"
        "Content-Type: multipart/alternative; boundary=abc-1\r\n\r\n"
        "--abc-1\r\nContent-Type: text/plain\r\n\r\none\r\n"
        "--abc-1\r\nContent-Type: text/plain\r\n\r\ntwo\r\n"
        "--abc-1--\r\n"
        "--abc\r\nContent-Type: text/plain\r\n\r\nthree\r\n"
        "--abc--\r\n";
    const mime::Message m = mime::parse(raw);
    CHECK(m.problems.empty());
    REQUIRE(m.root.children.size() == 2);
    REQUIRE(m.root.children[0].children.size() == 2);
    // The line break before a delimiter belongs to the delimiter.
    CHECK(m.text_plain == "one\ntwo\nthree");
}

TEST_CASE("Defaults: no Content-Type is text/plain and multipart/digest children are messages") {
    const mime::Message plain = mime::parse("Subject: hi\r\n\r\nbody\r\n");
    CHECK(plain.root.is("text", "plain"));
    CHECK(plain.root.transfer_encoding == "7bit");
    CHECK(plain.text_plain == "body\n");
    CHECK(plain.problems.empty());

    const mime::Message digest = mime::parse(
        "Content-Type: multipart/digest; boundary=d\r\n\r\n"
        "--d\r\n\r\nFrom: a@x\r\nSubject: one\r\n\r\nfirst\r\n"
        "--d\r\nContent-Type: text/plain\r\n\r\nsecond\r\n"
        "--d--\r\n");
    REQUIRE(digest.root.children.size() == 2);
    CHECK(digest.root.children[0].is("message", "rfc822"));
    CHECK(digest.root.children[0].body == "From: a@x\r\nSubject: one\r\n\r\nfirst");
    CHECK(digest.root.children[1].is("text", "plain"));
    REQUIRE(digest.attachments.size() == 1);  // the embedded message
    CHECK(digest.text_plain == "second");
}

TEST_CASE("Duplicate header fields are all kept, the first is used") {
    const mime::Message m = mime::parse(
        "Subject: first\r\nsubject: second\r\nContent-Type: text/html\r\n"
        "Content-Type: text/plain\r\n\r\n<p>x</p>\r\n");
    REQUIRE(m.root.headers.size() == 4);
    CHECK(m.subject == "first");
    CHECK(m.root.is("text", "html"));
    CHECK(m.text_html == "<p>x</p>\n");
    CHECK(has_problem(m, "message: duplicate Content-Type header"));
}

TEST_CASE("Copies and moves of a message keep attachment pointers inside their own tree") {
    mime::Message single = mime::parse(
        "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n");
    REQUIRE(single.attachments.size() == 1);
    CHECK(single.attachments[0] == &single.root);
    CHECK(single.root.body == "%PDF-");

    const mime::Message moved = std::move(single);
    REQUIRE(moved.attachments.size() == 1);
    CHECK(moved.attachments[0] == &moved.root);

    mime::Message copy = moved;
    REQUIRE(copy.attachments.size() == 1);
    CHECK(copy.attachments[0] == &copy.root);

    const std::string raw = sample("thunderbird_attachments.eml");
    auto original = std::make_unique<mime::Message>(mime::parse(raw));
    mime::Message deep = *original;
    std::vector<std::string> names;
    for (const Part* p : original->attachments) names.push_back(p->filename);
    original.reset();  // the copy must not point into the destroyed original
    REQUIRE(deep.attachments.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) CHECK(deep.attachments[i]->filename == names[i]);
    CHECK(deep.attachments[0] == &deep.root.children[1]);

    mime::Message assigned;
    assigned = deep;
    CHECK(assigned.attachments[3] == &assigned.root.children[4]);
    assigned = mime::parse("Content-Type: image/gif\r\n\r\nGIF89a");
    REQUIRE(assigned.attachments.size() == 1);
    CHECK(assigned.attachments[0] == &assigned.root);
}
