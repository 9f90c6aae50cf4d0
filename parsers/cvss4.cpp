// CVSS v4.0 base score (CVSS-B): macro-vector (EQ1-EQ6) lookup refined by the
// severity distance to the macro-vector's highest-severity vectors, following
// section 8 of the v4.0 specification exactly as FIRST's reference calculator
// (cvss40.js, calculateScore) computes it, including its use of 0.1-step
// metric levels, its summation order and its final rounding, so that the
// doubles and therefore the rounded scores are identical (current reference,
// with its 2024 rounding fix). Threat and
// environmental metrics take their "Not Defined" meaning here (E:X -> A,
// CR/IR/AR:X -> H, modified metrics -> the base value), which is what the
// reference calculator does with a base-only vector.
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <string_view>

#include "parsers/cvss_internal.hpp"

namespace embargo::cvss::detail {
namespace {

// Effective metric values the score is computed from.
struct Effective {
    char av, ac, at, pr, ui, vc, vi, va, sc, si, sa, e, cr, ir, ar;
};

// Metric levels of the reference calculator (METRIC_LEVELS): 0.1 per step,
// as doubles, so distances like 0.3 - 0.1 carry the same rounding.
double level_av(char v) {
    return v == 'N' ? 0.0 : v == 'A' ? 0.1 : v == 'L' ? 0.2 : 0.3;
}
double level_pr(char v) {
    return v == 'N' ? 0.0 : v == 'L' ? 0.1 : 0.2;
}
double level_ui(char v) {
    return v == 'N' ? 0.0 : v == 'P' ? 0.1 : 0.2;
}
double level_ac(char v) {
    return v == 'L' ? 0.0 : 0.1;
}
double level_at(char v) {
    return v == 'N' ? 0.0 : 0.1;
}
double level_v(char v) {
    return v == 'H' ? 0.0 : v == 'L' ? 0.1 : 0.2;
}  // VC, VI, VA
double level_sc(char v) {
    return v == 'H' ? 0.1 : v == 'L' ? 0.2 : 0.3;
}
double level_s(char v) {  // SI, SA
    return v == 'S' ? 0.0 : v == 'H' ? 0.1 : v == 'L' ? 0.2 : 0.3;
}
double level_req(char v) {
    return v == 'H' ? 0.0 : v == 'M' ? 0.1 : 0.2;
}  // CR, IR, AR
double level_e(char v) {
    return v == 'U' ? 0.2 : v == 'P' ? 0.1 : 0.0;
}

// Highest-severity vectors of each EQ level (the reference's MAX_COMPOSED,
// Tables 24-30 of the specification), in the reference's order: the first
// combination that is at least as severe as the scored vector is used.
struct Eq1Max {
    char av, pr, ui;
};
struct Eq2Max {
    char ac, at;
};
struct Eq3Eq6Max {
    char vc, vi, va, cr, ir, ar;
};
struct Eq4Max {
    char sc, si, sa;
};

constexpr Eq1Max kEq1_0[] = {{'N', 'N', 'N'}};
constexpr Eq1Max kEq1_1[] = {{'A', 'N', 'N'}, {'N', 'L', 'N'}, {'N', 'N', 'P'}};
constexpr Eq1Max kEq1_2[] = {{'P', 'N', 'N'}, {'A', 'L', 'P'}};
constexpr Eq2Max kEq2_0[] = {{'L', 'N'}};
constexpr Eq2Max kEq2_1[] = {{'H', 'N'}, {'L', 'P'}};
constexpr Eq3Eq6Max kEq3Eq6_00[] = {{'H', 'H', 'H', 'H', 'H', 'H'}};
constexpr Eq3Eq6Max kEq3Eq6_01[] = {{'H', 'H', 'L', 'M', 'M', 'H'}, {'H', 'H', 'H', 'M', 'M', 'M'}};
constexpr Eq3Eq6Max kEq3Eq6_10[] = {{'L', 'H', 'H', 'H', 'H', 'H'}, {'H', 'L', 'H', 'H', 'H', 'H'}};
constexpr Eq3Eq6Max kEq3Eq6_11[] = {{'L', 'H', 'L', 'H', 'M', 'H'},
                                    {'L', 'H', 'H', 'H', 'M', 'M'},
                                    {'H', 'L', 'H', 'M', 'H', 'M'},
                                    {'H', 'L', 'L', 'M', 'H', 'H'},
                                    {'L', 'L', 'H', 'H', 'H', 'M'}};
constexpr Eq3Eq6Max kEq3Eq6_21[] = {{'L', 'L', 'L', 'H', 'H', 'H'}};
constexpr Eq4Max kEq4_0[] = {{'H', 'S', 'S'}};
constexpr Eq4Max kEq4_1[] = {{'H', 'H', 'H'}};
constexpr Eq4Max kEq4_2[] = {{'L', 'L', 'L'}};
constexpr char kEq5[] = {'A', 'P', 'U'};

std::span<const Eq1Max> eq1_maxes(int eq1) {
    if (eq1 == 0) return kEq1_0;
    if (eq1 == 1) return kEq1_1;
    return kEq1_2;
}
std::span<const Eq2Max> eq2_maxes(int eq2) {
    if (eq2 == 0) return kEq2_0;
    return kEq2_1;
}
std::span<const Eq3Eq6Max> eq3eq6_maxes(int eq3, int eq6) {
    if (eq3 == 0) return eq6 == 0 ? std::span<const Eq3Eq6Max>(kEq3Eq6_00) : kEq3Eq6_01;
    if (eq3 == 1) return eq6 == 0 ? std::span<const Eq3Eq6Max>(kEq3Eq6_10) : kEq3Eq6_11;
    return kEq3Eq6_21;
}
std::span<const Eq4Max> eq4_maxes(int eq4) {
    if (eq4 == 0) return kEq4_0;
    if (eq4 == 1) return kEq4_1;
    return kEq4_2;
}

// Depth of each macro-vector plus one (the reference's MAX_SEVERITY).
int max_severity_eq1(int eq1) {
    return eq1 == 0 ? 1 : eq1 == 1 ? 4 : 5;
}
int max_severity_eq2(int eq2) {
    return eq2 == 0 ? 1 : 2;
}
int max_severity_eq3eq6(int eq3, int eq6) {
    if (eq3 == 0) return eq6 == 0 ? 7 : 6;
    if (eq3 == 1) return 8;
    return 10;
}
int max_severity_eq4(int eq4) {
    return eq4 == 0 ? 6 : eq4 == 1 ? 5 : 4;
}

struct Distances {
    double av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar, e;
    bool all_non_negative() const {
        for (double d : {av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar, e}) {
            if (d < 0) return false;
        }
        return true;
    }
};

const double kNaN = std::numeric_limits<double>::quiet_NaN();

double lookup_or_nan(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6) {
    return macrovector_score(eq1, eq2, eq3, eq4, eq5, eq6).value_or(kNaN);
}

int eq1_of(const Effective& x) {
    if (x.av == 'N' && x.pr == 'N' && x.ui == 'N') return 0;
    if ((x.av == 'N' || x.pr == 'N' || x.ui == 'N') && x.av != 'P') return 1;
    return 2;
}
int eq2_of(const Effective& x) {
    return (x.ac == 'L' && x.at == 'N') ? 0 : 1;
}
int eq3_of(const Effective& x) {
    if (x.vc == 'H' && x.vi == 'H') return 0;
    if (x.vc == 'H' || x.vi == 'H' || x.va == 'H') return 1;
    return 2;
}
int eq4_of(const Effective& x) {
    if (x.si == 'S' || x.sa == 'S') return 0;
    if (x.sc == 'H' || x.si == 'H' || x.sa == 'H') return 1;
    return 2;
}
int eq5_of(const Effective& x) {
    return x.e == 'A' ? 0 : x.e == 'P' ? 1 : 2;
}
int eq6_of(const Effective& x) {
    return ((x.cr == 'H' && x.vc == 'H') || (x.ir == 'H' && x.vi == 'H') ||
            (x.ar == 'H' && x.va == 'H'))
               ? 0
               : 1;
}

int score_tenths(const Effective& x) {
    // No impact on either system: the specification's shortcut to 0.0.
    if (x.vc == 'N' && x.vi == 'N' && x.va == 'N' && x.sc == 'N' && x.si == 'N' && x.sa == 'N') {
        return 0;
    }
    const int eq1 = eq1_of(x), eq2 = eq2_of(x), eq3 = eq3_of(x), eq4 = eq4_of(x), eq5 = eq5_of(x),
              eq6 = eq6_of(x);
    const double value = lookup_or_nan(eq1, eq2, eq3, eq4, eq5, eq6);

    // Scores of the next lower macro-vector along each EQ (NaN: none).
    const double next_eq1 = lookup_or_nan(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
    const double next_eq2 = lookup_or_nan(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
    double next_eq3eq6;
    if (eq3 == 0 && eq6 == 0) {
        // Two ways down (00 -> 01 or 00 -> 10): the higher score is taken.
        next_eq3eq6 = std::fmax(lookup_or_nan(eq1, eq2, eq3, eq4, eq5, eq6 + 1),
                                lookup_or_nan(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
    } else if (eq3 == 1 && eq6 == 0) {
        next_eq3eq6 = lookup_or_nan(eq1, eq2, eq3, eq4, eq5, eq6 + 1);  // 10 -> 11
    } else if (eq3 == 2) {
        next_eq3eq6 = kNaN;  // 21 is the lowest
    } else {
        next_eq3eq6 = lookup_or_nan(eq1, eq2, eq3 + 1, eq4, eq5, eq6);  // 01 -> 11, 11 -> 21
    }
    const double next_eq4 = lookup_or_nan(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
    const double next_eq5 = lookup_or_nan(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

    // Severity distances to the first highest-severity vector of the
    // macro-vector that is at least as severe in every metric; as in the
    // reference, if none is, the last one tried is used.
    Distances d{};
    bool found = false;
    for (const auto& m1 : eq1_maxes(eq1)) {
        for (const auto& m2 : eq2_maxes(eq2)) {
            for (const auto& m3 : eq3eq6_maxes(eq3, eq6)) {
                for (const auto& m4 : eq4_maxes(eq4)) {
                    const char m5 = kEq5[eq5];
                    d.av = level_av(x.av) - level_av(m1.av);
                    d.pr = level_pr(x.pr) - level_pr(m1.pr);
                    d.ui = level_ui(x.ui) - level_ui(m1.ui);
                    d.ac = level_ac(x.ac) - level_ac(m2.ac);
                    d.at = level_at(x.at) - level_at(m2.at);
                    d.vc = level_v(x.vc) - level_v(m3.vc);
                    d.vi = level_v(x.vi) - level_v(m3.vi);
                    d.va = level_v(x.va) - level_v(m3.va);
                    d.sc = level_sc(x.sc) - level_sc(m4.sc);
                    d.si = level_s(x.si) - level_s(m4.si);
                    d.sa = level_s(x.sa) - level_s(m4.sa);
                    d.cr = level_req(x.cr) - level_req(m3.cr);
                    d.ir = level_req(x.ir) - level_req(m3.ir);
                    d.ar = level_req(x.ar) - level_req(m3.ar);
                    d.e = level_e(x.e) - level_e(m5);
                    if (d.all_non_negative()) {
                        found = true;
                        break;
                    }
                }
                if (found) break;
            }
            if (found) break;
        }
        if (found) break;
    }

    // Summed left to right, one addition per statement, as the reference does.
    double dist_eq1 = d.av + d.pr;
    dist_eq1 = dist_eq1 + d.ui;
    const double dist_eq2 = d.ac + d.at;
    double dist_eq3eq6 = d.vc + d.vi;
    dist_eq3eq6 = dist_eq3eq6 + d.va;
    dist_eq3eq6 = dist_eq3eq6 + d.cr;
    dist_eq3eq6 = dist_eq3eq6 + d.ir;
    dist_eq3eq6 = dist_eq3eq6 + d.ar;
    double dist_eq4 = d.sc + d.si;
    dist_eq4 = dist_eq4 + d.sa;

    constexpr double kStep = 0.1;
    const double max_eq1 = max_severity_eq1(eq1) * kStep;
    const double max_eq2 = max_severity_eq2(eq2) * kStep;
    const double max_eq3eq6 = max_severity_eq3eq6(eq3, eq6) * kStep;
    const double max_eq4 = max_severity_eq4(eq4) * kStep;

    // Each EQ with a lower macro-vector contributes its available score
    // distance scaled by how far the vector is into the macro-vector; EQ5
    // always contributes 0 but still counts towards the mean.
    int n_lower = 0;
    double norm_eq1 = 0, norm_eq2 = 0, norm_eq3eq6 = 0, norm_eq4 = 0, norm_eq5 = 0;
    auto contribute = [&](double next, double dist, double max, double& norm) {
        const double available = value - next;
        if (std::isnan(available)) return;
        ++n_lower;
        const double percent = dist / max;
        norm = available * percent;
    };
    contribute(next_eq1, dist_eq1, max_eq1, norm_eq1);
    contribute(next_eq2, dist_eq2, max_eq2, norm_eq2);
    contribute(next_eq3eq6, dist_eq3eq6, max_eq3eq6, norm_eq3eq6);
    contribute(next_eq4, dist_eq4, max_eq4, norm_eq4);
    if (!std::isnan(value - next_eq5)) {
        ++n_lower;
        norm_eq5 = (value - next_eq5) * 0.0;
    }

    double mean = 0;
    if (n_lower != 0) {
        double sum = norm_eq1 + norm_eq2;
        sum = sum + norm_eq3eq6;
        sum = sum + norm_eq4;
        sum = sum + norm_eq5;
        mean = sum / n_lower;
    }
    const double raw = value - mean;
    const double clamped = std::fmax(0.0, std::fmin(10.0, raw));
    // The reference's roundToDecimalPlaces since its rounding fix of
    // 2024-10 (cvss-v4-calculator PR #67): Math.round((x + 1e-6) * 10) / 10,
    // the small lift making scores that land one ulp below an x.x5 tie
    // round half up as intended.
    constexpr double kEpsilon = 1e-6;
    const double lifted = clamped + kEpsilon;
    return static_cast<int>(js_math_round(lifted * 10.0));
}

char value_char(const MetricMap& m, std::string_view name) {
    return m.at(name).front();
}

}  // namespace

double js_math_round(double x) {
    const double f = std::floor(x);
    return (x - f >= 0.5) ? f + 1.0 : f;
}

int base_tenths_v4(const MetricMap& m) {
    Effective x{};
    x.av = value_char(m, "AV");
    x.ac = value_char(m, "AC");
    x.at = value_char(m, "AT");
    x.pr = value_char(m, "PR");
    x.ui = value_char(m, "UI");
    x.vc = value_char(m, "VC");
    x.vi = value_char(m, "VI");
    x.va = value_char(m, "VA");
    x.sc = value_char(m, "SC");
    x.si = value_char(m, "SI");
    x.sa = value_char(m, "SA");
    // CVSS-B: threat and environmental metrics as Not Defined.
    x.e = 'A';
    x.cr = 'H';
    x.ir = 'H';
    x.ar = 'H';
    return score_tenths(x);
}

}  // namespace embargo::cvss::detail
