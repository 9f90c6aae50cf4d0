// MIME parser decoding: RFC 2047 encoded words, RFC 2231 parameters, charset
// conversion (iso-8859-1, windows-1252, utf-8, koi8-r, unknown), Base64 and
// quoted-printable bodies, address lists.
#include <catch2/catch.hpp>

#include <string>

#include "parsers/mime.hpp"

using namespace embargo;

namespace {

bool has_problem(const mime::Message& m, std::string_view text) {
    for (const auto& p : m.problems) {
        if (p.find(text) != std::string::npos) return true;
    }
    return false;
}

// A one-part message with the given Content-Type, transfer encoding and body.
mime::Message single(const std::string& type, const std::string& cte, const std::string& body) {
    std::string raw = "Content-Type: " + type + "\r\n";
    if (!cte.empty()) raw += "Content-Transfer-Encoding: " + cte + "\r\n";
    return mime::parse(raw + "\r\n" + body);
}

}  // namespace

TEST_CASE("RFC 2047: B and Q words, any charset") {
    using mime::decode_header_words;
    CHECK(decode_header_words("=?UTF-8?B?SGVsbG8gV29ybGQ=?=") == "Hello World");
    CHECK(decode_header_words("=?utf-8?b?SGVsbG8gV29ybGQ?=") == "Hello World");  // no padding
    CHECK(decode_header_words("=?iso-8859-1?q?caf=E9_cr=E8me?=") == "café crème");
    CHECK(decode_header_words("=?ISO-8859-1?Q?caf=e9?=") == "café");
    CHECK(decode_header_words("=?windows-1252?Q?=93quoted=94?=") == "“quoted”");
    CHECK(decode_header_words("=?koi8-r?B?8NLJ18XU?=") == "Привет");
    CHECK(decode_header_words("=?UTF-8*en?Q?Hi?=") == "Hi");  // RFC 2231 language
    CHECK(decode_header_words("plain text") == "plain text");
    CHECK(decode_header_words("") == "");
}

TEST_CASE("RFC 2047: adjacent words are joined, text between them kept") {
    using mime::decode_header_words;
    CHECK(decode_header_words("=?UTF-8?Q?a?= =?UTF-8?Q?b?=") == "ab");
    CHECK(decode_header_words("=?UTF-8?Q?a?=\t  =?UTF-8?Q?b?=") == "ab");
    CHECK(decode_header_words("=?UTF-8?Q?a?= x =?UTF-8?Q?b?=") == "a x b");
    CHECK(decode_header_words("Re: =?UTF-8?Q?caf=C3=A9?= ok") == "Re: café ok");
    CHECK(decode_header_words("Re:=?UTF-8?Q?_caf=C3=A9?=") == "Re: café");
    // A character split across two words by a careless encoder.
    CHECK(decode_header_words("=?UTF-8?Q?=E2=82?= =?UTF-8?Q?=AC?=") == "€");
    CHECK(decode_header_words("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=") == "€");
    // Different charsets next to each other.
    CHECK(decode_header_words("=?iso-8859-1?q?=E9?= =?koi8-r?b?8NLJ18XU?=") == "éПривет");
}

TEST_CASE("RFC 2047: malformed words stay literal, output is always clean UTF-8") {
    using mime::decode_header_words;
    CHECK(decode_header_words("=?UTF-8?X?abc?=") == "=?UTF-8?X?abc?=");
    CHECK(decode_header_words("=?UTF-8?Q?unterminated") == "=?UTF-8?Q?unterminated");
    CHECK(decode_header_words("=??Q?abc?=") == "=??Q?abc?=");
    CHECK(decode_header_words("=?UTF-8?Q?open =?UTF-8?Q?closed?=") == "=?UTF-8?Q?open closed");
    CHECK(decode_header_words("=?x-klingon?Q?a=FFb?=") == "a\uFFFDb");
    CHECK(decode_header_words("raw \xC3\xA9 and bad \xFF") == "raw é and bad \uFFFD");
    // Encoded line breaks or NULs must not survive into a header we write or log.
    const std::string injected = decode_header_words("=?UTF-8?Q?a=0D=0ABcc:_x=00y?=");
    CHECK(injected.find_first_of("\r\n") == std::string::npos);
    CHECK(injected == "a  Bcc: x\uFFFDy");
}

