// Command-line parsing: recognition, typos, quoting, signatures, argument
// validation into typed commands, limits and hostile input.
#include <catch2/catch.hpp>

#include <random>

#include "parsers/commands.hpp"

using namespace embargo;
using namespace embargo::commands;

namespace {

Options opts() {
    Options o;
    o.case_prefix = "EMST";
    return o;
}

ParseResult p(std::string_view text) {
    return parse(text, opts());
}

// Parses one line that must give exactly one command.
Command one(std::string_view line) {
    auto r = p(line);
    INFO(line);
    for (const auto& e : r.errors) INFO(e);
    REQUIRE(r.errors.empty());
    REQUIRE(r.commands.size() == 1);
    return r.commands.front();
}

// Parses one line that must be refused; returns the single error.
std::string bad(std::string_view line) {
    auto r = p(line);
    INFO(line);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.commands.empty());
    return r.errors.front();
}

}  // namespace

TEST_CASE("every keyword of the table is recognised") {
    for (const auto& info : workflow::command_table()) {
        std::string line = "/" + std::string(info.keyword);
        auto r = p(line);
        // Commands with required arguments fail, but as that command, not as text.
        auto space = info.usage.find(' ');
        bool needs_args = space != std::string_view::npos && info.usage[space + 1] != '[';
        INFO(line);
        if (needs_args) {
            REQUIRE(r.errors.size() == 1);
            CHECK(r.errors.front().find("line 1: /" + std::string(info.keyword) + ":") == 0);
        } else {
            REQUIRE(r.errors.empty());
            REQUIRE(r.commands.size() == 1);
            CHECK(r.commands.front().kind == info.kind);
        }
        CHECK(workflow::keyword(info.kind) == info.keyword);
        CHECK(workflow::command_from_keyword(info.keyword) == info.kind);
    }
    CHECK(workflow::command_table().size() == 22);
}

TEST_CASE("commands are found on their own lines, anywhere in the text") {
    auto r = p("Hi all,\n\nI'll take this one.\n/lead me\n  /cc dave@example.org\n\tthanks\n");
    REQUIRE(r.ok());
    REQUIRE(r.commands.size() == 2);
    CHECK(r.commands[0].kind == CommandKind::Lead);
    CHECK(r.commands[0].values == std::vector<std::string>{"me"});
    CHECK(r.commands[0].line == 4);
    CHECK(r.commands[1].kind == CommandKind::Cc);
    CHECK(r.commands[1].line == 5);
    CHECK(r.text_without_commands == "Hi all,\n\nI'll take this one.\n\tthanks\n");
}

TEST_CASE("no-break spaces before the slash count as blanks") {
    CHECK(one("\xC2\xA0\xC2\xA0/fixed").kind == CommandKind::Fixed);
    CHECK(one(" \xC2\xA0 /organized").kind == CommandKind::Organized);
}

TEST_CASE("keywords match in any case") {
    CHECK(one("/FIXED").kind == CommandKind::Fixed);
    CHECK(one("/Release-Date 2030-01-01").kind == CommandKind::ReleaseDate);
}

TEST_CASE("a command inside a sentence is text") {
    auto r = p("Please use /fixed when done\nor /cc people.\n");
    CHECK(r.ok());
    CHECK(r.commands.empty());
}

TEST_CASE("quoted lines are ignored") {
    auto r = p("> /cc eve@example.net\n  > /fixed\n>> /reject no\n/organized\n");
    REQUIRE(r.ok());
    REQUIRE(r.commands.size() == 1);
    CHECK(r.commands[0].kind == CommandKind::Organized);
    CHECK(r.commands[0].line == 4);
    // Quoted lines stay in the relayed text.
    CHECK(r.text_without_commands == "> /cc eve@example.net\n  > /fixed\n>> /reject no\n");
    // A quoted typo is not an error either.
    CHECK(p("> /cvs foo\n").ok());
}

TEST_CASE("everything after the signature separator is ignored") {
    auto r = p("/fixed\n-- \nAlice\n/reject signature text\n/cvs\n");
    REQUIRE(r.ok());
    REQUIRE(r.commands.size() == 1);
    CHECK(r.commands[0].kind == CommandKind::Fixed);
    CHECK(r.text_without_commands == "-- \nAlice\n/reject signature text\n/cvs\n");
    // Mail clients that strip trailing blanks leave "--".
    auto r2 = p("/fixed\r\n--\r\n/organized\r\n");
    REQUIRE(r2.ok());
    CHECK(r2.commands.size() == 1);
    // "--- " or "-- x" is not a separator.
    auto r3 = p("--- \n-- x\n/fixed\n");
    REQUIRE(r3.ok());
    CHECK(r3.commands.size() == 1);
}

