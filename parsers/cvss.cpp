// CVSS vector parsing, validation, normalisation and dispatch to the
// per-version base scorers (cvss3.cpp, cvss4.cpp).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <span>
#include <string>

#include "parsers/cvss.hpp"
#include "parsers/cvss_internal.hpp"

namespace embargo::cvss {
namespace {

struct MetricDef {
    std::string_view name;
    std::string_view full_name;
    std::initializer_list<std::string_view> values;
    bool base;
};

// CVSS v3.0 and v3.1 share their metrics; canonical order is Table 15 of the
// v3.1 specification (Table 14 of v3.0).
const std::array<MetricDef, 22> kV3Metrics{{
    {"AV", "Attack Vector", {"N", "A", "L", "P"}, true},
    {"AC", "Attack Complexity", {"L", "H"}, true},
    {"PR", "Privileges Required", {"N", "L", "H"}, true},
    {"UI", "User Interaction", {"N", "R"}, true},
    {"S", "Scope", {"U", "C"}, true},
    {"C", "Confidentiality", {"H", "L", "N"}, true},
    {"I", "Integrity", {"H", "L", "N"}, true},
    {"A", "Availability", {"H", "L", "N"}, true},
    {"E", "Exploit Code Maturity", {"X", "H", "F", "P", "U"}, false},
    {"RL", "Remediation Level", {"X", "U", "W", "T", "O"}, false},
    {"RC", "Report Confidence", {"X", "C", "R", "U"}, false},
    {"CR", "Confidentiality Requirement", {"X", "H", "M", "L"}, false},
    {"IR", "Integrity Requirement", {"X", "H", "M", "L"}, false},
    {"AR", "Availability Requirement", {"X", "H", "M", "L"}, false},
    {"MAV", "Modified Attack Vector", {"X", "N", "A", "L", "P"}, false},
    {"MAC", "Modified Attack Complexity", {"X", "L", "H"}, false},
    {"MPR", "Modified Privileges Required", {"X", "N", "L", "H"}, false},
    {"MUI", "Modified User Interaction", {"X", "N", "R"}, false},
    {"MS", "Modified Scope", {"X", "U", "C"}, false},
    {"MC", "Modified Confidentiality", {"X", "H", "L", "N"}, false},
    {"MI", "Modified Integrity", {"X", "H", "L", "N"}, false},
    {"MA", "Modified Availability", {"X", "H", "L", "N"}, false},
}};

// CVSS v4.0 metrics in the order of Table 23 of the v4.0 specification
// (base, threat, environmental, supplemental).
const std::array<MetricDef, 32> kV4Metrics{{
    {"AV", "Attack Vector", {"N", "A", "L", "P"}, true},
    {"AC", "Attack Complexity", {"L", "H"}, true},
    {"AT", "Attack Requirements", {"N", "P"}, true},
    {"PR", "Privileges Required", {"N", "L", "H"}, true},
    {"UI", "User Interaction", {"N", "P", "A"}, true},
    {"VC", "Vulnerable System Confidentiality", {"H", "L", "N"}, true},
    {"VI", "Vulnerable System Integrity", {"H", "L", "N"}, true},
    {"VA", "Vulnerable System Availability", {"H", "L", "N"}, true},
    {"SC", "Subsequent System Confidentiality", {"H", "L", "N"}, true},
    {"SI", "Subsequent System Integrity", {"H", "L", "N"}, true},
    {"SA", "Subsequent System Availability", {"H", "L", "N"}, true},
    {"E", "Exploit Maturity", {"X", "A", "P", "U"}, false},
    {"CR", "Confidentiality Requirement", {"X", "H", "M", "L"}, false},
    {"IR", "Integrity Requirement", {"X", "H", "M", "L"}, false},
    {"AR", "Availability Requirement", {"X", "H", "M", "L"}, false},
    {"MAV", "Modified Attack Vector", {"X", "N", "A", "L", "P"}, false},
    {"MAC", "Modified Attack Complexity", {"X", "L", "H"}, false},
    {"MAT", "Modified Attack Requirements", {"X", "N", "P"}, false},
    {"MPR", "Modified Privileges Required", {"X", "N", "L", "H"}, false},
    {"MUI", "Modified User Interaction", {"X", "N", "P", "A"}, false},
    {"MVC", "Modified Vulnerable System Confidentiality", {"X", "H", "L", "N"}, false},
    {"MVI", "Modified Vulnerable System Integrity", {"X", "H", "L", "N"}, false},
    {"MVA", "Modified Vulnerable System Availability", {"X", "H", "L", "N"}, false},
    {"MSC", "Modified Subsequent System Confidentiality", {"X", "H", "L", "N"}, false},
    {"MSI", "Modified Subsequent System Integrity", {"X", "S", "H", "L", "N"}, false},
    {"MSA", "Modified Subsequent System Availability", {"X", "S", "H", "L", "N"}, false},
    {"S", "Safety", {"X", "N", "P"}, false},
    {"AU", "Automatable", {"X", "N", "Y"}, false},
    {"R", "Recovery", {"X", "A", "U", "I"}, false},
    {"V", "Value Density", {"X", "D", "C"}, false},
    {"RE", "Vulnerability Response Effort", {"X", "L", "M", "H"}, false},
    {"U", "Provider Urgency", {"X", "Clear", "Green", "Amber", "Red"}, false},
}};

struct VersionDef {
    Version version;
    std::string_view prefix;
    std::span<const MetricDef> metrics;
    bool any_order;
};

const std::array<VersionDef, 3> kVersions{{
    {Version::V3_0, "CVSS:3.0", kV3Metrics, true},
    {Version::V3_1, "CVSS:3.1", kV3Metrics, true},
    {Version::V4_0, "CVSS:4.0", kV4Metrics, false},
}};

// Quotes a piece of untrusted input for an error message: bounded length,
// control and non-ASCII bytes escaped, so that a hostile vector cannot inject
// line breaks or terminal escapes into logs and mail.
std::string quote(std::string_view s) {
    constexpr std::size_t kMax = 24;
    std::string out = "'";
    for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (s.size() > kMax) out += "...";
    out += "'";
    return out;
}

std::string join_values(const MetricDef& def) {
    std::string out;
    for (auto v : def.values) {
        if (!out.empty()) out += ", ";
        out += v;
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

const VersionDef& parse_prefix(std::string_view prefix) {
    for (const auto& v : kVersions) {
        if (prefix == v.prefix) return v;
    }
    for (const auto& v : kVersions) {
        if (iequals(prefix, v.prefix)) {
            throw CvssError("CVSS prefix " + quote(prefix) + " must be written in upper case as '" +
                            std::string(v.prefix) + "'");
        }
    }
    if (prefix.starts_with("CVSS:")) {
        throw CvssError("unsupported CVSS version " + quote(prefix.substr(5)) +
                        " in prefix; supported are CVSS:3.0, CVSS:3.1 and CVSS:4.0");
    }
    throw CvssError("CVSS vector must start with 'CVSS:3.0/', 'CVSS:3.1/' or 'CVSS:4.0/' (found " +
                    quote(prefix) + "; CVSS v2 vectors are not supported)");
}

std::string version_text(const VersionDef& v) {
    return std::string(v.prefix);
}

}  // namespace

std::string_view version_string(Version v) {
    switch (v) {
        case Version::V3_0:
            return "3.0";
        case Version::V3_1:
            return "3.1";
        case Version::V4_0:
            return "4.0";
    }
    return "?";
}

std::string severity_for(double score) {
    if (!(score >= 0.0 && score <= 10.0)) {
        throw CvssError("CVSS score out of range 0.0-10.0; cannot rate its severity");
    }
    // Scores are multiples of 0.1; comparing against the midpoints keeps the
    // bands right whichever side of the decimal value its double lies on.
    if (score < 0.05) return "none";
    if (score < 3.95) return "low";
    if (score < 6.95) return "medium";
    if (score < 8.95) return "high";
    return "critical";
}

Score score(std::string_view vector) {
    if (vector.empty()) {
        throw CvssError(
            "empty CVSS vector; expected e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    }
    if (vector.size() > kMaxVectorLength) {
        throw CvssError("CVSS vector is " + std::to_string(vector.size()) +
                        " bytes long; at most " + std::to_string(kMaxVectorLength) +
                        " are accepted (give only the vector string)");
    }

    const auto slash = vector.find('/');
    const VersionDef& ver = parse_prefix(vector.substr(0, slash));
    if (slash == std::string_view::npos || slash + 1 == vector.size()) {
        throw CvssError("no metrics after the " + version_text(ver) + " prefix");
    }
    const auto defs = ver.metrics;

    // Index into defs of every metric given, in input order, and its value.
    std::vector<std::pair<std::size_t, std::string_view>> given;
    std::string_view rest = vector.substr(slash + 1);
    std::string_view previous_name;
    while (true) {
        const auto end = rest.find('/');
        const std::string_view segment = rest.substr(0, end);
        if (segment.empty()) {
            throw CvssError(previous_name.empty()
                                ? "empty metric segment right after the " + version_text(ver) +
                                      " prefix (doubled '/')"
                                : "empty metric segment after metric '" +
                                      std::string(previous_name) + "' (doubled or trailing '/')");
        }
        const auto colon = segment.find(':');
        if (colon == std::string_view::npos) {
            throw CvssError("segment " + quote(segment) + " after " +
                            (previous_name.empty()
                                 ? std::string("the prefix")
                                 : "metric '" + std::string(previous_name) + "'") +
                            " is not of the form METRIC:VALUE");
        }
        const std::string_view name = segment.substr(0, colon);
        const std::string_view value = segment.substr(colon + 1);
        const auto it = std::find_if(defs.begin(), defs.end(),
                                     [&](const MetricDef& d) { return d.name == name; });
        if (it == defs.end()) {
            std::string msg =
                "unknown metric " + quote(name) + " in a " + version_text(ver) + " vector";
            for (const auto& d : defs) {
                if (iequals(d.name, name)) {
                    msg += " (metric names are case-sensitive: did you mean '" +
                           std::string(d.name) + "'?)";
                    break;
                }
            }
            throw CvssError(msg);
        }
        const auto index = static_cast<std::size_t>(it - defs.begin());
        if (std::find(it->values.begin(), it->values.end(), value) == it->values.end()) {
            throw CvssError("metric '" + std::string(name) + "' (" + std::string(it->full_name) +
                            ") has unknown value " + quote(value) +
                            "; allowed: " + join_values(*it));
        }
        for (const auto& [i, v] : given) {
            if (i == index) {
                throw CvssError("metric '" + std::string(name) +
                                "' is given more than once; each metric may appear only once");
            }
        }
        if (!ver.any_order && !given.empty() && given.back().first > index) {
            throw CvssError("metric '" + std::string(name) +
                            "' is out of order: " + version_text(ver) +
                            " requires the metric order of the specification (AV/AC/AT/PR/UI/VC/VI/"
                            "VA/SC/SI/SA, then E, CR/IR/AR, the modified metrics, S/AU/R/V/RE/U), "
                            "so '" +
                            std::string(name) + "' must come before '" +
                            std::string(defs[given.back().first].name) + "'");
        }
        given.emplace_back(index, value);
        previous_name = name;
        if (end == std::string_view::npos) break;
        rest = rest.substr(end + 1);
        if (rest.empty()) {
            throw CvssError("empty metric segment after metric '" + std::string(previous_name) +
                            "' (trailing '/')");
        }
    }

    std::string missing;
    for (std::size_t i = 0; i < defs.size(); ++i) {
        if (!defs[i].base) continue;
        if (std::none_of(given.begin(), given.end(), [&](const auto& g) { return g.first == i; })) {
            if (!missing.empty()) missing += ", ";
            missing +=
                "'" + std::string(defs[i].name) + "' (" + std::string(defs[i].full_name) + ")";
        }
    }
    if (!missing.empty()) {
        throw CvssError(version_text(ver) + " vector lacks base metric " + missing +
                        "; every base metric must be given");
    }

    std::sort(given.begin(), given.end());
    Score result;
    result.version = ver.version;
    result.vector = std::string(ver.prefix);
    detail::MetricMap map;
    for (const auto& [i, value] : given) {
        const std::string_view name = defs[i].name;
        result.metrics.emplace_back(std::string(name), std::string(value));
        map.emplace(name, value);
        if (value != "X") {
            result.vector += "/";
            result.vector += name;
            result.vector += ":";
            result.vector += value;
        }
    }
    const int tenths = ver.version == Version::V4_0 ? detail::base_tenths_v4(map)
                                                    : detail::base_tenths_v3(ver.version, map);
    result.base_score = tenths / 10.0;
    result.severity = severity_for(result.base_score);
    return result;
}

}  // namespace embargo::cvss