// How fast: bench/mime_bench.sh.
TEST_CASE("RFC 2047: 100,000 unfinished encoded-word starts stay as they are") {
    std::string v;
    for (int i = 0; i < 100000; ++i) v += "=?a?q?";
    v += "?=";
    const std::string out = mime::decode_header_words(v);
    CHECK(out.size() <= v.size());
    CHECK(out.starts_with("=?a?q?=?a?q?"));
}

TEST_CASE("to_utf8: the usual mail charsets") {
    bool ok = false;
    CHECK(mime::to_utf8("caf\xe9", "iso-8859-1", &ok) == "café");
    CHECK(ok);
    CHECK(mime::to_utf8("caf\xe9 \x96 x", "ISO-8859-1") == "café – x");  // as Windows-1252
    CHECK(mime::to_utf8("caf\xe9", "\"Latin1\"") == "café");
    CHECK(mime::to_utf8("\x93quoted\x94 \x80", "windows-1252", &ok) == "“quoted” €");
    CHECK(ok);
    CHECK(mime::to_utf8("\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", &ok) == "Привет");
    CHECK(ok);
    CHECK(mime::to_utf8("Gr\xc3\xbc\xc3\x9f"
                        "e",
                        "utf-8", &ok) == "Grüße");
    CHECK(ok);
    CHECK(mime::to_utf8("Gr\xc3\xbc\xc3\x9f"
                        "e",
                        "", &ok) == "Grüße");  // no charset given
    CHECK(ok);
    CHECK(mime::to_utf8(std::string("h\0i\0", 4), "utf-16le", &ok) == "hi");
    CHECK(ok);
}

TEST_CASE("to_utf8: invalid bytes and unknown charsets become U+FFFD") {
    bool ok = true;
    CHECK(mime::to_utf8("a\xff"
                        "b",
                        "utf-8", &ok) == "a\uFFFDb");
    CHECK_FALSE(ok);
    CHECK(mime::to_utf8("\xc0\xaf", "utf-8") == "\uFFFD\uFFFD");            // overlong "/"
    CHECK(mime::to_utf8("\xed\xa0\x80", "utf-8") == "\uFFFD\uFFFD\uFFFD");  // surrogate
    CHECK(mime::to_utf8("\xe2\x82", "utf-8") == "\uFFFD\uFFFD");            // truncated
    CHECK(mime::to_utf8("\xf4\x90\x80\x80", "utf-8").find("\uFFFD") == 0);  // > U+10FFFF
    ok = true;
    CHECK(mime::to_utf8(std::string("a\0b", 3), "utf-8", &ok) == "a\uFFFDb");
    CHECK_FALSE(ok);
    ok = true;
    CHECK(mime::to_utf8("abc\xe9", "x-no-such-charset", &ok) == "abc\uFFFD");
    CHECK_FALSE(ok);
    ok = true;
    CHECK(mime::to_utf8("abc", "utf-8//IGNORE", &ok) == "abc");  // never handed to iconv
    CHECK_FALSE(ok);
    ok = true;
    CHECK(mime::to_utf8("a\x81"
                        "b",
                        "windows-1252", &ok) == "a\uFFFDb");  // undefined in 1252
    CHECK_FALSE(ok);
    ok = true;
    CHECK(mime::to_utf8("\x82\xa0\x82", "shift_jis", &ok) == "あ\uFFFD");  // cut at the end
    CHECK_FALSE(ok);
}

TEST_CASE("Text parts are converted from their charset") {
    const mime::Message koi =
        single("text/plain; charset=koi8-r", "8bit", "\xf0\xd2\xc9\xd7\xc5\xd4\r\n");
    CHECK(koi.text_plain == "Привет\n");
    CHECK(koi.root.text() == "Привет\r\n");
    CHECK(koi.problems.empty());

    const mime::Message cp = single("text/plain; charset=\"windows-1252\"", "quoted-printable",
                                    "=93Hi=94 =E2=80=94 =80\r\n");
    CHECK(cp.text_plain == "“Hi” â€” €\n");  // UTF-8 bytes read as 1252, as labelled

    const mime::Message utf = single("text/plain; charset=utf-8", "base64", "4oCcSGnigJ0K");
    CHECK(utf.text_plain == "“Hi”\n");

    const mime::Message unknown =
        single("text/plain; charset=x-martian", "8bit", "secret-words \xe9\xe9\r\n");
    CHECK(unknown.text_plain == "secret-words \uFFFD\uFFFD\n");
    CHECK(unknown.malformed);
    REQUIRE(has_problem(unknown, "message: unknown charset \"x-martian\""));
    for (const auto& p : unknown.problems) CHECK(p.find("secret-words") == std::string::npos);

    const mime::Message bad = single("text/plain; charset=utf-8", "8bit", "ok \xff\r\n");
    CHECK(bad.text_plain == "ok \uFFFD\n");
    CHECK(has_problem(bad, "message: text not valid in charset \"utf-8\""));
    CHECK(bad.malformed);
}

