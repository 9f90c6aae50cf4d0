// MIME parser on malformed and hostile mail: truncation, missing boundaries,
// bad encodings, NUL bytes, bare LF, huge headers, deep nesting, many parts,
// random mutations. parse() must keep what it can read, flag the rest, never
// throw or crash, and never echo content in problems. How fast it reads these
// inputs is measured by bench/mime_bench.sh, not here.
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "parsers/mime.hpp"
#include "tests/support/tempdir.hpp"

using namespace embargo;
using mime::Part;

namespace {

std::string sample(const std::string& name) {
    const std::string s =
        test::read_file(std::string(EMBARGO_SOURCE_DIR) + "/tests/data/mime/" + name);
    std::string out;
    for (const char c : s) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

bool has_problem(const mime::Message& m, std::string_view text) {
    for (const auto& p : m.problems) {
        if (p.find(text) != std::string::npos) return true;
    }
    return false;
}

// Depth of the first-child chain: the nesting the parser built.
std::size_t chain_depth(const Part& root) {
    std::size_t d = 0;
    const Part* p = &root;
    while (!p->children.empty()) {
        p = &p->children.front();
        ++d;
    }
    return d;
}

const Part& deepest(const Part& root) {
    const Part* p = &root;
    while (!p->children.empty()) p = &p->children.front();
    return *p;
}

std::string nested(int depth, bool closed, bool same_boundary) {
    std::string raw;
    const auto boundary = [&](int i) {
        return same_boundary ? std::string("b") : "b" + std::to_string(i);
    };
    for (int i = 0; i < depth; ++i) {
        raw += "Content-Type: multipart/mixed; boundary=" + boundary(i) + "\r\n\r\n--" +
               boundary(i) + "\r\n";
    }
    raw += "Content-Type: text/plain\r\n\r\ninnermost\r\n";
    if (closed) {
        for (int i = depth - 1; i >= 0; --i) raw += "--" + boundary(i) + "--\r\n";
    }
    return raw;
}

bool valid_utf8(const std::string& s) {
    bool ok = false;
    mime::to_utf8(s, "utf-8", &ok);
    return ok;
}

// Offsets nest and never leave the message; attachments point into the tree;
// every decoded view is valid UTF-8.
void check_invariants(const std::string& raw, const mime::Message& m) {
    std::set<const Part*> parts;
    std::vector<const Part*> stack{&m.root};
    bool offsets_ok = true;
    while (!stack.empty()) {
        const Part* p = stack.back();
        stack.pop_back();
        parts.insert(p);
        if (!(p->begin <= p->body_begin && p->body_begin <= p->end && p->end <= raw.size())) {
            offsets_ok = false;
        }
        std::size_t prev_end = p->body_begin;
        for (const Part& c : p->children) {
            if (c.begin < prev_end || c.end > p->end) offsets_ok = false;
            prev_end = c.end;
            stack.push_back(&c);
        }
        if (!valid_utf8(p->filename)) offsets_ok = false;
    }
    CHECK(offsets_ok);
    for (const Part* a : m.attachments) CHECK(parts.count(a) == 1);
    CHECK(m.problems.size() <= 101);
    CHECK(valid_utf8(m.subject));
    CHECK(valid_utf8(m.from.name));
    CHECK(valid_utf8(m.text_plain));
    CHECK(valid_utf8(m.text_html));
}

}  // namespace

TEST_CASE("Truncated multipart: parts kept, flagged") {
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=t\r\n\r\n"
        "--t\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
        "--t\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBE";
    const mime::Message m = mime::parse(raw);
    REQUIRE(m.root.children.size() == 2);
    CHECK(m.text_plain == "first");
    CHECK(m.root.children[1].body == "%PD");
    CHECK(m.root.children[1].end == raw.size());
    CHECK(m.root.end == raw.size());
    CHECK(m.malformed);
    CHECK_FALSE(m.limits_hit);
    CHECK(has_problem(m, "message: multipart not closed (message truncated?)"));

    // An inner multipart cut off by its parent's next boundary.
    const mime::Message inner = mime::parse(
        "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
        "--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
        "--i\r\nContent-Type: text/plain\r\n\r\ninner\r\n"
        "--o\r\nContent-Type: text/plain\r\n\r\nouter\r\n--o--\r\n");
    REQUIRE(inner.root.children.size() == 2);
    CHECK(inner.text_plain == "inner\nouter");
    CHECK(has_problem(inner, "part 1: multipart not closed"));
    CHECK(inner.malformed);
}

TEST_CASE("Multipart without boundary parameter is read as text") {
    const mime::Message m = mime::parse(
        "Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        "--x--\r\n");
    CHECK(m.root.is("text", "plain"));
    CHECK(m.text_plain.find("hello") != std::string::npos);
    CHECK(m.malformed);
    CHECK(has_problem(m, "message: multipart without boundary parameter: read as text/plain"));

    const mime::Message empty_boundary = mime::parse(
        "Content-Type: multipart/mixed; boundary=y\r\n\r\n--y\r\n"
        "Content-Type: multipart/related; boundary=\"\"\r\n\r\nvisible\r\n--y--\r\n");
    REQUIRE(empty_boundary.root.children.size() == 1);
    CHECK(empty_boundary.text_plain == "visible");
    CHECK(has_problem(empty_boundary, "part 1: multipart without boundary parameter"));
}

TEST_CASE("A boundary parameter ending in blanks still matches its delimiter lines") {
    const mime::Message m = mime::parse(
        "Content-Type: multipart/mixed; boundary=\"sp  \"\r\n\r\n--sp  \r\n\r\none\r\n--sp--\r\n");
    REQUIRE(m.root.children.size() == 1);
    CHECK(m.text_plain == "one");
    CHECK(m.problems.empty());
}

TEST_CASE("NUL bytes: removed from headers, replaced in text, kept in binary parts") {
    static const char kRaw[] =
        "Subject: a\0b\r\nContent-Type: multipart/mixed; boundary=n\r\n\r\n"
        "--n\r\nContent-Type: text/plain\r\n\r\nx\0y\r\n"
        "--n\r\nContent-Type: application/octet-stream\r\n\r\n\0\0\1\r\n"
        "--n--\r\n";
    const std::string raw(kRaw, sizeof kRaw - 1);
    REQUIRE(raw.ends_with("--n--\r\n"));
    const mime::Message m = mime::parse(raw);
    CHECK(m.subject == "ab");
    CHECK(m.text_plain == "x\uFFFDy");
    REQUIRE(m.attachments.size() == 1);
    CHECK(m.attachments[0]->body == std::string("\0\0\1", 3));
    CHECK(has_problem(m, "message: NUL bytes in header: removed"));
    CHECK(has_problem(m, "part 1: NUL bytes in text: replaced"));
    CHECK(m.malformed);
}

TEST_CASE("Mixed CRLF and bare LF line ends") {
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=m\n\r\n--m\r\nContent-Type: text/plain\n\n"
        "one\n--m\nContent-Type: text/plain\r\n\r\ntwo\r\n--m--\n";
    const mime::Message m = mime::parse(raw);
    REQUIRE(m.root.children.size() == 2);
    CHECK(m.text_plain == "one\ntwo");
    CHECK(raw.substr(m.root.children[0].begin, m.root.children[0].end - m.root.children[0].begin) ==
          "Content-Type: text/plain\n\none");
    CHECK(has_problem(m, "bare LF line endings"));
}

TEST_CASE("A line that is no header field ends the header block") {
    const mime::Message m =
        mime::parse("From: a@x\r\nThis is not a header\r\nSubject: x\r\n\r\nbody\r\n");
    CHECK(m.from.address == "a@x");
    CHECK(m.header("Subject") == nullptr);
    CHECK(m.text_plain == "This is not a header\nSubject: x\n\nbody\n");
    CHECK(m.root.body_begin == std::string("From: a@x\r\n").size());
    CHECK(has_problem(m, "message: header line without a colon"));

    const mime::Message mbox =
        mime::parse("From someone Tue Dec  1 10:00:00 2026\r\nSubject: s\r\n\r\nb");
    CHECK(mbox.subject == "s");
    CHECK(mbox.problems.empty());
}

TEST_CASE("Degenerate inputs") {
    for (const std::string& raw :
         {std::string(), std::string("\r\n"), std::string("\n\n\n"),
          std::string("Subject: only a header"), std::string("--"),
          std::string("Content-Type: multipart/mixed; boundary=x"),
          std::string("Content-Type: multipart/mixed; boundary=x\r\n\r\n"),
          std::string("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x"),
          std::string("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x--"),
          std::string(": no name\r\n \r\n\r\n"), std::string(1000, '\n')}) {
        INFO("input size " << raw.size());
        const mime::Message m = mime::parse(raw);
        check_invariants(raw, m);
        CHECK(m.root.end == raw.size());
    }
    const mime::Message only_delimiter =
        mime::parse("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x");
    REQUIRE(only_delimiter.root.children.size() == 1);
    CHECK(only_delimiter.root.children[0].begin == only_delimiter.root.end);
}

TEST_CASE("1 MB header line: cut at max_header_bytes") {
    const std::string raw =
        "From: a@x\r\nSubject: " + std::string(1 << 20, 'A') + "\r\nTo: b@y\r\n\r\nbody\r\n";
    const mime::Message m = mime::parse(raw);
    CHECK(m.malformed);
    CHECK(has_problem(m, "message: header block over 262144 bytes: cut"));
    CHECK(m.from.address == "a@x");
    CHECK(m.subject.size() < 262144);
    CHECK(m.subject.starts_with("AAAA"));
    CHECK(m.to.empty());  // after the cut
    CHECK(m.root.body_begin == raw.find("\r\n\r\n") + 4);
    CHECK(m.text_plain == "body\n");
    for (const auto& p : m.problems) CHECK(p.find("AAAA") == std::string::npos);
}

TEST_CASE("Huge folded header in a part is cut; a 5 MB header without a cut is kept whole") {
    std::string folded = "X-Junk: start";
    for (int i = 0; i < 100000; ++i) folded += "\r\n continued";
    const std::string raw = "Content-Type: multipart/mixed; boundary=h\r\n\r\n--h\r\n" + folded +
                            "\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--h\r\n"
                            "Content-Type: text/plain\r\n\r\nsecond\r\n--h--\r\n";
    const mime::Message m = mime::parse(raw);
    REQUIRE(m.root.children.size() == 2);
    CHECK(has_problem(m, "part 1: header block over 262144 bytes: cut"));
    CHECK(m.root.children[0].is("text", "plain"));  // its Content-Type came after the cut
    CHECK(m.text_plain == "first\nsecond");

    mime::Limits big;
    big.max_header_bytes = 16 << 20;
    const std::string huge = "Subject: " + std::string(5 << 20, 'B') + "\r\n\r\nbody";
    const mime::Message h = mime::parse(huge, big);
    CHECK(h.subject.size() == (5u << 20));
    CHECK(h.problems.empty());
}

TEST_CASE("5,000 nested multiparts: depth limit, no stack overflow") {
    for (const bool closed : {true, false}) {
        for (const bool same : {false, true}) {
            INFO("closed " << closed << ", same boundary " << same);
            const std::string raw = nested(5000, closed, same);
            const mime::Message m = mime::parse(raw);
            CHECK(chain_depth(m.root) == 20);
            CHECK(deepest(m.root).is_multipart());
            CHECK(deepest(m.root).children.empty());
            CHECK(m.limits_hit);
            CHECK(m.malformed);
            CHECK(has_problem(m, ": multipart nested deeper than 20 levels: not parsed"));
            CHECK(m.text_plain.empty());
            CHECK(has_problem(m, "not closed") == !closed);
            check_invariants(raw, m);
        }
    }

    mime::Limits deep;
    deep.max_depth = 100000;  // capped internally
    deep.max_parts = 100000;
    const std::string raw = nested(5000, true, false);
    const mime::Message m = mime::parse(raw, deep);
    CHECK(chain_depth(m.root) == 1000);
    CHECK(m.limits_hit);
    const mime::Message copy = m;  // copies recurse per level: must survive the cap
    CHECK(chain_depth(copy.root) == 1000);

    mime::Limits shallow;
    shallow.max_depth = 3;
    const mime::Message s = mime::parse(nested(3, true, false), shallow);
    CHECK(chain_depth(s.root) == 3);
    CHECK(s.text_plain == "innermost");
    CHECK_FALSE(s.limits_hit);
}

TEST_CASE("10,000 parts: max_parts enforced, rest skipped cleanly") {
    std::string raw = "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
    for (int i = 0; i < 10000; ++i) {
        raw += "--p\r\nContent-Type: text/plain\r\n\r\npart " + std::to_string(i) + "\r\n";
    }
    raw += "--p--\r\n";

    const mime::Message m = mime::parse(raw);
    CHECK(m.root.children.size() == 999);  // the root counts
    CHECK(m.limits_hit);
    CHECK(m.malformed);
    CHECK(has_problem(m, "message: more than 1000 parts: the rest is not parsed"));
    CHECK(m.text_plain.ends_with("\npart 998"));
    CHECK(m.text_plain.find("part 999") == std::string::npos);
    CHECK(m.root.end == raw.size());
    CHECK_FALSE(has_problem(m, "not closed"));
    check_invariants(raw, m);

    mime::Limits all;
    all.max_parts = 20000;
    const mime::Message n = mime::parse(raw, all);
    CHECK(n.root.children.size() == 10000);
    CHECK(n.problems.empty());
    CHECK(n.text_plain.ends_with("part 9999"));
}

TEST_CASE("Large message: a 20 MB base64 attachment is kept whole") {
    std::string raw =
        "Content-Type: multipart/mixed; boundary=big\r\n\r\n--big\r\nContent-Type: "
        "text/plain\r\n\r\n"
        "see attachment\r\n--big\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n";
    const std::string line =
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\r\n";
    while (raw.size() < (20u << 20)) raw += line;
    raw += "--big--\r\n";
    const mime::Message m = mime::parse(raw);
    REQUIRE(m.attachments.size() == 1);
    CHECK(
        m.attachments[0]->body.starts_with("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxy"));
    CHECK(m.attachments[0]->body.size() > 15000000u);  // 51 bytes per 70-byte line
    CHECK(m.problems.empty());
}

TEST_CASE("Problems never contain message content") {
    const std::string secret = "ZQX-SECRET";
    const std::string raw =
        "Subject: " + secret + " subject\r\nDate: " + secret +
        "\r\nContent-Type: multipart/mixed; boundary=\"" + secret +
        "\"\r\n\r\n"
        "--" +
        secret + "\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n" + secret +
        " \xff text\r\n--" + secret + "\r\nContent-Type: application/octet-stream; name=\"" +
        secret + ".bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + secret + "!!\r\n" + "--" +
        secret + "\r\n" + secret + " no colon line\r\n\r\n--" + secret +
        "\r\nContent-Type: multipart/mixed\r\n\r\n" + secret + "\r\n";
    const mime::Message m = mime::parse(raw);
    CHECK(m.problems.size() >= 5);
    for (const auto& p : m.problems) {
        INFO(p);
        CHECK(p.find(secret) == std::string::npos);
        CHECK(p.find("ZQX") == std::string::npos);
    }
}

TEST_CASE("Random mutations of real messages never break the invariants") {
    const std::vector<std::string> seeds = {sample("thunderbird_alternative.eml"),
                                            sample("thunderbird_attachments.eml"),
                                            sample("pgp_signed.eml"), sample("pgp_encrypted.eml")};
    std::mt19937 rng(20261201);
    const std::vector<std::string> inserts = {
        "\r\n",
        "\n",
        "--",
        "\r\n--------------mixed7Hq2Lp9Vx3\r\n",
        "=?",
        "?=",
        "\"",
        "(",
        "=",
        ";",
        std::string(1, '\0'),
        "\r\n--------------sig0123456789ABCDEF--\r\n",
        "Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n",
        "\xff\xfe"};
    for (int iter = 0; iter < 3000; ++iter) {
        std::string raw = seeds[static_cast<std::size_t>(iter) % seeds.size()];
        const int edits = 1 + static_cast<int>(rng() % 8);
        for (int e = 0; e < edits && !raw.empty(); ++e) {
            const std::size_t pos = rng() % raw.size();
            switch (rng() % 4) {
                case 0:
                    raw[pos] = static_cast<char>(rng() % 256);
                    break;
                case 1:
                    raw.erase(pos, 1 + rng() % 40);
                    break;
                case 2:
                    raw.insert(pos, inserts[rng() % inserts.size()]);
                    break;
                default:
                    raw.resize(pos);  // truncation
                    break;
            }
        }
        mime::Limits limits;
        limits.max_parts = 1 + rng() % 12;
        limits.max_depth = rng() % 4;
        limits.max_header_bytes = 50 + rng() % 2000;
        for (const mime::Limits& l : {mime::Limits{}, limits}) {
            const mime::Message m = mime::parse(raw, l);
            check_invariants(raw, m);
        }
    }
}
