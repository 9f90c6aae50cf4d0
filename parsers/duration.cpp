// Parsing and formatting of "90m" / "24h" / "7d" style durations.
#include "parsers/duration.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace embargo {
namespace {

// The offending value as it may appear in a message: bounded in length and
// with non-printable bytes escaped, since it may come from hostile input.
std::string quoted(std::string_view s) {
    constexpr std::size_t kMax = 40;
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (s.size() > kMax) out += "...";
    return out + "\"";
}

[[noreturn]] void fail(std::string_view value, const std::string& why) {
    throw std::invalid_argument("invalid duration " + quoted(value) + ": " + why +
                                "; use a positive whole number with a unit s, m, h, d or w "
                                "(e.g. 90m, 24h, 7d, 2w), or a plain number of seconds");
}

}  // namespace

Duration parse_duration(std::string_view s) {
    const std::string_view original = s;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (s.empty()) fail(original, "it is empty");

    std::int64_t unit = 1;
    std::string_view digits = s;
    switch (s.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'w':
            unit = 7 * 86400;
            break;
        default:
            if (s.back() < '0' || s.back() > '9') fail(original, "unknown unit");
            unit = 0;  // plain seconds
    }
    if (unit != 0)
        digits.remove_suffix(1);
    else
        unit = 1;

    if (digits.empty()) fail(original, "the number is missing");
    for (char c : digits)
        if (c < '0' || c > '9') fail(original, "not a whole number with one unit");

    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    const auto max_seconds = static_cast<std::uint64_t>(kMaxDuration.count());
    if (ec == std::errc::result_out_of_range || (ec == std::errc{} && n > max_seconds / unit))
        fail(original, "longer than the maximum of " + format_duration(kMaxDuration));
    if (ec != std::errc{} || end != digits.data() + digits.size())
        fail(original, "not a whole number with one unit");
    if (n == 0) fail(original, "it must be longer than zero");
    return Duration{static_cast<std::int64_t>(n) * unit};
}

std::string format_duration(Duration d) {
    auto n = d.count();
    if (n == 0) return "0s";
    if (n < 0) {
        // -n would overflow for the most negative value; spell it in seconds.
        if (n == std::numeric_limits<decltype(n)>::min()) return std::to_string(n) + "s";
        return "-" + format_duration(Duration{-n});
    }
    if (n % 86400 == 0) return std::to_string(n / 86400) + "d";
    if (n % 3600 == 0) return std::to_string(n / 3600) + "h";
    if (n % 60 == 0) return std::to_string(n / 60) + "m";
    return std::to_string(n) + "s";
}

}  // namespace embargo
