// Near-identical report detection, pure part: normalisation of quotes,
// forwards, signatures, HTML and wrapping; shingles; MinHash estimates;
// band keys; the storage encoding; ranking of candidates.
#include <catch2/catch.hpp>

#include <numeric>
#include <set>

#include "core/dedup.hpp"

using namespace embargo;
using namespace embargo::dedup;

namespace {

const std::string kReport =
    "Hi team,\n"
    "\n"
    "I found a heap buffer overflow in the HTTP/1.1 header parser of Example Proxy\n"
    "1.13.4. It happens when a request carries more than 100 header fields, because\n"
    "the count is kept in a uint8_t and wraps around before the bounds check.\n"
    "\n"
    "Steps to reproduce:\n"
    "1. Build with -fsanitize=address.\n"
    "2. Send 300 headers of 10 bytes each.\n"
    "3. Observe the WRITE of size 8 in parse_header_line().\n"
    "\n"
    "Thanks,\n"
    "Eve\n"
    "-- \n"
    "Eve Reporter, Independent researcher\n";

std::string words(const std::string& text) {
    return normalise(text);
}

std::vector<std::uint64_t> range_set(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> v(to - from);
    std::iota(v.begin(), v.end(), from);
    for (auto& x : v) x = x * 0x9e3779b97f4a7c15ULL + 12345;  // spread like real hashes
    return v;
}

}  // namespace

TEST_CASE("normalise reduces a report to its lower-case words without greeting and signature") {
    std::string n = words(kReport);
    CHECK(n.rfind("i found a heap buffer overflow in the http 1 1 header parser", 0) == 0);
    CHECK(n.find("hi team") == std::string::npos);
    CHECK(n.find("thanks") == std::string::npos);
    CHECK(n.find("independent researcher") == std::string::npos);
    CHECK(n.find("parse header line") != std::string::npos);
    CHECK(n.find("  ") == std::string::npos);
    // The greeting is not part of the content: another one changes nothing.
    std::string other = kReport;
    other.replace(0, 8, "Dear Example Proxy security team,");
    CHECK(words(other) == n);
}

TEST_CASE("wrapping, line endings and blanks do not matter") {
    std::string rewrapped = kReport;
    for (auto& c : rewrapped)
        if (c == '\n') c = ' ';
    // Re-wrapping joins the lines; keep the signature and closing on their own lines.
    std::string flowed =
        "Hi team,\n\nI found a heap buffer overflow in the HTTP/1.1 header parser of Example "
        "Proxy 1.13.4. It happens when a request carries more than 100 header fields, because "
        "the count is kept in a uint8_t and wraps around before the bounds check.\n\nSteps to\n"
        "reproduce:\n1.   Build with\n-fsanitize=address.\n2. Send 300 headers of 10 bytes\teach."
        "\n3. Observe the WRITE of size 8 in parse_header_line().\n\nThanks,\nEve\n-- \nEve\n";
    CHECK(words(flowed) == words(kReport));
    std::string crlf;
    for (char c : kReport) {
        if (c == '\n') crlf += "  \r";
        crlf += c;
    }
    CHECK(words(crlf) == words(kReport));
}

TEST_CASE("quote markers and attribution lines are dropped, the quoted text kept") {
    std::string quoted =
        "Any news on this?\n\nOn Tue, 24 Nov 2026 10:00:00 +0100, Eve Reporter\n"
        "<eve@example.net> wrote:\n";
    for (const auto& line : {"Hi team,", "", "I found a bug in the parser.", ">> nested quote"})
        quoted += std::string("> ") + line + "\n";
    std::string n = words(quoted);
    CHECK(n == "any news on this i found a bug in the parser nested quote");

    std::string one_line = "On Tue, 24 Nov 2026, Eve <eve@example.net> wrote:\n> The report.\n";
    CHECK(words(one_line) == "the report");
    CHECK(words("Am 24.11.2026 um 10:00 schrieb Eve:\n> Der Bericht.\n") == "der bericht");
}