TEST_CASE("RFC 2231 parameters: charset, language, continuations") {
    const mime::Message m = single(
        "application/octet-stream;\r\n name*0*=utf-8'en'%E2%82%AC; name*2=\".txt\";\r\n"
        " name*1*=%20rate; name=\"fallback.txt\"; x-Plain=\"a \\\"quoted\\\" value\"",
        "", "data");
    CHECK(m.root.params.at("name") == "€ rate.txt");
    CHECK(m.root.filename == "€ rate.txt");
    CHECK(m.root.params.at("x-plain") == "a \"quoted\" value");

    const mime::Message latin = mime::parse(
        "Content-Type: text/plain\r\n"
        "Content-Disposition: attachment; filename*=iso-8859-1''caf%E9%2Etxt\r\n\r\nx");
    CHECK(latin.root.filename == "café.txt");
    CHECK(latin.root.disposition == "attachment");

    const mime::Message nocharset = mime::parse(
        "Content-Type: text/plain\r\n"
        "Content-Disposition: attachment; filename*0=\"part one \"; filename*1=\"and "
        "two\"\r\n\r\nx");
    CHECK(nocharset.root.filename == "part one and two");

    const mime::Message encoded_word = mime::parse(
        "Content-Type: application/pdf; name=\"=?UTF-8?Q?Pr=C3=BCfung.pdf?=\"\r\n\r\nx");
    CHECK(encoded_word.root.filename == "Prüfung.pdf");
}

TEST_CASE("Content-Type: quoting, comments and case") {
    const mime::Message m = mime::parse(
        "Content-Type: Multipart/Mixed (a comment); BOUNDARY=\"a;b \\\"c\\\"\" (trailing)\r\n\r\n"
        "--a;b \"c\"\r\nContent-Type: TEXT/PLAIN (c) ; Charset = \"utf-8\" (comment)\r\n\r\nhi\r\n"
        "--a;b \"c\"--\r\n");
    CHECK(m.problems.empty());
    REQUIRE(m.root.is("multipart", "mixed"));
    CHECK(m.root.params.at("boundary") == "a;b \"c\"");
    REQUIRE(m.root.children.size() == 1);
    CHECK(m.root.children[0].is("text", "plain"));
    CHECK(m.root.children[0].params.at("charset") == "utf-8");
    CHECK(m.text_plain == "hi");

    const mime::Message broken = single("garbage", "", "still text\r\n");
    CHECK(broken.root.is("text", "plain"));
    CHECK(broken.text_plain == "still text\n");
    CHECK(has_problem(broken, "message: unreadable Content-Type: text/plain assumed"));

    const mime::Message odd_disp = mime::parse(
        "Content-Type: text/plain\r\nContent-Disposition: X-Weird; filename=a.txt\r\n\r\nx");
    CHECK(odd_disp.root.disposition == "attachment");  // RFC 2183: unknown is attachment
    CHECK(odd_disp.attachments.size() == 1);
    CHECK(odd_disp.text_plain.empty());
}

TEST_CASE("Base64 bodies: missing padding and line noise tolerated, garbage reported") {
    const mime::Message plain = single("application/octet-stream", "base64", "aGVsbG8\r\n");
    CHECK(plain.root.body == "hello");
    CHECK(plain.problems.empty());

    const mime::Message wrapped =
        single("application/octet-stream", "Base64", "aGVs\r\n bG8g\t\r\nd29y\r\nbGQ=\r\n\r\n");
    CHECK(wrapped.root.transfer_encoding == "base64");
    CHECK(wrapped.root.body == "hello world");
    CHECK(wrapped.problems.empty());

    const mime::Message chunks = single("application/octet-stream", "base64", "QQ==QUJD\r\n");
    CHECK(chunks.root.body == "AABC");

    const mime::Message garbage =
        single("application/octet-stream", "base64", "aGVs*bG8=\r\n!!this is not base64!!\r\n");
    CHECK(garbage.root.body.starts_with("hello"));
    CHECK(garbage.malformed);
    REQUIRE(has_problem(garbage, "message: bad base64: "));
    for (const auto& p : garbage.problems) CHECK(p.find("not base64") == std::string::npos);

    const mime::Message truncated = single("application/octet-stream", "base64", "aGVsbG8hI");
    CHECK(truncated.root.body == "hello!");
    CHECK(has_problem(truncated, "bad base64: truncated"));
}

