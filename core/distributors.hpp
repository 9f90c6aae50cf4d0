// The distributors' pre-notification (issue 14, part 5): an optional list
// such as linux-distros that hears of a fix under embargo before the public
// release, with that list's rule on the embargo window (at most
// [distributors] max_embargo, default 14 days, from the first notice to the
// release). /announce sends them the notice and is refused when the release
// date breaks the rule; /release-date may not move the date past it after
// the notice; a reminder goes out 24 h before the release date. Pure: the
// clock is a parameter.
#pragma once

#include <optional>
#include <string>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/time.hpp"
#include "core/workflow_types.hpp"

namespace embargo::distributors {

// How long before the release date the reminder goes out.
inline constexpr Duration kReminderLead = std::chrono::hours{24};

// When the distributors got (or, for an /announce now, would get) their
// first notice: the announce milestone's completion, else `now`.
TimePoint notice_time(const Case& c, TimePoint now);

// Why /announce at `now` may not go to the distributors (the whole command is
// then refused), or nullopt when it may or no distributor is configured.
// Needs c.release_date set (the caller checks that first).
std::optional<std::string> announce_refusal(const Case& c, const Config& cfg, TimePoint now);

// Why /release-date `date` is refused after the distributors were notified
// (the date would be more than max_embargo after the first notice), or nullopt.
std::optional<std::string> release_date_refusal(const Case& c, const Config& cfg, TimePoint date);

// Whether the distributors have been notified of c (so they get the reminder).
bool notified(const Case& c, const Config& cfg);

// To the distributor addresses, encrypted to each: the embargo, its end (the
// release date), affected versions, severity and vector, mitigations, the CVE
// when known, and who to ask. No report subject or text: the lead sends
// details and patches separately.
workflow::NoticeRequest notice(const Case& c, const Config& cfg, TimePoint now);

// The reminder 24 h before the release date, once per release date:
// `reminded_for` is the release date the last reminder was sent for. Due
// when the distributors were notified, the case is open and not released,
// and now is within kReminderLead before the release date.
std::optional<workflow::NoticeRequest> reminder(const Case& c, const Config& cfg, TimePoint now,
                                                std::optional<TimePoint> reminded_for);

}  // namespace embargo::distributors
