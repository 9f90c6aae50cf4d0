// ISO 8601 / RFC 5322 / INTERNALDATE conversions.
#include <catch2/catch.hpp>

#include "core/time.hpp"

using namespace embargo;

TEST_CASE("ISO 8601 round trip in UTC") {
    auto t = parse_iso8601("2026-12-01T09:00:00Z");
    REQUIRE(t);
    CHECK(format_iso8601(*t) == "2026-12-01T09:00:00Z");
    CHECK(format_iso8601(*parse_iso8601("2026-12-01T10:30:00+01:30")) == "2026-12-01T09:00:00Z");
    CHECK(format_iso8601(*parse_iso8601("2026-12-05", true)) == "2026-12-05T00:00:00Z");
    CHECK_FALSE(parse_iso8601("2026-12-05"));
    CHECK_FALSE(parse_iso8601("2026-12-01T09:00:00"));  // no zone: refused
    CHECK_FALSE(parse_iso8601("2026-13-01T09:00:00Z"));
    CHECK_FALSE(parse_iso8601("2026-02-30T09:00:00Z"));
    CHECK_FALSE(parse_iso8601("2026-12-01T09:00:00Zjunk"));
    CHECK_FALSE(parse_iso8601(""));
}

TEST_CASE("RFC 5322 dates") {
    auto t = parse_rfc5322("Tue, 1 Dec 2026 10:00:00 +0100");
    REQUIRE(t);
    CHECK(format_iso8601(*t) == "2026-12-01T09:00:00Z");
    CHECK(format_rfc5322(*t) == "Tue, 01 Dec 2026 09:00:00 +0000");
    CHECK(parse_rfc5322("1 Dec 2026 09:00 GMT"));
    CHECK_FALSE(parse_rfc5322("yesterday"));
}

TEST_CASE("IMAP INTERNALDATE") {
    auto t = parse_imap_internaldate("\" 1-Dec-2026 10:00:00 +0100\"");
    REQUIRE(t);
    CHECK(format_iso8601(*t) == "2026-12-01T09:00:00Z");
    CHECK_FALSE(parse_imap_internaldate("1-Foo-2026 10:00:00 +0100"));
}
