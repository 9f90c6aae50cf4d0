// CVSS v3.0 / v3.1 base score (specification section 7.1 and Appendix A).
// The arithmetic is done in the same order as FIRST's calculators, one
// operation per statement, so that no compiler contracts it into fused
// multiply-adds and the doubles come out bit-identical.
#include <cmath>
#include <string_view>

#include "parsers/cvss_internal.hpp"

namespace embargo::cvss::detail {
namespace {

double weight_av(std::string_view v) {
    if (v == "N") return 0.85;
    if (v == "A") return 0.62;
    if (v == "L") return 0.55;
    return 0.2;  // P
}

double weight_ac(std::string_view v) {
    return v == "L" ? 0.77 : 0.44;
}

// Privileges Required weighs more when the scope is changed.
double weight_pr(std::string_view v, bool changed) {
    if (v == "N") return 0.85;
    if (v == "L") return changed ? 0.68 : 0.62;
    return changed ? 0.5 : 0.27;  // H
}

double weight_ui(std::string_view v) {
    return v == "N" ? 0.85 : 0.62;
}

double weight_cia(std::string_view v) {
    if (v == "H") return 0.56;
    if (v == "L") return 0.22;
    return 0.0;  // N
}

}  // namespace

int roundup_v31(double x) {
    // Appendix A of the v3.1 specification: work on an integer of 1e-5 units
    // so that e.g. 4.000000000000001 (really 4.0) is not rounded up to 4.1.
    const auto int_input = static_cast<long long>(std::llround(x * 100000.0));
    if (int_input % 10000 == 0) return static_cast<int>(int_input / 10000);
    return static_cast<int>(int_input / 10000) + 1;  // floor: int_input >= 0 here
}

int roundup_v30(double x) {
    return static_cast<int>(std::ceil(x * 10.0));
}

int base_tenths_v3(Version version, const MetricMap& m) {
    const bool changed = m.at("S") == "C";
    const double c = weight_cia(m.at("C"));
    const double i = weight_cia(m.at("I"));
    const double a = weight_cia(m.at("A"));

    // ISS = 1 - [(1 - C) x (1 - I) x (1 - A)]
    const double keep_c = 1.0 - c;
    const double keep_i = 1.0 - i;
    const double keep_a = 1.0 - a;
    double keep = keep_c * keep_i;
    keep = keep * keep_a;
    const double iss = 1.0 - keep;

    double impact;
    if (!changed) {
        impact = 6.42 * iss;
    } else {
        // 7.52 x (ISS - 0.029) - 3.25 x (ISS - 0.02)^15
        const double lin = 7.52 * (iss - 0.029);
        const double pw = 3.25 * std::pow(iss - 0.02, 15.0);
        impact = lin - pw;
    }

    // 8.22 x AV x AC x PR x UI, multiplied left to right.
    double exploitability = 8.22 * weight_av(m.at("AV"));
    exploitability = exploitability * weight_ac(m.at("AC"));
    exploitability = exploitability * weight_pr(m.at("PR"), changed);
    exploitability = exploitability * weight_ui(m.at("UI"));

    if (impact <= 0) return 0;
    double sum = impact + exploitability;
    if (changed) sum = 1.08 * sum;
    const double capped = std::fmin(sum, 10.0);
    return version == Version::V3_0 ? roundup_v30(capped) : roundup_v31(capped);
}

}  // namespace embargo::cvss::detail