TEST_CASE("CRLF line endings") {
    auto r = p("hello\r\n/cc dave@example.org\r\n/fixed\r\nbye\r\n");
    REQUIRE(r.ok());
    REQUIRE(r.commands.size() == 2);
    CHECK(r.commands[0].values == std::vector<std::string>{"dave@example.org"});
    CHECK(r.commands[1].line == 3);
    CHECK(r.text_without_commands == "hello\r\nbye\r\n");
}

TEST_CASE("typos are errors, paths and URLs are text") {
    CHECK(bad("/cvs CVSS:3.1/AV:N") == "line 1: /cvs is not a command; did you mean /cvss?");
    CHECK(bad("\n\n/cvs") == "line 3: /cvs is not a command; did you mean /cvss?");
    CHECK(bad("/fixd") == "line 1: /fixd is not a command; did you mean /fixed?");
    CHECK(bad("/relased 1.13.5") == "line 1: /relased is not a command; did you mean /released?");
    CHECK(bad("/release 1.13.5") == "line 1: /release is not a command; did you mean /released?");
    CHECK(bad("/releasedate 2030-01-01").find("did you mean /release-date?") != std::string::npos);
    CHECK(bad("/retrospectiv").find("did you mean /retrospective?") != std::string::npos);
    CHECK(bad("/laed me").find("did you mean /lead?") != std::string::npos);
    CHECK(bad("/ledd me").find("did you mean /lead?") != std::string::npos);
    CHECK(bad("/csvs x").find("did you mean /cvss?") != std::string::npos);  // adjacent swap
    CHECK(bad("/c dave@example.org").find("did you mean /cc?") != std::string::npos);
    CHECK(bad("/ccc dave@example.org").find("did you mean /cc?") != std::string::npos);
    CHECK(bad("/pr:").find("did you mean /pr?") != std::string::npos);
    CHECK(bad("/annonce").find("did you mean /announce?") != std::string::npos);

    // Keywords of up to 4 letters only tolerate one edit.
    CHECK(p("/lxxd me").ok());
    CHECK(p("/cvxx").ok());
    // Longer ones tolerate two, not three.
    CHECK_FALSE(p("/fyxyd").ok());
    CHECK(p("/fxxxx").ok());

    for (const char* text : {"/usr/bin/embargod",
                             "/tmp",
                             "/etc/passwd",
                             "/var/log/syslog",
                             "//example.org/x",
                             "/home/alice/poc.py",
                             "/proc/self/maps",
                             "/dev/null",
                             "/opt",
                             "/srv/www",
                             "/sys",
                             "/lib",
                             "/root",
                             "/api/v1/users",
                             "/index.html",
                             "/",
                             "/ cc dave@example.org",
                             "/announcement",
                             "/helpers",
                             "/leader"}) {
        INFO(text);
        auto r = p(text);
        CHECK(r.ok());
        CHECK(r.commands.empty());
        CHECK(r.text_without_commands == text);
    }
}

TEST_CASE("/lead takes one address or me") {
    CHECK(one("/lead me").values == std::vector<std::string>{"me"});
    CHECK(one("/lead ME").values == std::vector<std::string>{"me"});
    CHECK(one("/lead Bob@Example.ORG").values == std::vector<std::string>{"bob@example.org"});
    CHECK(one("/lead <bob@example.org>").values == std::vector<std::string>{"bob@example.org"});
    CHECK(bad("/lead") ==
          "line 1: /lead: give exactly one address (usage: /lead EMAIL | /lead me)");
    CHECK(bad("/lead a@example.org b@example.org").find("exactly one") != std::string::npos);
    CHECK(bad("/lead bob") == "line 1: /lead: \"bob\" is not an email address");
}

