// The deadline scheduler (SPEC sections 1 and 6): which reminders,
// escalations and digests are due now. Pure: the caller passes what was
// already sent and stores the new state returned with the notices, in the
// same transaction that queues them, so each is sent once even across
// restarts and --now jumps.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/notice_text.hpp"
#include "core/time.hpp"
#include "core/workflow_types.hpp"

namespace embargo::scheduler {

using notice_text::KeyExpiry;
using workflow::NoticeRequest;

// What was sent for one milestone of one case.
struct MilestoneSent {
    // The due time the reminder was sent for. A reminder goes out once per due
    // time: when /public or /slow moves the due time, the new one gets its own.
    std::optional<TimePoint> reminded_due;
    std::optional<TimePoint> last_escalation;
    bool operator==(const MilestoneSent&) const = default;
};

// Indexed like Case::milestones (kMilestones order).
struct SentState {
    std::array<MilestoneSent, 5> milestones{};
    // The release date the distributors' reminder was sent for.
    std::optional<TimePoint> distributors_reminded;
    bool operator==(const SentState&) const = default;
};

struct CaseDue {
    std::vector<NoticeRequest> notices;  // reminders and escalations now due
    SentState sent;                      // the state to store with them
};

// The moment 75% of milestone m's window has passed: the window runs from
// the case's received_at (the release for the retrospective) to the due
// time. nullopt when m has no due time or no window start.
std::optional<TimePoint> reminder_time(const Case& c, MilestoneName m);

// Reminders and escalations for one case. For every pending milestone (see
// workflow::milestone_pending): a `reminder` to the lead once its reminder
// time has passed and it is not yet due; an `escalation` to the lead, Fix Team
// and all members when it is overdue, then again every escalate_every (and
// at once when the due time moved past the last escalation). A jump of --now
// far ahead yields one escalation per milestone, not one per missed period.
// Plus the distributors' reminder 24 h before the release date (see
// distributors::reminder), once per release date.
CaseDue case_notices(const Case& c, const Config& cfg, TimePoint now, const SentState& sent);

struct DigestDue {
    std::optional<NoticeRequest> notice;
    // The day to record as the last digest (unchanged when nothing is sent).
    std::optional<std::chrono::sys_days> last_digest_day;
};

// The daily digest: due when digest_time is configured, today's digest time
// (UTC) has passed, no digest was sent today, and at least one case is open.
// `open_cases` may contain closed cases; they are left out. `keys` are the
// team and member keys expiring within 30 days (the caller asks GnuPG).
DigestDue digest(const std::vector<Case>& open_cases, const std::vector<KeyExpiry>& keys,
                 const Config& cfg, TimePoint now,
                 std::optional<std::chrono::sys_days> last_digest_day);

}  // namespace embargo::scheduler
