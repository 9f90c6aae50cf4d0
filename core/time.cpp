// UTC ISO 8601 and RFC 5322 date conversions (no locale, no time zone database).
#include "core/time.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace embargo {
namespace {

using namespace std::chrono;

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

std::optional<TimePoint> make_time(int y, int mo, int d, int h, int mi, int se,
                                   int offset_minutes) {
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
    if (se == 60) se = 59;  // leap second: clamp, we only need second precision
    auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{se} - minutes{offset_minutes};
    return time_point_cast<seconds>(t);
}

constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

int month_from_name(std::string_view m) {
    for (size_t i = 0; i < kMonths.size(); ++i) {
        std::string_view name = kMonths[i];
        if (m.size() == 3 &&
            std::tolower(static_cast<unsigned char>(m[0])) ==
                std::tolower(static_cast<unsigned char>(name[0])) &&
            std::tolower(static_cast<unsigned char>(m[1])) == name[1] &&
            std::tolower(static_cast<unsigned char>(m[2])) == name[2])
            return static_cast<int>(i) + 1;
    }
    return 0;
}

// Parses "+HHMM", "-HHMM", "UT", "GMT", "Z" and the US zones of RFC 5322 4.3.
bool parse_zone(std::string_view z, int& offset_minutes) {
    if (z.empty()) return false;
    if (z[0] == '+' || z[0] == '-') {
        int hh = 0, mm = 0;
        if (z.size() < 5 || !digits(z, 1, 2, hh) || !digits(z, 3, 2, mm)) return false;
        offset_minutes = (hh * 60 + mm) * (z[0] == '-' ? -1 : 1);
        return true;
    }
    struct Named {
        const char* name;
        int hours;
    };
    static constexpr Named named[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},
                                      {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                                      {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    for (const auto& n : named) {
        std::string_view nm = n.name;
        if (z.size() >= nm.size() && z.substr(0, nm.size()) == nm &&
            (z.size() == nm.size() || !std::isalpha(static_cast<unsigned char>(z[nm.size()])))) {
            offset_minutes = n.hours * 60;
            return true;
        }
    }
    offset_minutes = 0;  // RFC 5322: unknown zones are treated as UTC
    return true;
}

}  // namespace

std::string format_iso8601(TimePoint t) {
    auto dp = floor<days>(t);
    year_month_day ymd{dp};
    hh_mm_ss hms{t - dp};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                  static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

std::optional<TimePoint> parse_iso8601(std::string_view s, bool date_only_ok) {
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d))
        return std::nullopt;
    if (s.size() == 10) {
        if (!date_only_ok) return std::nullopt;
        return make_time(y, mo, d, 0, 0, 0, 0);
    }
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
    if (!digits(s, 11, 2, h) || s.size() < 16 || s[13] != ':' || !digits(s, 14, 2, mi))
        return std::nullopt;
    size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
        if (!digits(s, pos + 1, 2, se)) return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            size_t start = pos;
            while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
            if (pos == start) return std::nullopt;
        }
    }
    if (pos >= s.size()) return std::nullopt;  // a zone is required: no local times
    int offset = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        if (pos + 1 != s.size()) return std::nullopt;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size()) return std::nullopt;
        size_t mpos = pos + 3;
        if (s[mpos] == ':') ++mpos;
        if (!digits(s, mpos, 2, om) || mpos + 2 != s.size() || oh > 23 || om > 59)
            return std::nullopt;
        offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    return make_time(y, mo, d, h, mi, se, offset);
}

std::string format_rfc5322(TimePoint t) {
    auto dp = floor<days>(t);
    year_month_day ymd{dp};
    weekday wd{dp};
    hh_mm_ss hms{t - dp};
    char buf[80];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld +0000",
                  kDays[wd.c_encoding()], static_cast<unsigned>(ymd.day()),
                  kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

std::optional<TimePoint> parse_rfc5322(std::string_view s) {
    // [day-name ","] day month year hour ":" minute [":" second] zone
    size_t p = 0;
    auto skip_ws = [&] {
        while (p < s.size() && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n')) ++p;
    };
    auto word = [&] {
        skip_ws();
        size_t b = p;
        while (p < s.size() && s[p] != ' ' && s[p] != '\t' && s[p] != ',' && s[p] != '\r' &&
               s[p] != '\n')
            ++p;
        return s.substr(b, p - b);
    };
    skip_ws();
    size_t comma = s.find(',');
    if (comma != std::string_view::npos && comma < 12) p = comma + 1;
    auto dstr = word();
    auto mstr = word();
    auto ystr = word();
    auto tstr = word();
    auto zstr = word();
    int d = 0, y = 0, h = 0, mi = 0, se = 0;
    if (dstr.empty() || dstr.size() > 2 || !digits(dstr, 0, dstr.size(), d)) return std::nullopt;
    int mo = month_from_name(mstr);
    if (mo == 0) return std::nullopt;
    if (ystr.size() == 4) {
        if (!digits(ystr, 0, 4, y)) return std::nullopt;
    } else if (ystr.size() == 2) {
        if (!digits(ystr, 0, 2, y)) return std::nullopt;
        y += y < 50 ? 2000 : 1900;
    } else {
        return std::nullopt;
    }
    if (tstr.size() < 5 || !digits(tstr, 0, 2, h) || tstr[2] != ':' || !digits(tstr, 3, 2, mi))
        return std::nullopt;
    if (tstr.size() >= 8) {
        if (tstr[5] != ':' || !digits(tstr, 6, 2, se)) return std::nullopt;
    }
    int offset = 0;
    if (!zstr.empty() && !parse_zone(zstr, offset)) return std::nullopt;
    return make_time(y, mo, d, h, mi, se, offset);
}

std::optional<TimePoint> parse_imap_internaldate(std::string_view s) {
    // "01-Dec-2026 09:00:00 +0100" (day may be space-padded)
    while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
    size_t dash1 = s.find('-');
    if (dash1 == std::string_view::npos || dash1 > 2) return std::nullopt;
    size_t dash2 = s.find('-', dash1 + 1);
    if (dash2 != dash1 + 4) return std::nullopt;
    int d = 0, y = 0, h = 0, mi = 0, se = 0, offset = 0;
    if (!digits(s, 0, dash1, d)) return std::nullopt;
    int mo = month_from_name(s.substr(dash1 + 1, 3));
    if (mo == 0) return std::nullopt;
    size_t p = dash2 + 1;
    if (!digits(s, p, 4, y) || s.size() < p + 4 + 1 + 8 + 1 + 5) return std::nullopt;
    p += 5;
    if (!digits(s, p, 2, h) || s[p + 2] != ':' || !digits(s, p + 3, 2, mi) || s[p + 5] != ':' ||
        !digits(s, p + 6, 2, se))
        return std::nullopt;
    p += 9;
    if (!parse_zone(s.substr(p), offset)) return std::nullopt;
    return make_time(y, mo, d, h, mi, se, offset);
}

}  // namespace embargo