TEST_CASE("/cc and /uncc take addresses") {
    auto c = one("/cc dave@example.org, Erin@Example.org  frank@example.com");
    CHECK(c.kind == CommandKind::Cc);
    CHECK(c.values ==
          std::vector<std::string>{"dave@example.org", "erin@example.org", "frank@example.com"});
    CHECK(one("/uncc dave@example.org").kind == CommandKind::Uncc);
    CHECK(bad("/cc").find("give at least one address") != std::string::npos);
    for (const char* addr :
         {"dave", "dave@", "@example.org", "da ve@example.org x@", "dave@@example.org",
          "dave@exa_mple.org", "dave@-example.org", "dave@example-.org", ".dave@example.org",
          "da..ve@example.org", "dave@example..org", "dave@example.org.", "\"dave\"@example.org"}) {
        INFO(addr);
        CHECK_FALSE(p(std::string("/cc ") + addr).ok());
    }
    CHECK(normalise_email("dave+sec@mail.example.org") == "dave+sec@mail.example.org");
    CHECK(normalise_email("dave@localhost") == "dave@localhost");
    CHECK_FALSE(normalise_email(std::string(65, 'a') + "@example.org"));
}

TEST_CASE("/cc takes a forge login after an address: EMAIL github:LOGIN") {
    auto c =
        one("/cc dave@example.org GitHub:Dave-GH erin@example.org, frank@example.com github:f");
    CHECK(c.values ==
          std::vector<std::string>{"dave@example.org", "erin@example.org", "frank@example.com"});
    CHECK(c.logins == std::vector<std::string>{"Dave-GH", "", "f"});
    CHECK(workflow::describe(c) ==
          "/cc dave@example.org github:Dave-GH erin@example.org frank@example.com github:f");
    // Without any login the list stays empty (the plain form).
    CHECK(one("/cc dave@example.org").logins.empty());
    CHECK(bad("/cc github:dave") ==
          "line 1: /cc: \"github:dave\" must follow the address it belongs to (usage: /cc EMAIL "
          "[github:LOGIN]...)");
    CHECK(bad("/cc dave@example.org github:a github:b").find("must follow the address") !=
          std::string::npos);
    CHECK(bad("/cc dave@example.org github:bad_login") ==
          "line 1: /cc: \"bad_login\" is not a GitHub login (letters, digits and single hyphens, "
          "at most 39)");
    CHECK_FALSE(p("/cc dave@example.org github:").ok());
    // Only /cc takes logins.
    CHECK_FALSE(p("/uncc dave@example.org github:dave").ok());
    CHECK_FALSE(p("/lead bob@example.org github:bob").ok());
}

TEST_CASE("/fork takes no argument") {
    CHECK(one("/fork").kind == CommandKind::Fork);
    CHECK(bad("/fork now") == "line 1: /fork: takes no argument (usage: /fork)");
    CHECK(bad("/frok").find("did you mean /fork?") != std::string::npos);
}

TEST_CASE("commands without arguments refuse them") {
    for (const char* line : {"/organized now", "/fixed in 1.13.5", "/announce please", "/reply x",
                             "/status all", "/help me"}) {
        INFO(line);
        CHECK(bad(line).find("takes no argument") != std::string::npos);
    }
}

TEST_CASE("/public takes an optional http(s) URL") {
    CHECK(one("/public").values.empty());
    CHECK(one("/public https://github.com/x/y/issues/1").values ==
          std::vector<std::string>{"https://github.com/x/y/issues/1"});
    CHECK(one("/public HTTP://example.org:8080/a?b=c#d").values ==
          std::vector<std::string>{"http://example.org:8080/a?b=c#d"});
    CHECK(bad("/public ftp://example.org/x").find("is not an http:// or https:// URL") !=
          std::string::npos);
    CHECK_FALSE(p("/public javascript:alert(1)").ok());
    CHECK_FALSE(p("/public https://github.com@evil.example/x").ok());
    CHECK_FALSE(p("/public https://").ok());
    CHECK_FALSE(p("/public https://exa mple.org").ok());
    CHECK_FALSE(p("/public https://a.example https://b.example").ok());
    CHECK(normalise_url("https://[2001:db8::1]:8443/x") == "https://[2001:db8::1]:8443/x");
    CHECK_FALSE(normalise_url("https://example.org:99999/"));
    CHECK_FALSE(normalise_url("https://example.org/<script>"));
}

