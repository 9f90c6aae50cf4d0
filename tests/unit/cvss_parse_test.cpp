// Malformed and hostile CVSS vectors: each is refused with a CvssError whose
// message names the offending metric (or prefix / segment); nothing crashes.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "parsers/cvss.hpp"

using Catch::Matchers::Contains;
using embargo::cvss::CvssError;
using embargo::cvss::score;

namespace {

const std::string kV31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const std::string kV40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

std::string error_of(const std::string& vector) {
    try {
        score(vector);
    } catch (const CvssError& e) {
        return e.what();
    }
    FAIL("accepted: " << vector);
    return {};
}

}  // namespace

TEST_CASE("missing base metric is named") {
    CHECK_THAT(error_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H"), Contains("'S' (Scope)"));
    CHECK_THAT(error_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
               Contains("'A' (Availability)"));
    const auto two = error_of("CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N");
    CHECK_THAT(two, Contains("'AT'"));
    CHECK_THAT(two, Contains("'SA'"));
    // Optional metrics do not stand in for base ones.
    CHECK_THAT(error_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/MS:U/C:H/I:H/A:H"), Contains("'S'"));
}

TEST_CASE("duplicate metric is named") {
    CHECK_THAT(error_of(kV31 + "/AV:N"), Contains("'AV' is given more than once"));
    CHECK_THAT(error_of(kV31 + "/E:U/E:U"), Contains("'E'"));
    CHECK_THAT(error_of("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Contains("'AV'"));
    CHECK_THAT(error_of(kV40 + "/SA:N"), Contains("'SA'"));
}

TEST_CASE("unknown value is named with the allowed values") {
    const auto msg = error_of("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK_THAT(msg, Contains("'AV'"));
    CHECK_THAT(msg, Contains("'Q'"));
    CHECK_THAT(msg, Contains("N, A, L, P"));
    CHECK_THAT(error_of("CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Contains("'AV'"));
    CHECK_THAT(error_of("CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Contains("'AV'"));
    CHECK_THAT(error_of("CVSS:3.1/AV:N:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Contains("'AV'"));
    // Values valid in the other version are not valid here.
    CHECK_THAT(error_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:P/S:U/C:H/I:H/A:H"), Contains("'UI'"));
    CHECK_THAT(error_of(kV40 + "/S:U"), Contains("'S' (Safety)"));
    CHECK_THAT(error_of(kV31 + "/E:A"), Contains("'E'"));
    CHECK_THAT(error_of(kV40 + "/U:red"), Contains("'U'"));
    // Base metrics have no Not Defined value.
    CHECK_THAT(error_of("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Contains("'AV'"));
}

TEST_CASE("unknown metric is named") {
    CHECK_THAT(error_of(kV31 + "/AT:N"), Contains("unknown metric 'AT'"));
    CHECK_THAT(error_of(kV40 + "/RL:O"), Contains("unknown metric 'RL'"));
    const auto lower = error_of("CVSS:3.1/av:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK_THAT(lower, Contains("'av'"));
    CHECK_THAT(lower, Contains("case-sensitive"));
}

TEST_CASE("wrong, lower-case or missing prefix") {
    CHECK_THAT(error_of("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
               Contains("upper case as 'CVSS:3.1'"));
    CHECK_THAT(error_of("Cvss:4.0/AV:N"), Contains("'CVSS:4.0'"));
    CHECK_THAT(error_of("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
               Contains("unsupported CVSS version '3.2'"));
    CHECK_THAT(error_of("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"), Contains("'2.0'"));
    CHECK_THAT(error_of("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Contains("CVSS v2"));
    CHECK_THAT(error_of("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Contains("must start with"));
    CHECK_THAT(error_of(" " + kV31), Contains("must start with"));
    CHECK_THAT(error_of("CVSS:3.1"), Contains("no metrics"));
    CHECK_THAT(error_of("CVSS:3.1/"), Contains("no metrics"));
    CHECK_THAT(error_of(""), Contains("empty CVSS vector"));
}

TEST_CASE("trailing junk and empty segments") {
    CHECK_THAT(error_of(kV31 + "/"), Contains("after metric 'A'"));
    CHECK_THAT(error_of(kV31 + "//"), Contains("after metric 'A'"));
    CHECK_THAT(error_of("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
               Contains("after metric 'AV'"));
    CHECK_THAT(error_of("CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), Contains("prefix"));
    CHECK_THAT(error_of(kV31 + "/junk"), Contains("'junk'"));
    CHECK_THAT(error_of(kV31 + " "), Contains("'A'"));     // "H " is no value of A
    CHECK_THAT(error_of(kV31 + "\n"), Contains("\\x0a"));  // escaped, not a line break
    CHECK_THAT(error_of(kV31 + "/E:U trailing words"), Contains("'E'"));
}

TEST_CASE("v4.0 requires the specification's metric order") {
    const auto msg = error_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/SC:N/VI:H/VA:H/SI:N/SA:N");
    CHECK_THAT(msg, Contains("'VI' is out of order"));
    CHECK_THAT(msg, Contains("'SC'"));
    CHECK_THAT(error_of(kV40 + "/U:Red/E:A"), Contains("'E' is out of order"));
    CHECK_THAT(error_of("CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
               Contains("'AV'"));
    // Optional metrics may be left out anywhere.
    CHECK_NOTHROW(score(kV40 + "/E:P/MSA:S/U:Clear"));
}

TEST_CASE("10 kB of garbage and control bytes") {
    std::string garbage(10240, 'A');
    for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7919 % 256);
    CHECK_THAT(error_of(garbage), Contains("bytes long"));
    CHECK_THAT(error_of(kV31 + "/" + garbage), Contains("bytes long"));
    CHECK_THAT(error_of(std::string(embargo::cvss::kMaxVectorLength + 1, '/')),
               Contains("bytes long"));

    // Escape sequences and NUL bytes in names and values come back escaped.
    const auto esc = error_of("CVSS:3.1/AV:\x1b[31mN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK_THAT(esc, Contains("\\x1b"));
    CHECK(esc.find('\x1b') == std::string::npos);
    static constexpr char kNul[] = "CVSS:3.1/AV:N\0/AC:L";
    const auto nul = error_of(std::string(kNul, sizeof kNul - 1));
    CHECK_THAT(nul, Contains("\\x00"));
    // Long offending names are truncated in the message.
    const auto longname = error_of(kV31 + "/" + std::string(300, 'Z') + ":N");
    CHECK(longname.size() < 200);
}

TEST_CASE("random mutations never crash and only throw CvssError") {
    std::mt19937 rng(12345);
    static constexpr char kAlphabet[] = "CVS:/3.140ANLPHRUXMEIQcvs\x00\xff \t";
    const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);
    const std::string seeds[] = {
        kV31, kV40, "CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N/E:F/RL:W/RC:R",
        kV40 +
            "/E:U/CR:L/IR:M/AR:H/MAV:A/MAC:H/MAT:P/MPR:L/MUI:A/MVC:L/MVI:N/MVA:H/MSC:L/"
            "MSI:S/MSA:N/S:N/AU:Y/R:I/V:C/RE:H/U:Green"};
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string v = seeds[rng() % 4];
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !v.empty(); ++e) {
            const std::size_t pos = rng() % v.size();
            switch (rng() % 4) {
                case 0:
                    v[pos] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    v.erase(pos, 1 + rng() % 3);
                    break;
                case 2:
                    v.insert(pos, 1, alphabet[rng() % alphabet.size()]);
                    break;
                default:
                    v.insert(pos, v.substr(rng() % v.size(), rng() % 8));
                    break;
            }
        }
        try {
            const auto s = score(v);
            ++accepted;
            // Whatever is accepted normalises to a vector that scores the same.
            const auto again = score(s.vector);
            REQUIRE(again.base_score == s.base_score);
            REQUIRE(s.base_score >= 0.0);
            REQUIRE(s.base_score <= 10.0);
        } catch (const CvssError& e) {
            ++refused;
            REQUIRE(std::string(e.what()).size() > 10);
        }
    }
    CHECK(refused > 10000);
    CHECK(accepted > 0);
}
