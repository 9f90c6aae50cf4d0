// Unit tests for the IMAP response parsers: real Dovecot answers, unsolicited
// noise, and malformed or hostile lines.
#include <catch2/catch.hpp>

#include <string>

#include "parsers/imap_response.hpp"

using namespace embargo;
using namespace embargo::imap;

TEST_CASE("split_lines handles CRLF and LF and a missing final terminator and empty lines") {
    auto lines = split_lines("* A\r\n* B\n\r\n* C");
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "* A");
    CHECK(lines[1] == "* B");
    CHECK(lines[2] == "* C");
    CHECK(split_lines("").empty());
}

TEST_CASE("literal_size detects literal announcements") {
    CHECK(literal_size("* 1 FETCH (BODY[] {32}\r\n") == 32u);
    CHECK(literal_size("* LIST () \".\" {5+}") == 5u);
    CHECK(literal_size("* 1 FETCH (UID 1)") == std::nullopt);
    CHECK(literal_size("* OK no braces }") == std::nullopt);
    CHECK_THROWS_AS(literal_size("* X {}"), ImapParseError);
    CHECK_THROWS_AS(literal_size("* X {1a}"), ImapParseError);
    CHECK_THROWS_AS(literal_size("* X {99999999999999999999}"), ImapParseError);
}

TEST_CASE("parse_status reads Dovecot's STATUS answer") {
    auto d =
        parse_status("* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1795554636)\r\n", "INBOX");
    CHECK(d.messages == 1u);
    CHECK(d.uidnext == 2u);
    CHECK(d.uidvalidity == 1795554636u);
}

TEST_CASE("parse_status handles quoted names and INBOX case and noise and other mailboxes") {
    std::string bytes =
        "* 3 EXISTS\r\n"
        "* STATUS \"Other Box\" (MESSAGES 7 UIDNEXT 8 UIDVALIDITY 9)\r\n"
        "* OK [ALERT] whatever\r\n"
        "* STATUS inbox (UIDVALIDITY 42 UNSEEN 3 SIZE 123456789012 MESSAGES 0 UIDNEXT 1)\r\n";
    auto inbox = parse_status(bytes, "INBOX");
    CHECK(inbox.uidvalidity == 42u);
    CHECK(inbox.messages == 0u);
    CHECK(inbox.uidnext == 1u);
    auto other = parse_status(bytes, "Other Box");
    CHECK(other.messages == 7u);
    // Names other than INBOX are case-sensitive.
    CHECK_THROWS_AS(parse_status(bytes, "other box"), ImapParseError);
    auto escaped = parse_status("* STATUS \"a\\\"b\" (MESSAGES 1)\r\n", "a\"b");
    CHECK(escaped.messages == 1u);
    CHECK_FALSE(escaped.uidvalidity.has_value());
}

TEST_CASE("parse_status rejects malformed and hostile answers") {
    auto bad = [](const std::string& bytes) {
        CHECK_THROWS_AS(parse_status(bytes, "INBOX"), ImapParseError);
    };
    bad("");                                                             // no STATUS at all
    bad("* 1 EXISTS\r\n");                                               // only noise
    bad("* STATUS INBOX MESSAGES 1 UIDNEXT 2\r\n");                      // missing parens
    bad("* STATUS INBOX (MESSAGES 1 UIDNEXT 2\r\n");                     // missing ')'
    bad("* STATUS INBOX (MESSAGES one)\r\n");                            // not a number
    bad("* STATUS INBOX (UIDVALIDITY 4294967296)\r\n");                  // > 32 bits
    bad("* STATUS INBOX (UIDVALIDITY 99999999999999999999999999)\r\n");  // huge
    bad("* STATUS INBOX (UIDVALIDITY 0)\r\n");                           // must be non-zero
    bad("* STATUS INBOX (MESSAGES -1)\r\n");
    bad("* STATUS INBOX (MESSAGES 1 MESSAGES 2)\r\n");  // duplicate
    bad("* STATUS INBOX (MESSAGES 1) trailing\r\n");
    bad("* STATUS {5}\r\n");                   // literal name
    bad("* STATUS \"INBOX (MESSAGES 1)\r\n");  // unterminated quote
    bad("A1 OK done\r\n");                     // not untagged
    bad("garbage\r\n");
    bad("* STATUS INBOX (MESSAGES 1)\r\n* STATUS INBOX (MESSAGES 2)\r\n");  // two answers
}

