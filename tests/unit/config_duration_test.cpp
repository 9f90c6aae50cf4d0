// parse_duration / format_duration: accepted forms, rejected forms, round trip.
#include <catch2/catch.hpp>

#include <string>

#include "parsers/duration.hpp"

using namespace embargo;
using namespace std::chrono_literals;

TEST_CASE("durations in every accepted form") {
    struct Row {
        const char* text;
        Duration expected;
    };
    const Row rows[] = {
        {"30s", 30s},
        {"90m", 90min},
        {"24h", 24h},
        {"7d", std::chrono::days{7}},
        {"2w", std::chrono::weeks{2}},
        {"60", 60s},  // plain number: seconds
        {"1", 1s},
        {"007d", std::chrono::days{7}},
        {" 4h\t", 4h},  // surrounding blanks are ignored
        {"3650d", std::chrono::days{3650}},
        {"521w", std::chrono::weeks{521}},
        {"315360000", std::chrono::days{3650}},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        CHECK(parse_duration(r.text) == r.expected);
    }
}

TEST_CASE("bad durations are refused with the value and the accepted forms") {
    const char* bad[] = {
        "",
        "   ",
        "h",
        "0",
        "0s",
        "0d",
        "-5m",
        "+5m",
        "5x",
        "5M",
        "5H",
        "1h30m",
        "1.5h",
        "5 m",
        "m5",
        "5mm",
        "abc",
        "24hours",
        "3651d",
        "522w",
        "315360001",
        "99999999999999999999d",
        "18446744073709551616",
        "0x10",
        "1e3",
    };
    for (const char* b : bad) {
        INFO("\"" << b << "\"");
        try {
            parse_duration(b);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            std::string what = e.what();
            CHECK(what.find("invalid duration \"" + std::string(b) + "\"") == 0);
            CHECK(what.find("90m, 24h, 7d") != std::string::npos);
        }
    }
}

TEST_CASE("the duration error explains what is wrong") {
    CHECK_THROWS_WITH(parse_duration("0h"),
                      "invalid duration \"0h\": it must be longer than zero; use a positive whole "
                      "number with a unit s, m, h, d or w (e.g. 90m, 24h, 7d, 2w), or a plain "
                      "number of seconds");
    CHECK_THROWS_WITH(parse_duration("4y"),
                      Catch::StartsWith("invalid duration \"4y\": unknown unit;"));
    CHECK_THROWS_WITH(
        parse_duration("9999w"),
        Catch::StartsWith("invalid duration \"9999w\": longer than the maximum of 3650d;"));
}

TEST_CASE("hostile duration text is quoted safely and bounded") {
    std::string nasty = std::string("5\n\x01") + std::string(200, 'z');
    try {
        parse_duration(nasty);
        FAIL("accepted");
    } catch (const std::invalid_argument& e) {
        std::string what = e.what();
        CHECK(what.find("\"5\\x0A\\x01zzz") != std::string::npos);
        CHECK(what.find('\n') == std::string::npos);
        CHECK(what.size() < 300);
    }
}

TEST_CASE("format_duration uses the shortest exact unit") {
    CHECK(format_duration(std::chrono::days{7}) == "7d");
    CHECK(format_duration(90min) == "90m");
    CHECK(format_duration(36h) == "36h");
    CHECK(format_duration(24h) == "1d");
    CHECK(format_duration(std::chrono::weeks{2}) == "14d");
    CHECK(format_duration(45s) == "45s");
    CHECK(format_duration(3601s) == "3601s");
    CHECK(format_duration(0s) == "0s");
    CHECK(format_duration(-90min) == "-90m");
}

TEST_CASE("format and parse round trip") {
    for (long long s :
         {1LL, 59LL, 60LL, 61LL, 3600LL, 5400LL, 86400LL, 90000LL, 604800LL, 315360000LL}) {
        Duration d{s};
        INFO(s);
        CHECK(parse_duration(format_duration(d)) == d);
    }
}