TEST_CASE("Quoted-printable bodies") {
    const mime::Message m = single("text/plain; charset=utf-8", "quoted-printable",
                                   "soft=\r\nbreak, caf=C3=A9 =c3=a9, eq=3D, tail   \r\n"
                                   "bad =ZZ and = end  ");
    CHECK(m.root.body == "softbreak, café é, eq=, tail\nbad =ZZ and = end");
    CHECK(m.text_plain == "softbreak, café é, eq=, tail\nbad =ZZ and = end");
}

TEST_CASE("Unknown transfer encodings keep the body as it is") {
    const mime::Message m = single("application/octet-stream", "x-uuencode", "begin 644 a\r\n");
    CHECK(m.root.body == "begin 644 a\r\n");
    CHECK(m.root.transfer_encoding == "x-uuencode");
    CHECK(has_problem(m, "unknown transfer encoding \"x-uuencode\""));
}

TEST_CASE("Address lists") {
    const auto a = mime::parse_addresses(
        "\"Doe, John\" <John.Doe@Example.COM>, b@y.org, Carl (work) <c@z>, d@w (Dora D.), "
        "=?UTF-8?Q?J=C3=BCrgen?= <j@x>, \"=?UTF-8?Q?Zo=C3=AB?=\" <zoe@x>, "
        "<@relay.example:route@x>, Team: t1@x, \"T 2\" <t2@x>;, undisclosed-recipients:;, "
        "broken <open@x");
    REQUIRE(a.size() == 10);
    CHECK(a[0].name == "Doe, John");
    CHECK(a[0].address == "john.doe@example.com");
    CHECK(a[1].name.empty());
    CHECK(a[1].address == "b@y.org");
    CHECK(a[2].name == "Carl");
    CHECK(a[2].address == "c@z");
    CHECK(a[3].name == "Dora D.");
    CHECK(a[3].address == "d@w");
    CHECK(a[4].name == "Jürgen");
    CHECK(a[5].name == "Zoë");
    CHECK(a[6].address == "route@x");
    CHECK(a[7].address == "t1@x");
    CHECK(a[8].name == "T 2");
    CHECK(a[8].address == "t2@x");
    CHECK(a[9].name == "broken");
    CHECK(a[9].address == "open@x");

    const auto odd = mime::parse_addresses("no address here, <not-an-address>, , ");
    REQUIRE(odd.size() == 1);
    CHECK(odd[0].name == "no address here");
    CHECK(odd[0].address.empty());
    CHECK(mime::parse_addresses("").empty());
    CHECK(mime::parse_addresses("(only a comment").empty());
}

TEST_CASE("Message ids, dates and return paths") {
    const mime::Message m = mime::parse(
        "Message-ID: <abc.123@Example.org> (comment)\r\n"
        "In-Reply-To: \"Your message of <not an id>\" <parent@x>\r\n"
        "References: <r1@x>\r\n <r2@x>,<r3@x>\r\n"
        "Date: Mon, 7 Dec 2026 23:30:00 -0800\r\n"
        "Return-Path: <>\r\n\r\nbody");
    CHECK(m.message_id == "abc.123@Example.org");
    CHECK(m.in_reply_to == "parent@x");
    CHECK(m.references == std::vector<std::string>{"r1@x", "r2@x", "r3@x"});
    REQUIRE(m.date);
    CHECK(format_iso8601(*m.date) == "2026-12-08T07:30:00Z");
    CHECK(m.has_return_path);
    CHECK(m.return_path.empty());
    CHECK(m.problems.empty());

    const mime::Message bare =
        mime::parse("Message-ID: bare-id@x\r\nDate: someday\r\nSubject:\r\n\r\n");
    CHECK(bare.message_id == "bare-id@x");
    CHECK_FALSE(bare.date);
    CHECK(has_problem(bare, "message: unreadable Date header"));
    CHECK_FALSE(bare.has_return_path);
    CHECK(bare.subject.empty());
}
