// Texts of every notification the daemon sends (SPEC section 6), as
// NoticeRequests with their recipients resolved from the configuration.
// Pure functions of their arguments. Every body begins with "Case: ID" and
// every time is UTC ISO 8601 with the hour. Public texts (announcements) and
// texts that may reach a reporter without encryption never contain the
// report's subject or text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/time.hpp"
#include "core/workflow_types.hpp"

namespace embargo::notice_text {

using workflow::Event;
using workflow::NoticeRequest;

// "3d 4h", "45m", "under a minute": coarse, for humans.
std::string format_duration(Duration d);
// "9.8 (critical)".
std::string severity_text(const Cvss& c);
// What completes a milestone: "/fixed", "/cc EMAIL... or /organized", ...
std::string_view how_to_complete(MilestoneName m);

// Addresses of all configured team members, in rotation order.
std::vector<std::string> all_members(const Config& cfg);

// To the reporter `to`: the case id and what happens next. with_content=false
// is for a reporter we cannot encrypt to: then nothing of the report (not
// even its subject) is in the text.
NoticeRequest ack(const Case& c, const Config& cfg, const std::string& to, bool with_content);
// To all team members: the report text, who leads, the due dates.
NoticeRequest new_case(const Case& c, const Config& cfg, std::string_view report_text);
// To the lead: another report (from `reporter`, text `report_text`) joined the case.
NoticeRequest duplicate(const Case& c, const Config& cfg, const std::string& reporter,
                        std::string_view report_text);
// To `to`: the report could not be decrypted; asks to encrypt to the team key
// (cfg.gpg.keys.front(), named by fingerprint). Contains nothing of the message.
NoticeRequest undecryptable(const Case& c, const Config& cfg, const std::string& to);
// To `to`: what was done, or what was wrong (then nothing was applied).
// `extra` (the /status summary, the /help table) is appended.
// The answer to a reply to a notification that spans cases (the digest, or
// this answer itself) that names no case, several, or none that exists:
// nothing was filed or applied; which cases it could mean and how to name one.
// `named` is what the reply's Case: lines said (may be empty).
NoticeRequest which_case(const std::string& to, const std::vector<std::string>& named,
                         const std::vector<std::string>& candidates);

NoticeRequest command_result(const std::string& case_id, const std::string& to,
                             const std::vector<std::string>& done,
                             const std::vector<std::string>& errors, std::string_view extra = {});

// Public, to the announce addresses: release date, affected series,
// mitigations, severity. No vulnerability detail.
NoticeRequest announcement(const Case& c, const Config& cfg);
// Public, to the announce addresses: released versions, CVE, severity, PRs.
NoticeRequest release_announcement(const Case& c, const Config& cfg);
// To the lead: the CVE JSON 5 record and the reminder to remove the Fix Team
// from the private security repositories.
NoticeRequest cve_request(const Case& c, const Config& cfg, TimePoint now);
// A complete CVE JSON 5.1 record (pretty-printed) for the released case.
// Fields the daemon cannot know (CNA org id, the description) hold
// placeholders that the cve-request text points out.
std::string cve_record_json(const Case& c, const Config& cfg, TimePoint now);
// The retrospective: every event with its time, each milestone due vs done,
// people involved, PRs, notes. Two requests: the team copy (members and Fix
// Team, encrypted) and, when retrospective addresses are configured, the copy
// for those lists (is_public: the case is released by then). Reporter
// addresses are replaced by "reporter" in both.
std::vector<NoticeRequest> retrospective(const Case& c, const Config& cfg,
                                         const std::vector<Event>& events, std::string_view notes);
// To all team members: `actor` slowed the case down, and why.
NoticeRequest slowed(const Case& c, const Config& cfg, const std::string& actor,
                     std::string_view reason, TimePoint now);
// To the lead (all members when there is none): milestone m is due soon.
NoticeRequest reminder(const Case& c, const Config& cfg, MilestoneName m, TimePoint now);
// To the lead, the Fix Team and all members: milestone m is overdue.
NoticeRequest escalation(const Case& c, const Config& cfg, MilestoneName m, TimePoint now);

// A team or member key that expires soon (input to the digest).
struct KeyExpiry {
    std::string fingerprint;
    std::string owner;  // "team key" or a member address
    TimePoint expires{};
};
// To all team members: each open case with its next due date, and keys
// expiring soon. Its first line lists the open case ids ("Case: A, B").
NoticeRequest digest(const std::vector<Case>& open_cases, const std::vector<KeyExpiry>& keys,
                     const Config& cfg, TimePoint now);

// The /status summary (no report subject or text).
std::string status_summary(const Case& c, TimePoint now);
// The /help table.
std::string help_text();

}  // namespace embargo::notice_text
