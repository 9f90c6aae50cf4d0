// CVSS v3.0, v3.1 and v4.0 vector parsing and base scoring, exact to the FIRST
// specifications (v4.0: as FIRST's reference calculator computes it). Pure
// code, no I/O; hostile input is refused with a CvssError naming what is wrong.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace embargo::cvss {

enum class Version { V3_0, V3_1, V4_0 };

struct Score {
    Version version;
    // Normalised vector for storage and mail: the prefix, then every metric
    // given in the specification's canonical order, leaving out metrics given
    // as Not Defined (X), which are equivalent to being absent.
    std::string vector;
    // Base score, a multiple of 0.1 (the nearest double to it). For v4.0 this
    // is CVSS-B: threat and environmental metrics given in the vector are
    // reported in `metrics` but do not change it.
    double base_score;
    std::string severity;  // "none" | "low" | "medium" | "high" | "critical"
    // Every metric given (X included), in canonical order: {"AV", "N"}, ...
    std::vector<std::pair<std::string, std::string>> metrics;
};

class CvssError : public std::runtime_error {
  public:
    using runtime_error::runtime_error;
};

// Longest input accepted; the longest valid vector is well below this.
inline constexpr std::size_t kMaxVectorLength = 512;

// Parses and scores a vector such as "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".
// v3.x metrics may come in any order (the v3.x specifications require readers
// to accept that); v4.0 metrics must follow the order of the v4.0
// specification's Table 23, which declares every other order invalid.
// Throws CvssError naming the offending metric (or prefix / segment).
Score score(std::string_view vector);

// Qualitative severity of a score per the specifications' rating scale:
// none 0.0, low 0.1-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9.0-10.0.
// Throws CvssError for a value outside 0.0-10.0 (or NaN).
std::string severity_for(double score);

// "3.0", "3.1" or "4.0".
std::string_view version_string(Version v);

}  // namespace embargo::cvss