TEST_CASE("forwarded-message separators and header blocks are dropped") {
    const std::string original = "The header parser overflows on long lines.\n";
    const std::string want = "fyi the header parser overflows on long lines";
    SECTION("Thunderbird") {
        CHECK(words("FYI\n\n-------- Forwarded Message --------\nSubject: \tHeap overflow\n"
                    "Date: \tMon, 23 Nov 2026 10:00:00 +0100\nFrom: \tEve <eve@example.net>\n"
                    "To: \tsecalert@example.org\n\n\n\n" +
                    original) == want);
    }
    SECTION("Gmail") {
        CHECK(words("FYI\n\n---------- Forwarded message ---------\nFrom: Eve "
                    "<eve@example.net>\nDate: Mon, Nov 23, 2026 at 10:00 AM\nSubject: Heap "
                    "overflow\nTo: <secalert@example.org>\n\n\n" +
                    original) == want);
    }
    SECTION("Apple Mail") {
        CHECK(words("FYI\n\nBegin forwarded message:\n\nFrom: Eve <eve@example.net>\nSubject: "
                    "Heap overflow\nDate: 23 November 2026 at 10:00:00 CET\nTo: "
                    "secalert@example.org\n\n" +
                    original) == want);
    }
    SECTION("Outlook, without a separator line") {
        CHECK(words("FYI\n\n________________________________\nFrom: Eve <eve@example.net>\n"
                    "Sent: Monday, November 23, 2026 10:00 AM\nTo: secalert@example.org\n"
                    "Subject: Heap overflow\n\n" +
                    original) == want);
        CHECK(words("FYI\n\n-----Original Message-----\n*From:* Eve\n*Sent:* Monday\n*To:* us\n"
                    "*Subject:* Heap overflow\n" +
                    original) == want);
    }
    SECTION("a folded header value") {
        CHECK(words("FYI\n-------- Forwarded Message --------\nSubject: Heap overflow in the\n"
                    " header parser\nFrom: Eve\n\n" +
                    original) == want);
    }
    SECTION("header-like lines in a report are kept unless they form a mail header block") {
        CHECK(words("To: reproduce, run the server.\nFrom: the logs we see a crash.\n") ==
              "to reproduce run the server from the logs we see a crash");
    }
}

TEST_CASE("signatures end at the next quoted or forwarded block") {
    std::string forward =
        "Please look at this.\n-- \nBob\nOps team\n\n"
        "-------- Forwarded Message --------\nSubject: x\nFrom: Eve\n\n"
        "The report text.\n-- \nEve\n";
    CHECK(words(forward) == "please look at this the report text");
    std::string reply =
        "Ping.\n--\nBob\n\nOn Monday, Eve wrote:\n> The report text.\n> -- \n"
        "> Eve\n";
    CHECK(words(reply) == "ping the report text");
    // Quoted text right below the signature (no attribution line).
    CHECK(words("Ping.\n-- \nBob\n> The report text.\n") == "ping the report text");
}

TEST_CASE("HTML is compared as text and PGP armour carries no words") {
    std::string html =
        "<html><head><style>p { color: red }</style></head><body><p>Hi team,</p>"
        "<p>I found a heap buffer overflow in the HTTP/1.1 header parser of Example Proxy<br>\n"
        "1.13.4. It happens when a request carries more than 100 header fields, because the "
        "count is kept in a uint8_t and wraps around before the bounds check.</p><p>Steps to "
        "reproduce:<br>1. Build with -fsanitize=address.<br>2. Send 300 headers of 10 bytes "
        "each.<br>3. Observe the WRITE of size 8 in parse_header_line().</p>"
        "<p>Thanks,<br>Eve</p><div class=\"sig\">-- <br>Eve</div></body></html>";
    CHECK(words(html) == words(kReport));
    // A plain-text report quoting HTML as its proof of concept stays text.
    CHECK(words("Send <b>this</b> to the admin page.\n") == "send b this b to the admin page");

    std::string signed_text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + kReport +
                              "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n"
                              "-----END PGP SIGNATURE-----\n";
    CHECK(words(signed_text) == words(kReport));
    CHECK(words("-----BEGIN PGP MESSAGE-----\n\nhQEMA1234567890\n=XyZ1\n"
                "-----END PGP MESSAGE-----\n")
              .empty());
    CHECK(words("- -- dash-escaped line\n") == "dash escaped line");
}

TEST_CASE("hostile text: bounded work, no crash") {
    std::string huge(3 * kMaxTextBytes, 'a');
    for (size_t i = 0; i < huge.size(); i += 7) huge[i] = ' ';
    std::string n = normalise(huge);
    CHECK(n.size() <= kMaxTextBytes);
    CHECK(normalise(std::string(100000, '>')).empty());
    CHECK(normalise(std::string(100000, '\n')).empty());
    std::string binary;
    for (int i = 0; i < 100000; ++i) binary += static_cast<char>(i * 131 % 256);
    CHECK_NOTHROW(sketch_text(binary, 1));
    CHECK(normalise("-----BEGIN PGP MESSAGE-----\nnever ends").empty());
    CHECK(normalise("").empty());
}

TEST_CASE("shingles are hashed runs of words") {
    CHECK(shingles("").empty());
    CHECK(shingles("one two").size() == 1);  // fewer words than a shingle
    auto s = shingles("a b c d e f g h");
    CHECK(s.size() == 8 - kShingleWords + 1);
    CHECK(std::is_sorted(s.begin(), s.end()));
    // Repeated text gives repeated shingles, stored once.
    CHECK(shingles("a b c d a b c d a b c d").size() == kShingleWords);
    CHECK(shingles("a b c d e") != shingles("a b c d f"));
    CHECK(word_count("a b c") == 3);
    CHECK(word_count("") == 0);
}

