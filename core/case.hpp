// The case model shared by the rules core, storage and the binaries: what a
// case is, its milestones and states (SPEC sections 1 and 7).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace embargo {

enum class CaseState { Triage, Fixing, Fixed, Announced, Released, Closed, Rejected, Merged };
std::string_view to_string(CaseState s);
std::optional<CaseState> case_state_from(std::string_view s);
// Closed, rejected and merged cases take no new reports and have no deadlines.
inline bool is_open(CaseState s) {
    return s != CaseState::Closed && s != CaseState::Rejected && s != CaseState::Merged;
}

enum class MilestoneName { Organize, Fix, Announce, Release, Retrospective };
inline constexpr std::array<MilestoneName, 5> kMilestones = {
    MilestoneName::Organize, MilestoneName::Fix, MilestoneName::Announce, MilestoneName::Release,
    MilestoneName::Retrospective};
std::string_view to_string(MilestoneName m);
std::optional<MilestoneName> milestone_from(std::string_view s);

struct Milestone {
    MilestoneName name = MilestoneName::Organize;
    std::optional<TimePoint> due;
    std::optional<TimePoint> done;
    bool overdue(TimePoint now) const { return !done && due && *due < now; }
};

// "EMST-2026-0001": prefix, year of disclosure, per-year counter (4+ digits).
struct CaseId {
    std::string prefix;
    int year = 0;
    int number = 0;
    std::string str() const;
    // Parses an id with exactly this prefix; nullopt for anything else.
    static std::optional<CaseId> parse(std::string_view s, std::string_view prefix);
    bool operator==(const CaseId&) const = default;
};

struct Cvss {
    std::string vector;  // normalised
    double score = 0;
    std::string severity;  // none|low|medium|high|critical
};

struct Case {
    std::string id;
    CaseState state = CaseState::Triage;
    std::string subject;                 // confidential: never logged
    std::vector<std::string> reporters;  // addresses, first reporter first
    TimePoint received_at{};
    std::string lead;                   // member address
    std::vector<std::string> fix_team;  // addresses
    bool encrypted = false;
    bool is_public = false;
    std::string public_url;
    bool slowed = false;
    std::optional<Cvss> cvss;
    std::vector<std::string> affects;
    std::string release_plan;  // "", "patch-release", "next-release", "public-issue"
    std::optional<TimePoint> release_date;
    std::string cve;
    std::vector<std::string> prs;
    std::vector<std::string> mitigations;
    std::vector<std::string> released_versions;
    std::string merged_into;
    std::vector<std::string> flags;
    // "email login": forge logins given with `/cc EMAIL github:LOGIN`.
    std::vector<std::string> forge_logins;
    std::array<Milestone, 5> milestones{};
    std::optional<TimePoint> closed_at;

    Milestone& milestone(MilestoneName m) { return milestones[static_cast<size_t>(m)]; }
    const Milestone& milestone(MilestoneName m) const { return milestones[static_cast<size_t>(m)]; }
    bool has_flag(std::string_view f) const {
        for (const auto& x : flags)
            if (x == f) return true;
        return false;
    }
};

}  // namespace embargo