TEST_CASE("/pr takes URLs") {
    CHECK(one("/pr https://github.com/x/y/pull/7").values ==
          std::vector<std::string>{"https://github.com/x/y/pull/7"});
    CHECK(one("/pr https://a.example/1 https://a.example/2").values.size() == 2);
    CHECK(bad("/pr").find("give at least one URL") != std::string::npos);
    CHECK_FALSE(p("/pr github.com/x/y/pull/7").ok());
}

TEST_CASE("free-text commands") {
    CHECK(one("/slow  only a local DoS, needs config access ").text ==
          "only a local DoS, needs config access");
    CHECK(one("/reject plain resource usage bug").text == "plain resource usage bug");
    CHECK(one("/mitigation set max_header_size = 8k").text == "set max_header_size = 8k");
    CHECK(one("/retrospective").text.empty());
    CHECK(one("/retrospective went well").text == "went well");
    CHECK(bad("/slow") == "line 1: /slow: a text is required (usage: /slow REASON)");
    CHECK(bad("/reject   ").find("a text is required") != std::string::npos);
    CHECK(bad("/mitigation").find("a text is required") != std::string::npos);
    CHECK(bad("/slow " + std::string(3000, 'x')).find("too long") != std::string::npos);
    CHECK(bad(std::string("/slow bell\x07here")).find("control characters") != std::string::npos);
}

TEST_CASE("/affects and /released take versions") {
    auto c = one("/affects 1.13.4, 1.12 master release/1.13 v2.0.0-rc1");
    CHECK(c.values ==
          std::vector<std::string>{"1.13.4", "1.12", "master", "release/1.13", "v2.0.0-rc1"});
    CHECK(one("/affects 1.13 1.13").values == std::vector<std::string>{"1.13"});
    CHECK(one("/released 1.13.5 1.14.1").values == std::vector<std::string>{"1.13.5", "1.14.1"});
    CHECK(bad("/affects").find("give at least one version") != std::string::npos);
    CHECK(bad("/released 1.13;rm").find("is not a version") != std::string::npos);
    CHECK_FALSE(p("/affects ...").ok());
    CHECK_FALSE(p("/affects " + std::string(65, '1')).ok());
}

TEST_CASE("/release-date takes a date or a date and time") {
    CHECK(format_iso8601(*one("/release-date 2026-12-05T14:00:00Z").when) ==
          "2026-12-05T14:00:00Z");
    CHECK(format_iso8601(*one("/release-date 2026-12-05").when) == "2026-12-05T00:00:00Z");
    CHECK(format_iso8601(*one("/release-date 2026-12-05T15:00:00+01:00").when) ==
          "2026-12-05T14:00:00Z");
    // A date in the past parses; the workflow refuses it against its clock.
    CHECK(one("/release-date 2001-01-01").when);
    CHECK(bad("/release-date tomorrow").find("is not a date") != std::string::npos);
    CHECK_FALSE(p("/release-date 2026-12-05T14:00:00").ok());  // no zone
    CHECK_FALSE(p("/release-date 2026-02-30").ok());
    CHECK_FALSE(p("/release-date").ok());
    CHECK_FALSE(p("/release-date 2026-12-05 14:00").ok());
}

TEST_CASE("/cve takes a CVE id") {
    CHECK(one("/cve CVE-2026-1234").values == std::vector<std::string>{"CVE-2026-1234"});
    CHECK(one("/cve cve-2026-1234567").values == std::vector<std::string>{"CVE-2026-1234567"});
    for (const char* line :
         {"/cve", "/cve CVE-2026-123", "/cve CVE-26-1234", "/cve CVE-1998-1234",
          "/cve CVE-2026-12a4", "/cve CAN-2026-1234", "/cve CVE-2026-1234 CVE-2026-1235"}) {
        INFO(line);
        CHECK_FALSE(p(line).ok());
    }
}

TEST_CASE("/merge takes a case id with the configured prefix") {
    CHECK(one("/merge EMST-2026-0002").values == std::vector<std::string>{"EMST-2026-0002"});
    CHECK(one("/merge [emst-2026-0002]").values == std::vector<std::string>{"EMST-2026-0002"});
    CHECK(bad("/merge OTHER-2026-0002").find("is not a case id like EMST-2026-0001") !=
          std::string::npos);
    CHECK_FALSE(p("/merge EMST-2026-02").ok());
    CHECK_FALSE(p("/merge").ok());
    CHECK(normalise_case_id("SEC-X-2026-0001", "") == "SEC-X-2026-0001");
    CHECK_FALSE(normalise_case_id("2026-0001", ""));
}

