// Deadline scheduling: reminders at 75% of a milestone's window, escalations
// once overdue and every escalate_every after, and the daily digest. What is
// due is computed from the case and the recorded "sent" state only, never from
// how much time passed since the last run, so a jump far ahead cannot produce
// a burst of notices.
#include "core/scheduler.hpp"

#include "core/distributors.hpp"

namespace embargo::scheduler {
namespace {

using namespace std::chrono;

std::optional<TimePoint> window_start(const Case& c, MilestoneName m) {
    if (m == MilestoneName::Retrospective) return c.milestone(MilestoneName::Release).done;
    return c.received_at;
}

}  // namespace

std::optional<TimePoint> reminder_time(const Case& c, MilestoneName m) {
    const Milestone& ms = c.milestone(m);
    auto start = window_start(c, m);
    if (!ms.due || !start) return std::nullopt;
    if (*ms.due <= *start) return *ms.due;
    Duration window = *ms.due - *start;
    return *start + window * 3 / 4;
}

CaseDue case_notices(const Case& c, const Config& cfg, TimePoint now, const SentState& sent) {
    CaseDue out;
    out.sent = sent;
    Duration every = cfg.timeline.escalate_every > Duration::zero() ? cfg.timeline.escalate_every
                                                                    : Duration{hours{24}};
    for (std::size_t i = 0; i < kMilestones.size(); ++i) {
        MilestoneName m = kMilestones[i];
        if (!workflow::milestone_pending(c, m)) continue;
        const TimePoint due = *c.milestone(m).due;
        MilestoneSent& s = out.sent.milestones[i];
        if (due < now) {
            bool first = !s.last_escalation || *s.last_escalation < due;
            if (first || now - *s.last_escalation >= every) {
                out.notices.push_back(notice_text::escalation(c, cfg, m, now));
                s.last_escalation = now;
            }
            continue;
        }
        auto at = reminder_time(c, m);
        if (at && *at <= now && s.reminded_due != due) {
            out.notices.push_back(notice_text::reminder(c, cfg, m, now));
            s.reminded_due = due;
        }
    }
    if (auto n = distributors::reminder(c, cfg, now, sent.distributors_reminded)) {
        out.notices.push_back(std::move(*n));
        out.sent.distributors_reminded = c.release_date;
    }
    return out;
}

DigestDue digest(const std::vector<Case>& open_cases, const std::vector<KeyExpiry>& keys,
                 const Config& cfg, TimePoint now, std::optional<sys_days> last_digest_day) {
    DigestDue out;
    out.last_digest_day = last_digest_day;
    if (!cfg.timeline.digest_time) return out;
    const sys_days today = floor<days>(now);
    if (now < today + *cfg.timeline.digest_time) return out;
    if (last_digest_day && *last_digest_day >= today) return out;
    std::vector<Case> open;
    for (const auto& c : open_cases)
        if (is_open(c.state)) open.push_back(c);
    if (open.empty()) return out;
    out.notice = notice_text::digest(open, keys, cfg, now);
    out.last_digest_day = today;
    return out;
}

}  // namespace embargo::scheduler
