// A test timeline relative to today, for tests that play a case over days:
// day 0 lies 60 days before today (UTC), so every time a test uses up to two
// months later is in the real past (gpg never sees a signature from the
// future) and after the test keys' creation (GpgHome back-dates them by
// kKeyBackdate), whatever the date the suite runs on.
#pragma once

#include <chrono>
#include <string>

#include "core/time.hpp"

namespace embargo::test {

// How far before the real clock GpgHome::make_key dates a key's creation.
constexpr std::chrono::days kKeyBackdate{730};

// 00:00 UTC of day 0.
std::chrono::sys_days test_day0();

// `day` days after day 0 at "HH:MM" or "HH:MM:SS" UTC.
TimePoint test_time(int day, const std::string& hhmm);
// The same as ISO 8601 ("2026-10-04T08:20:00Z") and RFC 5322 ("Sun, 04 Oct 2026 08:20:00 +0000").
std::string test_iso(int day, const std::string& hhmm);
std::string test_rfc5322(int day, const std::string& hhmm);

// The date of `day` as "YYYY-MM-DD" (UTC), as [team] away and --now take it.
std::string test_date(int day);

// The case id PREFIX-YEAR-NNNN of the n-th case opened on day 0.
std::string test_case_id(const std::string& prefix, int n);

}  // namespace embargo::test
