// Time types and UTC ISO 8601 conversions used everywhere in embargo.
// Every time the daemon stores or prints is a UTC instant with second precision.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace embargo {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::sys_seconds;
using Duration = std::chrono::seconds;

// "2026-12-01T09:00:00Z". Always UTC, always with the hour.
std::string format_iso8601(TimePoint t);

// Accepts "YYYY-MM-DDTHH:MM[:SS][.fff](Z|+HH:MM|-HH:MM)" and, when date_only_ok,
// "YYYY-MM-DD" meaning 00:00 UTC. Returns nullopt for anything else.
std::optional<TimePoint> parse_iso8601(std::string_view s, bool date_only_ok = false);

// RFC 5322 date for mail headers: "Tue, 01 Dec 2026 09:00:00 +0000".
std::string format_rfc5322(TimePoint t);

// Parses RFC 5322 / IMAP INTERNALDATE style dates ("Tue, 1 Dec 2026 09:00:00 +0100",
// "01-Dec-2026 09:00:00 +0100"). Returns nullopt when unparseable.
std::optional<TimePoint> parse_rfc5322(std::string_view s);
std::optional<TimePoint> parse_imap_internaldate(std::string_view s);

// Seconds since the epoch, as stored in the database.
inline long long to_unix(TimePoint t) {
    return t.time_since_epoch().count();
}
inline TimePoint from_unix(long long s) {
    return TimePoint{Duration{s}};
}

}  // namespace embargo