TEST_CASE("parse_status error messages quote the line sanitised and bounded") {
    try {
        parse_status(std::string("* STATUS INBOX (MESSAGES \x01\xff") + std::string(5000, 'x'),
                     "INBOX");
        FAIL("no exception");
    } catch (const ImapParseError& e) {
        std::string msg = e.what();
        CHECK(msg.find("STATUS") != std::string::npos);
        CHECK(msg.find('\x01') == std::string::npos);
        CHECK(msg.size() < 400);
    }
}

TEST_CASE("parse_search collects and sorts and de-duplicates UIDs") {
    CHECK(parse_search("* SEARCH 5 3 9\r\n") == std::vector<std::uint32_t>{3, 5, 9});
    CHECK(parse_search("* SEARCH\r\n").empty());
    CHECK(parse_search("* 4 EXISTS\r\n* 1 RECENT\r\n* SEARCH 2 2 4294967295\r\n* SEARCH 1\r\n") ==
          std::vector<std::uint32_t>{1, 2, 4294967295u});
    CHECK(parse_search("* search 7") == std::vector<std::uint32_t>{7});
}

TEST_CASE("parse_search rejects malformed answers") {
    CHECK_THROWS_AS(parse_search(""), ImapParseError);
    CHECK_THROWS_AS(parse_search("* 3 EXISTS\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_search("* SEARCH 1 x 3\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_search("* SEARCH 0\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_search("* SEARCH 4294967296\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_search("* SEARCH 1 (MODSEQ 5)\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_search("* SEARCH 1\r\nB2 OK\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_search("* 99999999999 EXISTS\r\n* SEARCH 1\r\n"), ImapParseError);
}

TEST_CASE("parse_fetch reads UID and INTERNALDATE and RFC822.SIZE") {
    auto v = parse_fetch(
        "* 2 FETCH (UID 7 INTERNALDATE \"05-Mar-2024 10:20:30 +0100\" RFC822.SIZE 32)\r\n"
        "* 1 FETCH (UID 3 RFC822.SIZE 18446744073 INTERNALDATE \" 1-Jan-2025 00:00:00 +0000\" "
        "FLAGS (\\Seen \\Recent) MODSEQ (12))\r\n");
    REQUIRE(v.size() == 2);
    CHECK(v[0].uid == 3);
    CHECK(v[0].size == 18446744073ull);
    CHECK(format_iso8601(v[0].internaldate) == "2025-01-01T00:00:00Z");
    CHECK(v[1].uid == 7);
    CHECK(v[1].size == 32);
    CHECK(format_iso8601(v[1].internaldate) == "2024-03-05T09:20:30Z");
}

TEST_CASE("parse_fetch merges split answers and skips unsolicited flag updates") {
    auto v = parse_fetch(
        "* 1 FETCH (FLAGS (\\Seen))\r\n"
        "* 5 EXISTS\r\n"
        "* 1 FETCH (UID 10 INTERNALDATE \"05-Mar-2024 10:20:30 +0000\")\r\n"
        "* 1 FETCH (UID 10 RFC822.SIZE 99)\r\n"
        "* 2 FETCH (UID 11 FLAGS ())\r\n"
        "* 3 FETCH (UID 12 BODY[HEADER.FIELDS (DATE FROM)] NIL RFC822.SIZE 1 "
        "INTERNALDATE \"05-Mar-2024 10:20:30 +0000\")\r\n");
    REQUIRE(v.size() == 2);
    CHECK(v[0].uid == 10);
    CHECK(v[0].size == 99);
    CHECK(v[1].uid == 12);
}

TEST_CASE("parse_fetch rejects malformed and hostile answers") {
    auto bad = [](const std::string& bytes) {
        CHECK_THROWS_AS(parse_fetch(bytes), ImapParseError);
    };
    bad("* 1 FETCH UID 1 RFC822.SIZE 2\r\n");   // no parens
    bad("* 1 FETCH (UID 1 RFC822.SIZE 2\r\n");  // no ')'
    bad("* FETCH (UID 1)\r\n");                 // no sequence number
    bad("* 0 FETCH (UID 1)\r\n");
    bad("* 1 FETCH (UID 0)\r\n");
    bad("* 1 FETCH (UID 4294967296)\r\n");
    bad("* 1 FETCH (UID 1 RFC822.SIZE 99999999999999999999)\r\n");
    bad("* 1 FETCH (UID 1 INTERNALDATE 05-Mar-2024)\r\n");  // not quoted
    bad("* 1 FETCH (UID 1 INTERNALDATE \"yesterday\")\r\n");
    bad("* 1 FETCH (UID 1 INTERNALDATE {26}\r\n");  // literal
    bad("* 1 FETCH (UID 1 BODY[] {5}\r\n");
    bad("* 1 FETCH (UID 1 UID 2)\r\n");
    bad("* 1 FETCH (UID 1 FLAGS (\\Seen)\r\n");
    bad("* 1 FETCH (UID 1 RFC822.SIZE 5)\r\n* 1 FETCH (UID 1 RFC822.SIZE 6)\r\n");  // conflict
    bad("* 1 FETCH (UID 1 X " + std::string(100, '(') + std::string(100, ')') + ")\r\n");  // deep
    bad(std::string("\x00\x01\x02", 3));
}

TEST_CASE("parse_fetch survives a large answer") {
    std::string bytes;
    for (int i = 1; i <= 5000; ++i) {
        bytes += "* " + std::to_string(i) + " FETCH (UID " + std::to_string(i * 2) +
                 " INTERNALDATE \"05-Mar-2024 10:20:30 +0000\" RFC822.SIZE " + std::to_string(i) +
                 ")\r\n";
    }
    auto v = parse_fetch(bytes);
    REQUIRE(v.size() == 5000);
    CHECK(v.back().uid == 10000);
    CHECK(v.back().size == 5000);
}

TEST_CASE("parse_list returns mailbox names") {
    auto names = parse_list(
        "* LIST (\\HasNoChildren) \".\" INBOX\r\n"
        "* LIST (\\HasChildren \\Noselect) NIL \"With Space\"\r\n"
        "* LIST () \"/\" Processed (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
    CHECK(names == std::vector<std::string>{"INBOX", "With Space", "Processed"});
    CHECK(parse_list("* 1 EXISTS\r\n").empty());
    CHECK_THROWS_AS(parse_list("* LIST \\HasNoChildren \".\" INBOX\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_list("* LIST () \"..\" INBOX\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_list("* LIST () \".\" {5}\r\n"), ImapParseError);
    CHECK_THROWS_AS(parse_list("* LIST () \".\"\r\n"), ImapParseError);
}

TEST_CASE("parse_tagged splits completion lines") {
    auto r = parse_tagged("A003 NO [ALREADYEXISTS] Mailbox already exists (0.001 secs).\r\n");
    REQUIRE(r);
    CHECK(r->tag == "A003");
    CHECK(r->status == "NO");
    CHECK(r->code == "ALREADYEXISTS");
    CHECK(r->text == "Mailbox already exists (0.001 secs).");
    auto ok = parse_tagged("A1 ok Logged in");
    REQUIRE(ok);
    CHECK(ok->status == "OK");
    CHECK(ok->code.empty());
    CHECK_FALSE(parse_tagged("* OK [UIDVALIDITY 5] UIDs valid"));
    CHECK_FALSE(parse_tagged("+ go ahead"));
    CHECK_FALSE(parse_tagged("A1 MAYBE"));
    CHECK_FALSE(parse_tagged(""));
    auto nasty = parse_tagged(std::string("A9 BAD \x1b[31m") + std::string(1000, 'z'));
    REQUIRE(nasty);
    CHECK(nasty->text.find('\x1b') == std::string::npos);
    CHECK(nasty->text.size() <= 203);
}

TEST_CASE("quote_mailbox quotes and refuses what IMAP cannot carry") {
    CHECK(quote_mailbox("INBOX") == "\"INBOX\"");
    CHECK(quote_mailbox("a \"b\" \\c") == "\"a \\\"b\\\" \\\\c\"");
    CHECK_THROWS_AS(quote_mailbox(""), ImapParseError);
    CHECK_THROWS_AS(quote_mailbox("a\r\nb"), ImapParseError);
    CHECK_THROWS_AS(quote_mailbox("Gel\xc3\xb6st"), ImapParseError);
}

TEST_CASE("uid_set compresses runs") {
    CHECK(uid_set({1, 2, 3, 7, 9, 10}) == "1:3,7,9:10");
    CHECK(uid_set({5}) == "5");
    CHECK(uid_set({4294967294u, 4294967295u}) == "4294967294:4294967295");
    CHECK(uid_set({}).empty());
    CHECK_THROWS_AS(uid_set({3, 2}), std::invalid_argument);
    CHECK_THROWS_AS(uid_set({0, 1}), std::invalid_argument);
    CHECK_THROWS_AS(uid_set({1, 1}), std::invalid_argument);
}
