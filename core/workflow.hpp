// The disclosure-workflow rules (SPEC sections 1 and 5): initial deadlines,
// release plans, and applying a message's validated commands to a case, all
// or nothing. Pure: the clock and every lookup are parameters, nothing here
// does I/O. The caller stores the returned case(s) and events and queues the
// returned notifications in one transaction.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/forge.hpp"
#include "core/notice_text.hpp"
#include "core/time.hpp"
#include "core/workflow_types.hpp"

namespace embargo::workflow {

// Milestones of a case first received at `received_at`: organize, fix,
// announce and release count from it; the retrospective has no due time
// until the case is released (then released + t.retrospective).
std::array<Milestone, 5> initial_milestones(TimePoint received_at, const Timeline& t);

// "1.13.4" and "1.13" belong to the series "1.13" ("v1.13.4" too); "1.130" does not.
bool in_series(std::string_view version, std::string_view series);
// "patch-release" when any version is in a supported series, else
// "next-release" when the main branch is affected, else "public-issue";
// "" for an empty list.
std::string release_plan(const std::vector<std::string>& affects, const Config& cfg);

// True when the score is known to be below 4.0 (compared on the one-decimal score).
bool low_severity(const std::optional<Cvss>& cvss);

// What apply_commands may need to know beyond the case itself.
struct Lookups {
    // The case a /merge names (nullopt: no such case). Unset: /merge fails.
    std::function<std::optional<Case>(const std::string& id)> find_case;
    // The case's event log so far, oldest first: goes into the retrospective.
    std::vector<Event> history;
};

struct Outcome {
    // False when any command was refused: then nothing changed, `updated` is
    // the case as given, `events` is empty and `notices` holds only the
    // command-result listing the errors.
    bool applied = false;
    Case updated;
    // After a successful /merge: the target case with the merged case's
    // reporters and Fix Team added. Store it too.
    std::optional<Case> merge_target;
    std::vector<std::string> done;    // one or more lines per applied command
    std::vector<std::string> errors;  // "line 3: /slow: ..."
    // To append in this order. Events for the merge target carry its case_id.
    std::vector<Event> events;
    // The command-result to the actor always comes first.
    std::vector<NoticeRequest> notices;
    // /reply: relay the message text without its command lines to the reporters.
    bool relay_to_reporters = false;
    // /reply draft: relay this text (the public-report draft) instead of the message's.
    std::string relay_text;
    // Calls on the forge advisory ([forge] only), in this order, after the
    // case's earlier ones.
    std::vector<forge::Job> forge_jobs;
};

// Applies `commands` (already validated by the parser, in message order) to
// case `c` on behalf of `actor`, a team member already authorized. Commands
// see the effect of earlier commands of the same message (so "/cvss ..." then
// "/slow ..." works); if any is refused, none is applied.
Outcome apply_commands(Case c, const std::vector<Command>& commands, const Actor& actor,
                       const Config& cfg, TimePoint now, const Lookups& lookups = {});

}  // namespace embargo::workflow
