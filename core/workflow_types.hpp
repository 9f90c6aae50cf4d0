// Plain data shared by the disclosure-workflow rules (core/workflow), the
// command parser (parsers/commands), the notice texts and the scheduler:
// typed commands and the command table of SPEC section 5, case events, and
// notification requests (SPEC section 6). No behaviour beyond lookups.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/case.hpp"
#include "core/time.hpp"

namespace embargo::workflow {

enum class CommandKind {
    Lead,
    Cc,
    Uncc,
    Organized,
    Cvss,
    Public,
    Slow,
    Affects,
    Fixed,
    Pr,
    Fork,
    ReleaseDate,
    Mitigation,
    Announce,
    Released,
    Cve,
    Retrospective,
    Reject,
    Merge,
    Reply,
    Status,
    Help,
};

struct CommandInfo {
    CommandKind kind;
    std::string_view keyword;  // without the slash: "release-date"
    std::string_view usage;    // "/release-date DATE[TIME]"
    std::string_view effect;   // one line for /help
};

inline constexpr std::size_t kCommandCount = 22;
// In the order of the SPEC table (which is also the /help order).
const std::array<CommandInfo, kCommandCount>& command_table();
std::string_view keyword(CommandKind k);
// Exact, lower-case keyword without the slash; nullopt for anything else.
std::optional<CommandKind> command_from_keyword(std::string_view word);

// A command whose arguments have been validated and normalised. Which fields
// are used depends on the kind:
//   Lead            values = {"me"} or {member address}
//   Cc, Uncc        values = addresses (lower-cased), at least one
//   Cc              logins = empty, or one per value: the forge login given as
//                   "EMAIL github:LOGIN" ("" where none was given)
//   Cvss            cvss = the scored, normalised vector
//   Public          values = {} or {http(s) URL}
//   Slow, Reject, Mitigation
//                   text = the reason / mitigation, never empty
//   Retrospective   text = notes, may be empty
//   Affects, Released
//                   values = versions or branch names, at least one
//   Pr              values = http(s) URLs, at least one
//   ReleaseDate     when = the planned release time (UTC)
//   Cve             values = {"CVE-2026-12345"} (upper case)
//   Merge           values = {target case id}
//   Reply           values = {} or {"draft"} (send the public-report reply draft)
//   Organized, Fixed, Announce, Fork, Status, Help: nothing
struct Command {
    CommandKind kind = CommandKind::Help;
    int line = 0;  // 1-based line of the message text it came from; 0 if unknown
    std::vector<std::string> values;
    std::vector<std::string> logins;
    std::string text;
    std::optional<TimePoint> when;
    std::optional<Cvss> cvss;
};

// Whether milestone m still counts for deadlines: the case is open, m has a
// due time and is not done, and (for all but the retrospective) the release is
// not done yet, since a released case only owes its retrospective.
bool milestone_pending(const Case& c, MilestoneName m);
// The pending milestone that is due first, if any.
std::optional<MilestoneName> next_due(const Case& c);

// "/cc a@x b@x", "/release-date 2026-12-05T14:00:00Z": the command as the
// result lines and the event log show it.
std::string describe(const Command& c);

// Whoever gave the commands: a team member (authorization is done before).
struct Actor {
    std::string email;        // lower-cased
    std::string fingerprint;  // of the key that signed the commands; empty if unsigned
};

// One entry of a case's append-only event log. `detail` never holds report
// text or the report subject; command arguments are fine.
struct Event {
    std::string case_id;
    TimePoint at{};
    std::string actor;  // address, or "embargo" for the daemon itself
    std::string kind;   // "cc", "state", "milestone", ...
    std::string detail;
};

// A notification to queue (SPEC section 6). Bodies begin with "Case: ID".
// Anything not public carries case content: the sender encrypts it per
// recipient and keeps `subject` inside the protected headers only.
struct NoticeRequest {
    std::string kind;  // "ack", "new-case", "command-result", ...
    std::vector<std::string> to;
    std::string subject;
    std::string body;
    bool is_public = false;  // signed, not encrypted (announcements)
    std::string case_id;     // empty for the daily digest, which spans cases
};

}  // namespace embargo::workflow