TEST_CASE("short texts get no sketch") {
    CHECK_FALSE(sketch_text("See the attached PDF.", 20));
    CHECK_FALSE(sketch_text("-----BEGIN PGP MESSAGE-----\nxx\n-----END PGP MESSAGE-----\n", 1));
    auto s = sketch_text(kReport, 20);
    REQUIRE(s);
    CHECK(s->shingles == shingles(normalise(kReport)).size());
    CHECK_FALSE(sketch_text(kReport, 1000));
}

TEST_CASE("MinHash estimates the Jaccard similarity") {
    auto a = make_sketch(range_set(0, 1000));
    auto b = make_sketch(range_set(200, 1200));   // true Jaccard 800 / 1200
    auto c = make_sketch(range_set(5000, 6000));  // disjoint
    CHECK(jaccard(a, a) == 1.0);
    CHECK(jaccard(a, b) == Approx(2.0 / 3.0).margin(0.15));
    CHECK(jaccard(a, c) < 0.1);
    CHECK(jaccard(a, Sketch{}) == 0.0);  // an empty sketch matches nothing
    CHECK(a.shingles == 1000);
}

TEST_CASE("similarity: a text contained in a somewhat longer one counts as the same") {
    auto report = make_sketch(range_set(0, 1000));
    auto forward = make_sketch(range_set(0, 1300));  // the report plus a comment
    auto digest = make_sketch(range_set(0, 5000));   // the report inside a much longer text
    CHECK(jaccard(report, forward) < 0.9);
    CHECK(similarity(report, forward) > 0.9);
    CHECK(similarity(report, forward) == similarity(forward, report));
    // More than twice as long: only the Jaccard estimate counts.
    CHECK(similarity(report, digest) == jaccard(report, digest));
    CHECK(similarity(report, digest) < 0.4);
}

TEST_CASE("band keys: equal bands give equal keys, per band position") {
    auto a = *sketch_text(kReport, 1);
    auto keys = band_keys(a, 16, 4);
    REQUIRE(keys.size() == 16);
    CHECK(std::set<std::int64_t>(keys.begin(), keys.end()).size() == 16);
    CHECK(band_keys(a, 16, 4) == keys);
    Sketch b = a;
    b.minhash[0] ^= 1;  // first band differs, the others agree
    auto kb = band_keys(b, 16, 4);
    CHECK(kb[0] != keys[0]);
    CHECK(std::equal(kb.begin() + 1, kb.end(), keys.begin() + 1));
    // The same values in another band position give another key.
    Sketch same{};
    auto ks = band_keys(same, 2, 4);
    CHECK(ks[0] != ks[1]);
    CHECK(band_keys(a, 128, 1).size() == 128);
    CHECK_THROWS_AS(band_keys(a, 0, 4), std::invalid_argument);
    CHECK_THROWS_AS(band_keys(a, 33, 4), std::invalid_argument);
    CHECK_FALSE(valid_banding(16, 0));
    CHECK(valid_banding(32, 4));
}

TEST_CASE("signatures round-trip through their storage form") {
    auto a = *sketch_text(kReport, 1);
    std::string blob = encode(a);
    CHECK(blob.size() == kSignatureSize * 4);
    auto back = decode(blob, a.shingles);
    REQUIRE(back);
    CHECK(back->minhash == a.minhash);
    CHECK(back->shingles == a.shingles);
    CHECK_FALSE(decode(blob.substr(1), a.shingles));
    CHECK_FALSE(decode(blob, -1));
    CHECK_FALSE(decode("", 0));
}

TEST_CASE("rank keeps each case's best match above the threshold, best first") {
    auto base = range_set(0, 1000);
    auto s = make_sketch(base);
    auto near = make_sketch(range_set(0, 1050));
    auto far = make_sketch(range_set(600, 1600));
    std::vector<Candidate> cands = {
        {"EMST-2026-0001", far}, {"EMST-2026-0002", near}, {"EMST-2026-0001", s}};
    auto m = rank(s, cands, 0.8);
    REQUIRE(m.size() == 2);
    CHECK(m[0].case_id == "EMST-2026-0001");
    CHECK(m[0].similarity == 1.0);
    CHECK(m[1].case_id == "EMST-2026-0002");
    CHECK(m[1].similarity >= 0.8);
    CHECK(rank(s, {{"EMST-2026-0003", far}}, 0.8).empty());
    CHECK(rank(s, {}, 0.8).empty());
}
