// Durations as written in the configuration and commands: "90m", "24h", "7d",
// "30s", "2w", or a plain number of seconds.
#pragma once

#include <string>
#include <string_view>

#include "core/time.hpp"

namespace embargo {

// The largest duration accepted. Windows longer than ten years are mistakes,
// and the cap keeps every TimePoint + Duration far away from overflow.
inline constexpr Duration kMaxDuration = std::chrono::days{3650};

// Parses a positive whole number followed by one unit s, m, h, d or w (lower
// case only: "M" could mean months); a plain number means seconds. Surrounding
// blanks are ignored. Throws std::invalid_argument, naming the value and the
// accepted forms, for anything else: junk, a sign, zero, or more than kMaxDuration.
Duration parse_duration(std::string_view s);

// Shortest exact form using s, m, h or d: 7d, 90m, 36h, 45s; zero is "0s".
// Weeks are not used so that 7d stays 7d.
std::string format_duration(Duration d);

}  // namespace embargo
