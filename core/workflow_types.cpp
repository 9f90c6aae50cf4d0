// The command table of SPEC section 5 and the textual form of a command.
#include "core/workflow_types.hpp"

namespace embargo::workflow {
namespace {

using K = CommandKind;
constexpr std::array<CommandInfo, kCommandCount> kTable = {{
    {K::Lead, "lead", "/lead EMAIL | /lead me", "make a team member the Fix Lead"},
    {K::Cc, "cc", "/cc EMAIL [github:LOGIN]...",
     "add Fix Team members to the thread (and as collaborators of the forge advisory); "
     "completes organize"},
    {K::Uncc, "uncc", "/uncc EMAIL...", "remove them"},
    {K::Organized, "organized", "/organized", "completes organize without adding anyone"},
    {K::Cvss, "cvss", "/cvss VECTOR",
     "set the CVSS v3.0/v3.1/v4.0 vector; base score and severity are computed"},
    {K::Public, "public", "/public [URL]",
     "mark publicly disclosed: unfinished milestones become ASAP unless CVSS < 4.0"},
    {K::Slow, "slow", "/slow REASON",
     "only when the CVSS score is below 4.0: extend every unfinished due time"},
    {K::Affects, "affects", "/affects VERSION...",
     "record affected versions or branches; derives the release plan"},
    {K::Fixed, "fixed", "/fixed", "completes fix"},
    {K::Pr, "pr", "/pr URL", "record a fix pull request (repeatable)"},
    {K::Fork, "fork", "/fork",
     "request the forge advisory's temporary private fork; its URL is mailed to the Fix Team"},
    {K::ReleaseDate, "release-date", "/release-date DATE[TIME]",
     "planned release, in the future: 2026-12-05T14:00:00Z, or 2026-12-05 for 00:00 UTC"},
    {K::Mitigation, "mitigation", "/mitigation TEXT", "a mitigation for users (repeatable)"},
    {K::Announce, "announce", "/announce",
     "send the forthcoming-fix announcement (needs a release date); completes announce"},
    {K::Released, "released", "/released VERSION...",
     "completes release; sends the release announcement and the Fix Lead a CVE request"},
    {K::Cve, "cve", "/cve CVE-YYYY-NNNN", "record the CVE id"},
    {K::Retrospective, "retrospective", "/retrospective [NOTES]",
     "send the retrospective to the team; closes the case"},
    {K::Reject, "reject", "/reject REASON", "close as not a security issue"},
    {K::Merge, "merge", "/merge CASE", "merge this case into CASE"},
    {K::Reply, "reply", "/reply [draft]",
     "also send this message (without command lines) to the reporter; /reply draft sends the "
     "ready public-report reply instead"},
    {K::Status, "status", "/status", "reply with the case summary"},
    {K::Help, "help", "/help", "reply with this table"},
}};

}  // namespace

const std::array<CommandInfo, kCommandCount>& command_table() {
    return kTable;
}

std::string_view keyword(CommandKind k) {
    return kTable[static_cast<std::size_t>(k)].keyword;
}

std::optional<CommandKind> command_from_keyword(std::string_view word) {
    for (const auto& info : kTable)
        if (info.keyword == word) return info.kind;
    return std::nullopt;
}

bool milestone_pending(const Case& c, MilestoneName m) {
    if (!is_open(c.state)) return false;
    const Milestone& ms = c.milestone(m);
    if (ms.done || !ms.due) return false;
    if (m != MilestoneName::Retrospective && c.milestone(MilestoneName::Release).done) return false;
    return true;
}

std::optional<MilestoneName> next_due(const Case& c) {
    std::optional<MilestoneName> best;
    for (MilestoneName m : kMilestones) {
        if (!milestone_pending(c, m)) continue;
        if (!best || *c.milestone(m).due < *c.milestone(*best).due) best = m;
    }
    return best;
}

std::string describe(const Command& c) {
    std::string out = "/";
    out += keyword(c.kind);
    for (std::size_t i = 0; i < c.values.size(); ++i) {
        out += " " + c.values[i];
        if (i < c.logins.size() && !c.logins[i].empty()) out += " github:" + c.logins[i];
    }
    if (c.when) out += " " + format_iso8601(*c.when);
    if (c.cvss) out += " " + c.cvss->vector;
    if (!c.text.empty()) out += " " + c.text;
    return out;
}

}  // namespace embargo::workflow
