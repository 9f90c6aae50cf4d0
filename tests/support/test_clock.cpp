// Test times relative to today (see test_clock.hpp).
#include "tests/support/test_clock.hpp"

#include <stdexcept>

namespace embargo::test {

std::chrono::sys_days test_day0() {
    return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) -
           std::chrono::days{60};
}

TimePoint test_time(int day, const std::string& hhmm) {
    auto t = parse_iso8601("2000-01-01T" + (hhmm.size() == 5 ? hhmm + ":00" : hhmm) + "Z");
    if (!t) throw std::invalid_argument("test_time: bad time of day '" + hhmm + "'");
    const auto since_midnight =
        *t - TimePoint{std::chrono::sys_days{std::chrono::year{2000} / std::chrono::January / 1}};
    return TimePoint{test_day0() + std::chrono::days{day}} + since_midnight;
}

std::string test_iso(int day, const std::string& hhmm) {
    return format_iso8601(test_time(day, hhmm));
}

std::string test_rfc5322(int day, const std::string& hhmm) {
    return format_rfc5322(test_time(day, hhmm));
}

std::string test_date(int day) {
    return test_iso(day, "00:00").substr(0, 10);
}

std::string test_case_id(const std::string& prefix, int n) {
    const std::chrono::year_month_day ymd{test_day0()};
    std::string num = std::to_string(n);
    if (num.size() < 4) num.insert(0, 4 - num.size(), '0');
    return prefix + "-" + std::to_string(static_cast<int>(ymd.year())) + "-" + num;
}

}  // namespace embargo::test
