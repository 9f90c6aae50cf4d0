// Fuzz harness for cvss::score: any bytes as a vector. A vector that scores
// must score the same again in its normalised form, with a base score on the
// 0.1 grid and the severity of that score.
#include <cmath>

#include "fuzz/harness.hpp"
#include "parsers/cvss.hpp"

namespace embargo::fuzz {

void fuzz_cvss(const std::uint8_t* data, std::size_t size) {
    const std::string_view vector = as_text(data, size);
    cvss::Score s;
    try {
        s = cvss::score(vector);
    } catch (const cvss::CvssError& e) {
        require(*e.what() != '\0', "cvss: CvssError without a message");
        return;
    }
    require(vector.size() <= cvss::kMaxVectorLength, "cvss: accepted a vector past the limit");
    require(s.base_score >= 0.0 && s.base_score <= 10.0, "cvss: base score outside 0-10");
    const double tenths = s.base_score * 10.0;
    require(std::fabs(tenths - std::round(tenths)) < 1e-6,
            "cvss: base score not a multiple of 0.1");
    require(s.severity == cvss::severity_for(s.base_score), "cvss: severity does not match score");
    require(s.vector.rfind("CVSS:" + std::string(cvss::version_string(s.version)) + "/", 0) == 0,
            "cvss: normalised vector does not start with its version prefix");

    cvss::Score again;
    try {
        again = cvss::score(s.vector);
    } catch (const cvss::CvssError&) {
        throw InvariantError("cvss: the normalised vector of a valid vector is refused");
    }
    require(again.vector == s.vector, "cvss: normalisation is not idempotent");
    require(again.base_score == s.base_score, "cvss: normalised vector scores differently");
    require(again.version == s.version, "cvss: normalised vector changes the version");
}

}  // namespace embargo::fuzz
