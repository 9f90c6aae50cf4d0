// Internals shared by the CVSS parser (cvss.cpp) and the per-version scorers
// (cvss3.cpp, cvss4.cpp, cvss4_table.cpp); exposed to the unit tests too.
#pragma once

#include <map>
#include <optional>
#include <string_view>

#include "parsers/cvss.hpp"

namespace embargo::cvss::detail {

// Metric name -> value for every metric given in the vector (values already
// validated against the version's metric table).
using MetricMap = std::map<std::string_view, std::string_view>;

// Scores are handled as whole tenths so that 9.8 is exactly 98 until the very
// end; Score::base_score is tenths / 10.0.
int base_tenths_v3(Version version, const MetricMap& metrics);
int base_tenths_v4(const MetricMap& metrics);

// v3.1 Roundup (specification Appendix A, floating-point safe) and the v3.0
// original (smallest one-decimal number >= input, computed as FIRST's v3.0
// calculator does: ceil(x * 10) / 10). Both return tenths.
int roundup_v31(double x);
int roundup_v30(double x);

// JavaScript's Math.round (nearest integer, ties towards +infinity), which
// the v4.0 reference calculator uses for its final rounding.
double js_math_round(double x);

// Score of a v4.0 macro-vector "eq1 eq2 eq3 eq4 eq5 eq6" (each EQ level a
// digit); nullopt for a combination that does not exist (e.g. EQ1 = 3).
std::optional<double> macrovector_score(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6);

}  // namespace embargo::cvss::detail
