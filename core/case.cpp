// Names of states and milestones, and case id formatting.
#include "core/case.hpp"

#include <cstdio>

namespace embargo {
namespace {
constexpr std::array<std::string_view, 8> kStateNames = {
    "triage", "fixing", "fixed", "announced", "released", "closed", "rejected", "merged"};
constexpr std::array<std::string_view, 5> kMilestoneNames = {"organize", "fix", "announce",
                                                             "release", "retrospective"};
}  // namespace

std::string_view to_string(CaseState s) {
    return kStateNames[static_cast<size_t>(s)];
}

std::optional<CaseState> case_state_from(std::string_view s) {
    for (size_t i = 0; i < kStateNames.size(); ++i)
        if (kStateNames[i] == s) return static_cast<CaseState>(i);
    return std::nullopt;
}

std::string_view to_string(MilestoneName m) {
    return kMilestoneNames[static_cast<size_t>(m)];
}

std::optional<MilestoneName> milestone_from(std::string_view s) {
    for (size_t i = 0; i < kMilestoneNames.size(); ++i)
        if (kMilestoneNames[i] == s) return static_cast<MilestoneName>(i);
    return std::nullopt;
}

std::string CaseId::str() const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "-%04d-%04d", year, number);
    return prefix + buf;
}

std::optional<CaseId> CaseId::parse(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size() + 10 || s.substr(0, prefix.size()) != prefix) return std::nullopt;
    s.remove_prefix(prefix.size());
    if (s[0] != '-' || s[5] != '-') return std::nullopt;
    int year = 0;
    for (size_t i = 1; i < 5; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        year = year * 10 + (s[i] - '0');
    }
    std::string_view num = s.substr(6);
    if (num.size() < 4 || num.size() > 9) return std::nullopt;
    int n = 0;
    for (char c : num) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n == 0) return std::nullopt;
    return CaseId{std::string(prefix), year, n};
}

}  // namespace embargo