TEST_CASE("/cvss scores the vector") {
    auto c = one("/cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    REQUIRE(c.cvss);
    CHECK(c.cvss->vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK(c.cvss->score == Approx(9.8));
    CHECK(c.cvss->severity == "critical");
    auto low = one("/cvss CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N");
    REQUIRE(low.cvss);
    CHECK(low.cvss->score < 4.0);
    CHECK(low.cvss->severity == "low");
    auto v4 = one("/cvss CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    REQUIRE(v4.cvss);
    CHECK(v4.cvss->score == Approx(9.3));
    CHECK(bad("/cvss CVSS:3.1/AV:X").find("line 1: /cvss: invalid vector: ") == 0);
    CHECK_FALSE(p("/cvss").ok());
    CHECK_FALSE(p("/cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H extra").ok());
}

TEST_CASE("any error means no command at all") {
    auto r = p("/cc dave@example.org\n/fixed\n/cve nope\n/cvs x\n/organized\n");
    CHECK(r.commands.empty());
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].find("line 3: /cve:") == 0);
    CHECK(r.errors[1].find("line 4: /cvs is not a command") == 0);
}

TEST_CASE("limits") {
    std::string many;
    for (int i = 0; i < 60; ++i) many += "/status\n";
    auto r = p(many);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0] ==
          "line 51: too many commands in one message (at most 50); send them in parts");
    CHECK(r.commands.empty());

    std::string addrs = "/cc";
    for (int i = 0; i < 51; ++i) addrs += " u" + std::to_string(i) + "@example.org";
    CHECK(bad(addrs).find("too many values") != std::string::npos);

    CHECK(bad("/pr https://example.org/" + std::string(9000, 'a')).find("too long") !=
          std::string::npos);

    // Many errors are summarised, not listed without end.
    std::string typos;
    for (int i = 0; i < 40; ++i) typos += "/cvs\n";
    auto t = p(typos);
    REQUIRE(t.errors.size() == 21);
    CHECK(t.errors.back() == "20 more error(s) not listed");
}

TEST_CASE("hostile input never crashes and stays bounded") {
    std::mt19937 rng(1234);
    const std::string alphabet = "/ \n\r\t>-abcdefghijklmnoprstuvwxyz@.:0123456789\x01\xff";
    for (int round = 0; round < 300; ++round) {
        std::string s;
        std::size_t n = rng() % 400;
        for (std::size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
        auto r = p(s);
        CHECK(r.errors.size() <= 21);
        CHECK(r.text_without_commands.size() <= s.size());
    }
    // One enormous line and a huge number of lines.
    std::string big(2'000'000, 'x');
    big[0] = '/';
    CHECK(p(big).ok());
    std::string lines;
    for (int i = 0; i < 100000; ++i) lines += "/x\n";
    auto r = p(lines);
    CHECK(r.errors.empty());
    CHECK(r.text_without_commands.size() == lines.size());
    // A typo token with control characters is shown without them.
    auto e = p(std::string("/cvs\x01"));
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].find('\x01') == std::string::npos);
}

TEST_CASE("edit distance") {
    CHECK(edit_distance("cvss", "cvss", 2) == 0);
    CHECK(edit_distance("cvs", "cvss", 2) == 1);
    CHECK(edit_distance("csvs", "cvss", 2) == 1);
    CHECK(edit_distance("kitten", "sitting", 5) == 3);
    CHECK(edit_distance("kitten", "sitting", 2) == 3);  // capped: cap + 1
    CHECK(edit_distance("", "abc", 5) == 3);
    CHECK(edit_distance("abcdefgh", "a", 2) == 3);
    CHECK(likely_typo("cvs") == std::string_view("cvss"));
    CHECK_FALSE(likely_typo("tmp"));
    CHECK_FALSE(likely_typo(""));
}

TEST_CASE("/reply takes draft or nothing") {
    CHECK(one("/reply").values.empty());
    CHECK(one("/reply draft").values == std::vector<std::string>{"draft"});
    CHECK(one("/reply DRAFT").values == std::vector<std::string>{"draft"});
    CHECK(bad("/reply drafts").find("takes no argument but draft") != std::string::npos);
}
