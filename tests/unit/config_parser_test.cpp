// parse_config / load_config: the SPEC example, every validation error with
// its exact FILE:LINE: key message, password files and $CREDENTIALS_DIRECTORY.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "parsers/config_parser.hpp"
#include "tests/support/tempdir.hpp"

using namespace embargo;
using namespace std::chrono_literals;
using embargo::test::TempDir;
using embargo::test::write_file;

namespace {

const std::string kAliceFpr = "AAAA1111BBBB2222CCCC3333DDDD4444EEEE5555";
const std::string kBobFpr = "BBBB1111BBBB2222CCCC3333DDDD4444EEEE5555";

// The example of SPEC section 3, verbatim but for three things a real file
// needs: a real fingerprint instead of the placeholder FINGERPRINT, a member
// line for bob (who is away, and only members can be), and the password file
// in the test's directory (@DIR@).
const char* kSpecExample = R"([project]
name = Example Proxy
case_prefix = EMST                    ; case ids: EMST-2026-0001 (year of disclosure, 4+ digits, per-year counter)
supported = 1.13                      ; supported release series; repeatable
main_branch = master
domain = example.org                  ; right-hand side of generated Message-IDs

[imap]
url = imaps://mail.example.org/INBOX  ; imap:// only for loopback or with starttls
username = secalert
password_file = @DIR@/imap.password
poll_interval = 60                    ; seconds
processed_mailbox =                   ; optional: move processed mail there

[smtp]
url = smtps://mail.example.org        ; or smtp://host:port
username =
password_file =
from = Example Security Team <secalert@example.org>

[gpg]
homedir = /var/lib/embargo/gnupg
key = 0123456789ABCDEF0123456789ABCDEF01234567   ; the team key: decrypts, signs; repeatable (the first signs)
encrypt = required                    ; required | opportunistic

[team]
member = Alice Example <alice@example.org> AAAA1111BBBB2222CCCC3333DDDD4444EEEE5555   ; repeatable; order = rotation order
member = Bob Example <bob@example.org> BBBB1111BBBB2222CCCC3333DDDD4444EEEE5555
away = bob@example.org 2026-12-20 2027-01-05             ; repeatable; both days included
require_signed_commands = true
announce = users@lists.example.org    ; public announcements; repeatable
retrospective = dev@lists.example.org ; besides the team; repeatable

[timeline]                            ; durations: 90m, 24h, 7d
organize = 24h
fix = 7d
announce = 7d
release = 21d
retrospective = 3d
slow_extension = 14d
escalate_every = 24h
digest_time = 09:00                   ; UTC; empty disables the daily digest

[timeline.asap]
organize = 4h
fix = 48h
announce = 48h
release = 72h

[storage]
database = /var/lib/embargo/embargo.db

[limits]
max_message_bytes = 26214400
max_mime_parts = 1000
max_mime_depth = 20
)";

// The smallest valid file; tests edit one line and expect the line number.
const char* kMinimal = R"([project]
case_prefix = EMST
[imap]
url = imaps://mail.example.org/INBOX
username = secalert
password_file = imap.password
[smtp]
url = smtps://mail.example.org
from = Example Security Team <secalert@example.org>
[gpg]
homedir = gnupg
key = 0123456789ABCDEF0123456789ABCDEF01234567
[team]
member = Alice Example <alice@example.org> AAAA1111BBBB2222CCCC3333DDDD4444EEEE5555
member = Bob Example <bob@example.org> BBBB1111BBBB2222CCCC3333DDDD4444EEEE5555
[storage]
database = embargo.db
)";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

// Replaces the one line that starts with `prefix` by `line`; fails the test if
// there is no such line, so an edit can never silently miss.
std::string with_line(std::string text, const std::string& prefix, const std::string& line) {
    auto pos = text.find("\n" + prefix);
    REQUIRE(pos != std::string::npos);
    auto end = text.find('\n', pos + 1);
    text.replace(pos + 1, end - pos - 1, line);
    return text;
}

// Appends lines after the line that starts with `prefix`.
std::string after_line(std::string text, const std::string& prefix, const std::string& lines) {
    auto pos = text.find("\n" + prefix);
    REQUIRE(pos != std::string::npos);
    auto end = text.find('\n', pos + 1);
    text.insert(end + 1, lines);
    return text;
}

// Unsets or sets an environment variable for one scope.
class EnvGuard {
  public:
    EnvGuard(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~EnvGuard() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

struct Fixture {
    TempDir dir;
    EnvGuard no_credentials{"CREDENTIALS_DIRECTORY", nullptr};
    std::string conf = dir / "embargo.conf";

    Fixture() { write_file(dir / "imap.password", "imap-secret\n", 0600); }

    Config parse(const std::string& text) { return parse_config(text, conf); }

    // The exact what() of the ConfigError that parsing `text` throws.
    std::string error(const std::string& text) {
        try {
            parse_config(text, conf);
        } catch (const ConfigError& e) {
            return e.what();
        }
        FAIL("parsed without error:\n" << text);
        return {};
    }

    std::string at(int line, const std::string& rest) const {
        return conf + ":" + std::to_string(line) + ": " + rest;
    }
};

}  // namespace

TEST_CASE("the SPEC example parses to its values") {
    Fixture f;
    Config c = f.parse(replace_all(kSpecExample, "@DIR@", f.dir.path()));

    CHECK(c.path == f.conf);
    CHECK(c.project.name == "Example Proxy");
    CHECK(c.project.case_prefix == "EMST");
    CHECK(c.project.supported == std::vector<std::string>{"1.13"});
    CHECK(c.project.main_branch == "master");
    CHECK(c.project.domain == "example.org");

    CHECK(c.imap.url == "imaps://mail.example.org/INBOX");
    CHECK(c.imap.username == "secalert");
    CHECK(c.imap.password_file == f.dir / "imap.password");
    CHECK(c.imap.password == "imap-secret");
    CHECK(c.imap.poll_interval == 60s);
    CHECK(c.imap.processed_mailbox.empty());
    CHECK_FALSE(c.imap.starttls);
    CHECK(c.imap.ca_file.empty());

    CHECK(c.smtp.url == "smtps://mail.example.org");
    CHECK(c.smtp.username.empty());
    CHECK(c.smtp.password_file.empty());
    CHECK(c.smtp.password.empty());
    CHECK(c.smtp.from == "Example Security Team <secalert@example.org>");
    CHECK(c.smtp.from_address == "secalert@example.org");

    CHECK(c.gpg.homedir == "/var/lib/embargo/gnupg");
    CHECK(c.gpg.keys == std::vector<std::string>{"0123456789ABCDEF0123456789ABCDEF01234567"});
    CHECK(c.gpg.encrypt == EncryptMode::Required);

    REQUIRE(c.team.members.size() == 2);
    CHECK(c.team.members[0].name == "Alice Example");
    CHECK(c.team.members[0].email == "alice@example.org");
    CHECK(c.team.members[0].fingerprint == kAliceFpr);
    CHECK(c.team.members[1].email == "bob@example.org");
    REQUIRE(c.team.away.size() == 1);
    CHECK(c.team.away[0].email == "bob@example.org");
    CHECK(c.team.away[0].from == std::chrono::sys_days{std::chrono::year{2026} / 12 / 20});
    CHECK(c.team.away[0].to == std::chrono::sys_days{std::chrono::year{2027} / 1 / 5});
    CHECK(c.team.require_signed_commands);
    CHECK(c.gpg.sign_in_process);  // default
    CHECK(c.team.announce == std::vector<std::string>{"users@lists.example.org"});
    CHECK(c.team.retrospective == std::vector<std::string>{"dev@lists.example.org"});

    CHECK(c.timeline.organize == 24h);
    CHECK(c.timeline.fix == std::chrono::days{7});
    CHECK(c.timeline.announce == std::chrono::days{7});
    CHECK(c.timeline.release == std::chrono::days{21});
    CHECK(c.timeline.retrospective == std::chrono::days{3});
    CHECK(c.timeline.slow_extension == std::chrono::days{14});
    CHECK(c.timeline.escalate_every == 24h);
    REQUIRE(c.timeline.digest_time);
    CHECK(*c.timeline.digest_time == 9h);
    CHECK(c.asap.organize == 4h);
    CHECK(c.asap.fix == 48h);
    CHECK(c.asap.announce == 48h);
    CHECK(c.asap.release == 72h);

    CHECK(c.storage.database == "/var/lib/embargo/embargo.db");
    CHECK(c.limits.max_message_bytes == 26214400);
    CHECK(c.limits.max_mime_parts == 1000);
    CHECK(c.limits.max_mime_depth == 20);
}

TEST_CASE("values differing from the defaults are read, not defaulted") {
    Fixture f;
    std::string text = std::string(kMinimal) + R"([timeline]
organize = 90m
fix = 2w
announce = 10d
release = 30d
retrospective = 36h
slow_extension = 3w
escalate_every = 12h
digest_time = 7:30
[timeline.asap]
organize = 1h
fix = 1d
announce = 2d
release = 4d
[limits]
max_message_bytes = 1048576
max_mime_parts = 50
max_mime_depth = 5
max_header_bytes = 8192
max_keys_per_message = 2
max_key_bytes = 4096
)";
    text = after_line(text, "case_prefix",
                      "main_branch = release/next\nsupported = 1.13\nsupported = 2\n");
    text = after_line(text, "password_file",
                      "poll_interval = 5m\nprocessed_mailbox = Done\ntimeout = 90s\n");
    text = after_line(
        text, "key = ",
        "key = 1111 2222 3333 4444 5555  6666 7777 8888 9999 aaaa\nencrypt = opportunistic\n"
        "sign_in_process = no\n");
    text = after_line(text, "member = Bob",
                      "require_signed_commands = no\nannounce = A@Lists.Example.org\n"
                      "announce = b@lists.example.org\n");
    Config c = f.parse(text);
    CHECK(c.project.main_branch == "release/next");
    CHECK(c.project.supported == std::vector<std::string>{"1.13", "2"});
    CHECK(c.project.domain == "example.org");  // from smtp.from
    CHECK(c.imap.poll_interval == 5min);
    CHECK(c.imap.timeout == 90s);
    CHECK(c.smtp.timeout == 60s);  // default
    CHECK(c.imap.processed_mailbox == "Done");
    CHECK(c.gpg.keys == std::vector<std::string>{"0123456789ABCDEF0123456789ABCDEF01234567",
                                                 "111122223333444455556666777788889999AAAA"});
    CHECK(c.gpg.encrypt == EncryptMode::Opportunistic);
    CHECK_FALSE(c.gpg.sign_in_process);
    CHECK_FALSE(c.team.require_signed_commands);
    CHECK(c.team.announce ==
          std::vector<std::string>{"a@lists.example.org", "b@lists.example.org"});
    CHECK(c.timeline.organize == 90min);
    CHECK(c.timeline.fix == std::chrono::weeks{2});
    CHECK(c.timeline.announce == std::chrono::days{10});
    CHECK(c.timeline.release == std::chrono::days{30});
    CHECK(c.timeline.retrospective == 36h);
    CHECK(c.timeline.slow_extension == std::chrono::weeks{3});
    CHECK(c.timeline.escalate_every == 12h);
    CHECK(*c.timeline.digest_time == 7h + 30min);
    CHECK(c.asap.organize == 1h);
    CHECK(c.asap.fix == 24h);
    CHECK(c.asap.announce == 48h);
    CHECK(c.asap.release == 96h);
    CHECK(c.limits.max_message_bytes == 1048576);
    CHECK(c.limits.max_mime_parts == 50);
    CHECK(c.limits.max_mime_depth == 5);
    CHECK(c.limits.max_header_bytes == 8192);
    CHECK(c.limits.max_keys_per_message == 2);
    CHECK(c.limits.max_key_bytes == 4096);
}

TEST_CASE("defaults, relative paths and normalisation") {
    Fixture f;
    std::string text = with_line(kMinimal, "from =", "from = SecAlert@Example.ORG");
    text = with_line(text, "member = Alice",
                     "member = \"Alice Example\" <Alice@Example.org> aaaa 1111 bbbb 2222 cccc  "
                     "3333 dddd 4444 eeee 5555");
    text = with_line(text, "member = Bob", "member = <bob@example.org> " + kBobFpr);
    Config c = f.parse(text);
    CHECK(c.smtp.from_address == "secalert@example.org");
    CHECK(c.project.domain == "example.org");
    CHECK(c.project.main_branch == "main");
    CHECK(c.project.supported.empty());
    CHECK(c.gpg.homedir == f.dir / "gnupg");
    CHECK(c.storage.database == f.dir / "embargo.db");
    CHECK(c.imap.password_file == f.dir / "imap.password");
    CHECK(c.team.members[0].name == "Alice Example");
    CHECK(c.team.members[0].email == "alice@example.org");
    CHECK(c.team.members[0].fingerprint == kAliceFpr);
    CHECK(c.team.members[1].name == "bob@example.org");  // no name given: the address
    CHECK(c.timeline.fix == std::chrono::days{7});
    CHECK(c.asap.release == 72h);
    CHECK(*c.timeline.digest_time == 9h);
    CHECK(c.limits.max_header_bytes == 262144);
    CHECK(c.member_by_email("alice@example.org") != nullptr);
}

TEST_CASE("comments, blanks, CRLF and empty values") {
    Fixture f;
    std::string text = std::string("\xEF\xBB\xBF# leading comment\n; another\n") + kMinimal +
                       "[timeline]   ; comment after a header\n"
                       "   fix   =   3d   # comment after a value\n"
                       "digest_time =\n"
                       "[project]\n"
                       "name = Proxy;Server\n";
    text = replace_all(text, "\n", "\r\n");
    Config c = f.parse(text);
    CHECK(c.timeline.fix == std::chrono::days{3});
    CHECK_FALSE(c.timeline.digest_time);
    CHECK(c.project.name == "Proxy;Server");  // ';' not after a blank is part of the value
    CHECK(c.imap.password == "imap-secret");
}

TEST_CASE("syntax errors name the line") {
    Fixture f;
    CHECK(f.error(after_line(kMinimal, "case_prefix", "just words\n")) ==
          f.at(3, "expected `key = value` or `[section]`"));
    CHECK(f.error(after_line(kMinimal, "case_prefix", "= value\n")) ==
          f.at(3, "a value without a key; write `key = value`"));
    CHECK(f.error(std::string("name = x\n") + kMinimal) ==
          f.at(1, "name: key outside of any section; put it under its [section] header"));
    CHECK(f.error(after_line(kMinimal, "case_prefix", "[team\n")) ==
          f.at(3, "section header without a closing ']'; write it as [name]"));
    CHECK(f.error(after_line(kMinimal, "case_prefix", "name = a\x01z\n")) ==
          f.at(3,
               "control character (byte 1) in the file; remove it (the file must be plain "
               "text)"));
    CHECK(f.error(after_line(kMinimal, "case_prefix", std::string("name = a\0z\n", 11))) ==
          f.at(3,
               "control character (byte 0) in the file; remove it (the file must be plain "
               "text)"));
    CHECK(f.error(with_line(kMinimal, "url = imaps", "url = imaps://mail.example.org/INBOX#x")) ==
          f.at(4,
               "imap.url: '#' inside a value; '#' and ';' start a comment only after a blank, "
               "and boost would cut the value there: remove it"));
}

TEST_CASE("unknown sections and keys") {
    Fixture f;
    CHECK(f.error(after_line(kMinimal, "database", "[imapp]\n")) ==
          f.at(18,
               "unknown section [imapp] (did you mean imap?); known sections: project, imap, "
               "smtp, gpg, team, timeline, timeline.asap, storage, limits, dedup, cve, chat, "
               "distributors, forge, daemon"));
    CHECK(f.error(after_line(kMinimal, "database", "[frobnicate]\n")) ==
          f.at(18,
               "unknown section [frobnicate]; known sections: project, imap, smtp, gpg, team, "
               "timeline, timeline.asap, storage, limits, dedup, cve, chat, distributors, "
               "forge, daemon"));
    CHECK(f.error(after_line(kMinimal, "username", "uri = x\n")) ==
          f.at(6,
               "imap.uri: unknown key in [imap] (did you mean url?); known keys: url, username, "
               "password_file, poll_interval, processed_mailbox, starttls, ca_file, timeout"));
    CHECK(f.error(std::string(kMinimal) + "[timeline.asap]\nretrospective = 1d\n") ==
          f.at(19,
               "timeline.asap.retrospective: unknown key in [timeline.asap]; known keys: "
               "organize, fix, announce, release"));
    // Keys are case-sensitive, like section names.
    CHECK_THAT(f.error(after_line(kMinimal, "username", "URL = x\n")),
               Catch::StartsWith(f.at(6, "imap.URL: unknown key in [imap]")));
}

TEST_CASE("a single-valued key given twice") {
    Fixture f;
    CHECK(f.error(after_line(kMinimal, "username", "url = imaps://other.example.org\n")) ==
          f.at(6, "imap.url: given twice (first on line 4); keep only one"));
    // Also across two headers of the same section.
    CHECK(f.error(std::string(kMinimal) + "[imap]\nusername = again\n") ==
          f.at(19, "imap.username: given twice (first on line 5); keep only one"));
}

TEST_CASE("missing required keys") {
    Fixture f;
    struct Row {
        const char* prefix;  // the line to remove
        std::string expected;
    };
    const Row rows[] = {
        {"case_prefix", f.at(1,
                             "project.case_prefix: missing; add `case_prefix = EMST` under "
                             "[project]")},
        {"url = imaps", f.at(3,
                             "imap.url: missing; add `url = imaps://mail.example.org/INBOX` "
                             "under [imap]")},
        {"username", f.at(3, "imap.username: missing; add `username = secalert` under [imap]")},
        {"password_file", f.at(3,
                               "imap.password_file: missing; add `password_file = "
                               "/etc/embargo/imap.password` under [imap]")},
        {"url = smtps", f.at(7,
                             "smtp.url: missing; add `url = smtps://mail.example.org` under "
                             "[smtp]")},
        {"from", f.at(7,
                      "smtp.from: missing; add `from = Example Security Team "
                      "<secalert@example.org>` under [smtp]")},
        {"homedir", f.at(10,
                         "gpg.homedir: missing; add `homedir = /var/lib/embargo/gnupg` under "
                         "[gpg]")},
        {"key", f.at(10,
                     "gpg.key: missing; add `key = 0123456789ABCDEF0123456789ABCDEF01234567` "
                     "under [gpg]")},
        {"database", f.at(16,
                          "storage.database: missing; add `database = "
                          "/var/lib/embargo/embargo.db` under [storage]")},
    };
    for (const auto& r : rows) {
        INFO(r.prefix);
        std::string text = "\n" + std::string(kMinimal);
        auto pos = text.find("\n" + std::string(r.prefix));
        REQUIRE(pos != std::string::npos);
        text.erase(pos + 1, text.find('\n', pos + 1) - pos);
        // Keep the line numbers of the expectations: blank line instead.
        text.insert(pos + 1, "\n");
        CHECK(f.error(text.substr(1)) == r.expected);
    }
    std::string no_members =
        with_line(with_line(kMinimal, "member = Alice", ""), "member = Bob", "");
    CHECK(f.error(no_members) ==
          f.at(13,
               "team.member: missing; add `member = Alice Example <alice@example.org> "
               "FINGERPRINT` under [team]"));
    // A whole section missing: no line to point at.
    std::string no_storage = with_line(with_line(kMinimal, "[storage]", ""), "database", "");
    CHECK(f.error(no_storage) == f.conf +
                                     ": storage.database: missing; add a [storage] section "
                                     "with `database = /var/lib/embargo/embargo.db`");
    // Present but empty.
    CHECK(f.error(with_line(kMinimal, "username", "username =")) ==
          f.at(5, "imap.username: is empty; it is required"));
}

TEST_CASE("bad durations name the key") {
    Fixture f;
    std::string base =
        std::string(kMinimal) + "[timeline]\nfix = 7d\n[timeline.asap]\norganize = 4h\n";
    CHECK(f.error(with_line(base, "fix", "fix = 7x")) ==
          f.at(19,
               "timeline.fix: invalid duration \"7x\": unknown unit; use a positive whole "
               "number with a unit s, m, h, d or w (e.g. 90m, 24h, 7d, 2w), or a plain number "
               "of seconds"));
    CHECK_THAT(f.error(with_line(base, "organize", "organize = 0h")),
               Catch::StartsWith(f.at(21,
                                      "timeline.asap.organize: invalid duration \"0h\": it must "
                                      "be longer than zero;")));
    CHECK_THAT(f.error(with_line(base, "fix", "fix =")),
               Catch::StartsWith(f.at(19, "timeline.fix: invalid duration \"\": it is empty;")));
    CHECK(f.error(after_line(kMinimal, "username", "poll_interval = 2d\n")) ==
          f.at(6, "imap.poll_interval: 2d is too long; the maximum is 1d"));
    CHECK(f.error(after_line(kMinimal, "username", "timeout = 2h\n")) ==
          f.at(6, "imap.timeout: 2h is too long; the maximum is 1h"));
    CHECK_THAT(f.error(after_line(kMinimal, "username", "timeout = 0s\n")),
               Catch::StartsWith(f.at(6,
                                      "imap.timeout: invalid duration \"0s\": it must be "
                                      "longer than zero;")));
    CHECK_THAT(f.error(after_line(kMinimal, "username", "poll_interval = -5\n")),
               Catch::StartsWith(f.at(6, "imap.poll_interval: invalid duration \"-5\"")));
}

TEST_CASE("team members") {
    Fixture f;
    CHECK(f.error(with_line(kMinimal, "member = Bob", "member = Bob Example <bob@example.org>")) ==
          f.at(15,
               "team.member: bob@example.org has no fingerprint; append the 40 hex digits of "
               "the member's OpenPGP key (gpg --fingerprint bob@example.org)"));
    CHECK(f.error(with_line(kMinimal, "member = Bob",
                            "member = Bob Example <bob@example.org> FINGERPRINT")) ==
          f.at(15,
               "team.member: \"FINGERPRINT\" is not a key fingerprint; give the 40 hex digits "
               "of bob@example.org's OpenPGP key (gpg --fingerprint bob@example.org)"));
    CHECK_THAT(f.error(with_line(
                   kMinimal, "member = Bob",
                   "member = Bob <bob@example.org> BBBB1111BBBB2222CCCC3333DDDD4444EEEE555")),
               Catch::StartsWith(f.at(15,
                                      "team.member: \"BBBB1111BBBB2222CCCC3333DDDD4444EEEE555\" "
                                      "is not a key fingerprint")));
    CHECK(f.error(with_line(kMinimal, "member = Bob", "member = Bob bob@example.org " + kBobFpr)) ==
          f.at(15, "team.member: \"Bob bob@example.org " + kBobFpr +
                       "\" has no <email>; write `Name <email> FINGERPRINT`"));
    CHECK(
        f.error(with_line(kMinimal, "member = Bob", "member = Bob <bob at example> " + kBobFpr)) ==
        f.at(15,
             "team.member: \"bob at example\" is not an email address; write `Name <email> "
             "FINGERPRINT`"));
    CHECK(f.error(with_line(kMinimal, "member = Bob",
                            "member = Alice Again <ALICE@example.org> " + kBobFpr)) ==
          f.at(15,
               "team.member: alice@example.org is already a member (line 14); each member "
               "appears once"));
    CHECK(f.error(
              with_line(kMinimal, "member = Bob", "member = Bob <bob@example.org> " + kAliceFpr)) ==
          f.at(15, "team.member: fingerprint " + kAliceFpr +
                       " is already another member's (line 14); each member needs their own key"));
    CHECK(f.error(with_line(kMinimal, "member = Bob",
                            "member = Team <secalert@example.org> " + kBobFpr)) ==
          f.at(15,
               "team.member: secalert@example.org is the team address itself (smtp.from); "
               "members need their own address"));
}

TEST_CASE("absences") {
    Fixture f;
    auto with_away = [&](const std::string& away) {
        return after_line(kMinimal, "member = Bob", "away = " + away + "\n");
    };
    Config c = f.parse(with_away("Bob@Example.org 2026-12-20 2026-12-20") +
                       "[team]\naway = alice@example.org 2027-02-28   2027-03-01\n");
    REQUIRE(c.team.away.size() == 2);
    CHECK(c.team.away[0].email == "bob@example.org");
    CHECK(c.team.away[0].from == c.team.away[0].to);
    CHECK(c.team.away[1].to == std::chrono::sys_days{std::chrono::year{2027} / 3 / 1});

    CHECK(f.error(with_away("carol@example.org 2026-12-20 2027-01-05")) ==
          f.at(16,
               "team.away: carol@example.org is not a team member; fix the address or add a "
               "`member =` line for them"));
    CHECK(f.error(with_away("bob@example.org 2027-01-05 2026-12-20")) ==
          f.at(16,
               "team.away: the absence ends (2026-12-20) before it starts (2027-01-05); swap "
               "the dates"));
    CHECK(f.error(with_away("bob@example.org 2026-02-30 2026-03-05")) ==
          f.at(16,
               "team.away: \"2026-02-30\" is not a date; write `away = email YYYY-MM-DD "
               "YYYY-MM-DD` (first and last day)"));
    CHECK(f.error(with_away("bob@example.org 2026-12-20")) ==
          f.at(16,
               "team.away: \"bob@example.org 2026-12-20\" is not an absence; write `away = "
               "email YYYY-MM-DD YYYY-MM-DD` (first and last day)"));
    CHECK_THAT(f.error(with_away("bob@example.org 2026-12-20 5.1.2027")),
               Catch::StartsWith(f.at(16, "team.away: \"5.1.2027\" is not a date;")));
}

TEST_CASE("booleans, modes, times and names") {
    Fixture f;
    for (const char* t : {"true", "yes", "1", "TRUE", "Yes"}) {
        INFO(t);
        CHECK(f.parse(after_line(kMinimal, "member = Bob",
                                 std::string("require_signed_commands = ") + t + "\n"))
                  .team.require_signed_commands);
    }
    for (const char* t : {"false", "no", "0", "False"}) {
        INFO(t);
        CHECK_FALSE(f.parse(after_line(kMinimal, "member = Bob",
                                       std::string("require_signed_commands = ") + t + "\n"))
                        .team.require_signed_commands);
    }
    CHECK(f.error(after_line(kMinimal, "member = Bob", "require_signed_commands = maybe\n")) ==
          f.at(16,
               "team.require_signed_commands: \"maybe\" is not a boolean; use true or false "
               "(or yes/no, 1/0)"));
    CHECK(f.error(after_line(kMinimal, "key = ", "encrypt = always\n")) ==
          f.at(13, "gpg.encrypt: \"always\" is not a mode; use required or opportunistic"));

    const std::string bad_time =
        "\" is not a time of day; use HH:MM in UTC (e.g. 09:00), or leave it empty to disable the "
        "daily digest";
    for (const char* t : {"24:00", "09:60", "9", "09:0", "0900", "09:00Z", "-1:00", "123:00"}) {
        INFO(t);
        CHECK(f.error(std::string(kMinimal) + "[timeline]\ndigest_time = " + t + "\n") ==
              f.at(19, std::string("timeline.digest_time: \"") + t + bad_time));
    }
    CHECK(*f.parse(std::string(kMinimal) + "[timeline]\ndigest_time = 23:59\n")
               .timeline.digest_time == 23h + 59min);
    CHECK(*f.parse(std::string(kMinimal) + "[timeline]\ndigest_time = 00:00\n")
               .timeline.digest_time == 0min);

    for (const char* p : {"E", "emst", "1EM", "EM-ST", "ABCDEFGHIJKLMNOPQ", "EM ST"}) {
        INFO(p);
        CHECK(f.error(with_line(kMinimal, "case_prefix", std::string("case_prefix = ") + p)) ==
              f.at(2, std::string("project.case_prefix: \"") + p +
                          "\" is not a valid prefix; use 2 to 16 upper-case letters and digits "
                          "starting with a letter, e.g. EMST"));
    }
    CHECK(f.parse(with_line(kMinimal, "case_prefix", "case_prefix = A1234567890BCDEF"))
              .project.case_prefix == "A1234567890BCDEF");

    for (const char* s : {"v1.13", "1.13.x", ".1", "1.", "1..2", "master"}) {
        INFO(s);
        CHECK(
            f.error(after_line(kMinimal, "case_prefix", std::string("supported = ") + s + "\n")) ==
            f.at(3, std::string("project.supported: \"") + s +
                        "\" is not a release series; use digits and dots, e.g. 1.13"));
    }
    CHECK(f.error(after_line(kMinimal, "case_prefix", "supported = 1.13\nsupported = 1.13\n")) ==
          f.at(4, "project.supported: 1.13 is listed twice; remove one"));
    CHECK(f.error(after_line(kMinimal, "case_prefix", "main_branch = -x\n")) ==
          f.at(3,
               "project.main_branch: \"-x\" is not a branch name; use letters, digits, '.', "
               "'_', '/' and '-', e.g. master"));
    CHECK(f.error(after_line(kMinimal, "case_prefix", "domain = exa mple.org\n")) ==
          f.at(3,
               "project.domain: \"exa mple.org\" is not a domain name; use e.g. example.org, "
               "or remove the key to use the domain of smtp.from"));
    CHECK(f.parse(after_line(kMinimal, "case_prefix", "domain = Mail.Example.NET\n"))
              .project.domain == "mail.example.net");
}

TEST_CASE("team key fingerprints") {
    Fixture f;
    CHECK(f.error(with_line(kMinimal, "key = ", "key = 0123456789ABCDEF")) ==
          f.at(12,
               "gpg.key: \"0123456789ABCDEF\" is not a key fingerprint; give the team key's 40 "
               "hex digits (gpg --fingerprint)"));
    CHECK_THAT(
        f.error(with_line(kMinimal, "key = ", "key = 0123456789ABCDEF0123456789ABCDEF0123456G")),
        Catch::StartsWith(
            f.at(12, "gpg.key: \"0123456789ABCDEF0123456789ABCDEF0123456G\" is not")));
    CHECK(f.error(
              after_line(kMinimal, "key = ", "key = 0123456789abcdef0123456789abcdef01234567\n")) ==
          f.at(13,
               "gpg.key: key 0123456789ABCDEF0123456789ABCDEF01234567 is listed twice; remove "
               "one"));
}

TEST_CASE("server URLs: TLS, or plain only to loopback or with STARTTLS") {
    Fixture f;
    auto imap = [&](const std::string& url, const std::string& extra = "") {
        return after_line(with_line(kMinimal, "url = imaps", "url = " + url), "username", extra);
    };
    auto smtp = [&](const std::string& url, const std::string& extra = "") {
        return after_line(with_line(kMinimal, "url = smtps", "url = " + url), "url = " + url,
                          extra);
    };
    for (const char* ok :
         {"imaps://mail.example.org", "imaps://mail.example.org:993/INBOX",
          "imap://127.0.0.1:1143/INBOX", "imap://127.1.2.3/", "imap://localhost",
          "imap://LOCALHOST:143", "imap://[::1]:1143/INBOX", "imaps://[2001:db8::1]/"}) {
        INFO(ok);
        CHECK(f.parse(imap(ok)).imap.url == ok);
    }
    auto c = f.parse(imap("imap://mail.example.org/INBOX", "starttls = true\n"));
    CHECK(c.imap.starttls);
    CHECK(c.imap.url == "imap://mail.example.org/INBOX");
    for (const char* ok : {"smtps://mail.example.org:465", "smtp://127.0.0.1:2525",
                           "smtp://localhost:25", "smtp://[::1]:2525"}) {
        INFO(ok);
        CHECK(f.parse(smtp(ok)).smtp.url == ok);
    }
    CHECK(f.parse(smtp("smtp://mail.example.org:587", "starttls = yes\n")).smtp.starttls);

    CHECK(f.error(imap("imap://mail.example.org/INBOX")) ==
          f.at(4,
               "imap.url: imap:// would send the password in clear text to mail.example.org; "
               "use imaps://, or set imap.starttls = true (plain imap:// is for loopback hosts "
               "only)"));
    CHECK_THAT(f.error(imap("imap://128.0.0.1/INBOX")),
               Catch::StartsWith(f.at(4,
                                      "imap.url: imap:// would send the password in clear text to "
                                      "128.0.0.1;")));
    CHECK_THAT(f.error(imap("imap://[::2]/INBOX")),
               Catch::StartsWith(
                   f.at(4, "imap.url: imap:// would send the password in clear text to ::2;")));
    CHECK_THAT(f.error(imap("imap://localhost.evil.example/INBOX")),
               Catch::StartsWith(f.at(4, "imap.url: imap:// would send")));
    CHECK(f.error(smtp("smtp://mail.example.org:25")) ==
          f.at(8,
               "smtp.url: smtp:// would send the password in clear text to mail.example.org; "
               "use smtps://, or set smtp.starttls = true (plain smtp:// is for loopback hosts "
               "only)"));
    // STARTTLS of one protocol does not cover the other.
    CHECK_THAT(f.error(imap("imap://mail.example.org/", "").append("[smtp]\nstarttls = true\n")),
               Catch::StartsWith(f.at(4, "imap.url: imap:// would send")));

    CHECK(f.error(imap("https://mail.example.org/")) ==
          f.at(4,
               "imap.url: \"https://mail.example.org/\" has the wrong scheme; use "
               "imaps://host[:port]/MAILBOX (or imap:// with a loopback host or imap.starttls "
               "= true)"));
    CHECK(f.error(smtp("mail.example.org")) ==
          f.at(8,
               "smtp.url: \"mail.example.org\" has the wrong scheme; use smtps://host[:port] "
               "(or smtp:// with a loopback host or smtp.starttls = true)"));
    CHECK(f.error(imap("imaps://user:pw@mail.example.org/")) ==
          f.at(4,
               "imap.url: the URL holds user information; remove it and put the credentials in "
               "imap.username and imap.password_file"));
    CHECK(f.error(imap("imaps://mail.example.org:99999/")) ==
          f.at(4, "imap.url: \"99999\" is not a port number (1-65535)"));
    CHECK_THAT(f.error(imap("imaps://mail.example.org:/")),
               Catch::StartsWith(f.at(4, "imap.url: empty port after ':';")));
    CHECK_THAT(f.error(imap("imaps:///INBOX")),
               Catch::StartsWith(f.at(4, "imap.url: \"\" is not a valid host name;")));
    CHECK_THAT(f.error(imap("imaps://[::1/INBOX")),
               Catch::StartsWith(f.at(4, "imap.url: IPv6 address without a closing ']';")));
    CHECK(f.error(imap("imaps://mail.example.org/My Box")) ==
          f.at(4, "imap.url: contains a blank; percent-encode it (%20)"));
}

TEST_CASE("password files") {
    Fixture f;
    SECTION("the first line, without its line ending") {
        write_file(f.dir / "imap.password", "s3cret pass\r\nsecond line\n", 0600);
        CHECK(f.parse(kMinimal).imap.password == "s3cret pass");
        write_file(f.dir / "imap.password", "no-newline", 0400);
        CHECK(f.parse(kMinimal).imap.password == "no-newline");
    }
    SECTION("world- or group-readable files are refused") {
        for (int mode : {0644, 0640, 0604, 0660, 0601}) {
            INFO(mode);
            write_file(f.dir / "imap.password", "imap-secret\n", mode);
            ::chmod((f.dir / "imap.password").c_str(), static_cast<mode_t>(mode));
            char m[8];
            std::snprintf(m, sizeof m, "%04o", mode);
            std::string p = f.dir / "imap.password";
            CHECK(f.error(kMinimal) ==
                  f.at(6, "imap.password_file: " + p + " is accessible by group or others (mode " +
                              m + "); run chmod 600 " + p));
        }
    }
    SECTION("missing, empty, not a file") {
        std::string p = f.dir / "nope";
        CHECK(f.error(with_line(kMinimal, "password_file", "password_file = nope")) ==
              f.at(6, "imap.password_file: cannot open " + p +
                          ": No such file or directory; create it with the password on its first "
                          "line and chmod 600 it"));
        write_file(f.dir / "imap.password", "\nsecond\n", 0600);
        CHECK(f.error(kMinimal) == f.at(6, "imap.password_file: " + (f.dir / "imap.password") +
                                               " is empty; write the password on its first line"));
        CHECK(f.error(with_line(kMinimal, "password_file", "password_file = .")) ==
              f.at(6, "imap.password_file: " + f.dir.path() +
                          " is not a regular file; point it at the password file"));
        ::mkfifo((f.dir / "fifo").c_str(), 0600);  // must not block
        CHECK(f.error(with_line(kMinimal, "password_file", "password_file = fifo")) ==
              f.at(6, "imap.password_file: " + (f.dir / "fifo") +
                          " is not a regular file; point it at the password file"));
    }
    SECTION("the password never appears in an error") {
        write_file(f.dir / "imap.password", "hunter2-secret\n", 0644);
        CHECK(f.error(kMinimal).find("hunter2") == std::string::npos);
    }
    SECTION("smtp: optional, but required with a username") {
        std::string with_user = after_line(kMinimal, "url = smtps", "username = mailer\n");
        CHECK(f.error(with_user) ==
              f.at(9,
                   "smtp.password_file: required when smtp.username is set; add `password_file "
                   "= /etc/embargo/smtp.password` under [smtp]"));
        CHECK_THAT(
            f.error(after_line(with_user, "username = mailer", "password_file =\n")),
            Catch::StartsWith(f.at(10, "smtp.password_file: required when smtp.username is set")));
        CHECK(f.error(after_line(kMinimal, "url = smtps", "password_file = smtp.password\n")) ==
              f.at(9,
                   "smtp.password_file: set without smtp.username; add the username or remove "
                   "the password file"));
        write_file(f.dir / "smtp.password", "smtp-secret\n", 0600);
        Config c =
            f.parse(after_line(with_user, "username = mailer", "password_file = smtp.password\n"));
        CHECK(c.smtp.username == "mailer");
        CHECK(c.smtp.password == "smtp-secret");
        CHECK(c.smtp.password_file == f.dir / "smtp.password");
    }
}

TEST_CASE("password files come from $CREDENTIALS_DIRECTORY when it is set") {
    Fixture f;
    TempDir creds;
    write_file(creds / "imap.password", "from-credentials\n", 0400);
    write_file(f.dir / "absolute.password", "absolute\n", 0600);
    {
        EnvGuard env("CREDENTIALS_DIRECTORY", creds.path().c_str());
        Config c = f.parse(kMinimal);
        CHECK(c.imap.password == "from-credentials");
        CHECK(c.imap.password_file == creds / "imap.password");
        // Other relative paths still resolve against the config file's directory.
        CHECK(c.storage.database == f.dir / "embargo.db");
        // An absolute path is taken as it is.
        Config a = f.parse(with_line(kMinimal, "password_file",
                                     "password_file = " + (f.dir / "absolute.password")));
        CHECK(a.imap.password == "absolute");
        // Missing there: the error says where it looked.
        CHECK(f.error(with_line(kMinimal, "password_file", "password_file = smtp")) ==
              f.at(6, "imap.password_file: cannot open " + (creds / "smtp") +
                          ": No such file or directory (looked up in $CREDENTIALS_DIRECTORY; "
                          "check LoadCredential= in the unit); create it with the password on its "
                          "first line and chmod 600 it"));
    }
    {
        EnvGuard env("CREDENTIALS_DIRECTORY", "");  // empty: as if unset
        CHECK(f.parse(kMinimal).imap.password == "imap-secret");
    }
}

TEST_CASE("CA files") {
    Fixture f;
    write_file(f.dir / "ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
    Config c = f.parse(after_line(kMinimal, "username", "ca_file = ca.pem\n") +
                       "[smtp]\nca_file = " + (f.dir / "ca.pem") + "\n");
    CHECK(c.imap.ca_file == f.dir / "ca.pem");
    CHECK(c.smtp.ca_file == f.dir / "ca.pem");
    CHECK(f.error(after_line(kMinimal, "username", "ca_file = missing.pem\n")) ==
          f.at(6, "imap.ca_file: cannot read the CA file " + (f.dir / "missing.pem") +
                      "; give the path of a PEM CA bundle or remove the key"));
}

TEST_CASE("addresses") {
    Fixture f;
    CHECK(f.error(with_line(kMinimal, "from", "from = Example Security Team")) ==
          f.at(9,
               "smtp.from: \"Example Security Team\" is not an address; write `Name "
               "<address@domain>` or a bare address"));
    CHECK_THAT(
        f.error(with_line(kMinimal, "from", "from = Team <secalert@example.org> trailing")),
        Catch::StartsWith(f.at(9, "smtp.from: \"Team <secalert@example.org> trailing\" is not")));
    CHECK_THAT(f.error(with_line(kMinimal, "from", "from = Team <secalert@>")),
               Catch::StartsWith(f.at(9, "smtp.from: \"Team <secalert@>\" is not an address")));
    CHECK(
        f.error(after_line(kMinimal, "member = Bob", "announce = Users List <u@example.org>\n")) ==
        f.at(16,
             "team.announce: \"Users List <u@example.org>\" is not an email address; write a "
             "bare address like users@lists.example.org"));
    CHECK(
        f.error(after_line(kMinimal, "member = Bob",
                           "retrospective = dev@example.org\nretrospective = DEV@example.org\n")) ==
        f.at(17, "team.retrospective: dev@example.org is listed twice; remove one"));
}

TEST_CASE("limits are positive and bounded") {
    Fixture f;
    struct Row {
        const char* key;
        const char* value;
        const char* range;
        const char* fallback;
    };
    const Row rows[] = {
        {"max_message_bytes", "0", "1024 and 1073741824", "26214400"},
        {"max_message_bytes", "2000000000", "1024 and 1073741824", "26214400"},
        {"max_mime_parts", "-1", "1 and 100000", "1000"},
        {"max_mime_depth", "101", "1 and 100", "20"},
        {"max_mime_depth", "2x", "1 and 100", "20"},
        {"max_header_bytes", "1k", "1024 and 16777216", "262144"},
        {"max_keys_per_message", "0", "1 and 1000", "5"},
        {"max_key_bytes", "99999999999999999999999", "1024 and 16777216", "65536"},
        {"max_key_bytes", "", "1024 and 16777216", "65536"},
        {"max_key_bytes", "+5000", "1024 and 16777216", "65536"},
    };
    for (const auto& r : rows) {
        INFO(r.key << " = " << r.value);
        CHECK(f.error(std::string(kMinimal) + "[limits]\n" + r.key + " = " + r.value + "\n") ==
              f.at(19, std::string("limits.") + r.key + ": \"" + r.value +
                           "\" is not a whole number between " + r.range + "; the default is " +
                           r.fallback));
    }
}

TEST_CASE("[dedup] thresholds: defaults, values and their bounds") {
    Fixture f;
    Config d = f.parse(kMinimal);
    CHECK(d.dedup.similarity == 0.8);
    CHECK(d.dedup.window == std::chrono::days{14});
    CHECK(d.dedup.bands == 16);
    CHECK(d.dedup.rows == 4);
    CHECK(d.dedup.min_words == 20);

    Config c = f.parse(std::string(kMinimal) +
                       "[dedup]\nsimilarity = 0.85\nwindow = 7d\nbands = 20\nrows = 5\n"
                       "min_words = 40\n");
    CHECK(c.dedup.similarity == 0.85);
    CHECK(c.dedup.window == std::chrono::days{7});
    CHECK(c.dedup.bands == 20);
    CHECK(c.dedup.rows == 5);
    CHECK(c.dedup.min_words == 40);
    CHECK(f.parse(std::string(kMinimal) + "[dedup]\nsimilarity = 1\n").dedup.similarity == 1.0);
    CHECK(f.parse(std::string(kMinimal) + "[dedup]\nsimilarity = .5\n").dedup.similarity == 0.5);
    CHECK(f.parse(std::string(kMinimal) + "[dedup]\nbands = 128\nrows = 1\n").dedup.bands == 128);

    for (const char* bad :
         {"0.4", "1.01", "-0.8", "+0.8", "8e-1", "nan", "inf", "0,8", "0.8.1", "80%", "", "."}) {
        INFO("similarity = " << bad);
        CHECK(f.error(std::string(kMinimal) + "[dedup]\nsimilarity = " + bad + "\n") ==
              f.at(19, "dedup.similarity: \"" + std::string(bad) +
                           "\" is not a number between 0.5 and 1; the default is 0.8"));
    }
    CHECK(f.error(std::string(kMinimal) + "[dedup]\nwindow = 2 weeks\n")
              .rfind(f.at(19, "dedup.window: "), 0) == 0);
    CHECK(
        f.error(std::string(kMinimal) + "[dedup]\nbands = 0\n") ==
        f.at(19, "dedup.bands: \"0\" is not a whole number between 1 and 128; the default is 16"));
    CHECK(
        f.error(std::string(kMinimal) + "[dedup]\nrows = 129\n") ==
        f.at(19, "dedup.rows: \"129\" is not a whole number between 1 and 128; the default is 4"));
    CHECK(f.error(std::string(kMinimal) + "[dedup]\nmin_words = 0\n") ==
          f.at(19,
               "dedup.min_words: \"0\" is not a whole number between 1 and 100000; the "
               "default is 20"));
    // The product must fit the signature; the error names the key written last.
    const std::string too_many =
        "bands (40) times rows (4) is more than the 128 hashes of a signature; lower one of "
        "them (the defaults are 16 and 4)";
    CHECK(f.error(std::string(kMinimal) + "[dedup]\nrows = 4\nbands = 40\n") ==
          f.at(20, "dedup.bands: " + too_many));
    CHECK(f.error(std::string(kMinimal) + "[dedup]\nbands = 40\n") ==
          f.at(19, "dedup.bands: " + too_many));
    CHECK(f.error(std::string(kMinimal) + "[dedup]\nbands = 40\nrows = 4\n") ==
          f.at(20, "dedup.rows: " + too_many));
}

TEST_CASE("load_config reads the file or names it") {
    Fixture f;
    write_file(f.conf, kMinimal);
    CHECK(load_config(f.conf).project.case_prefix == "EMST");

    std::string missing = f.dir / "absent.conf";
    try {
        load_config(missing);
        FAIL("loaded a missing file");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              missing +
                  ": cannot read the configuration file: No such file or directory; check "
                  "the path given to --config");
        CHECK(e.file == missing);
        CHECK(e.line == 0);
        CHECK(e.key.empty());
    }
    CHECK_THROWS_WITH(load_config(f.dir.path()),
                      f.dir.path() + ": is a directory; give the path of the configuration file");
    write_file(f.dir / "huge.conf", std::string((1 << 20) + 1, '\n'));
    CHECK_THROWS_WITH(load_config(f.dir / "huge.conf"),
                      (f.dir / "huge.conf") +
                          ": the configuration file is larger than 1 MiB; is it the right file?");
}

TEST_CASE("ConfigError carries its parts") {
    Fixture f;
    try {
        f.parse(with_line(kMinimal, "username", "username ="));
        FAIL("parsed");
    } catch (const ConfigError& e) {
        CHECK(e.file == f.conf);
        CHECK(e.line == 5);
        CHECK(e.key == "imap.username");
        CHECK(e.problem == "is empty; it is required");
    }
}

TEST_CASE("the documented example parses") {
    Fixture f;
    std::string text =
        test::read_file(std::string(EMBARGO_SOURCE_DIR) + "/docs/embargo.conf.example");
    text = replace_all(text, "/etc/embargo/", f.dir.path() + "/");
    write_file(f.dir / "smtp.password", "x\n", 0600);
    write_file(f.dir / "ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
    Config c = f.parse(text);
    CHECK(c.project.case_prefix == "EMST");
    CHECK(c.team.members.size() >= 2);
    CHECK_FALSE(c.gpg.keys.empty());
}

TEST_CASE("mangled files give a ConfigError, never another exception or a crash") {
    Fixture f;
    const std::string base = replace_all(kSpecExample, "@DIR@", f.dir.path());
    const char alphabet[] = "[]=;# \t\n\r\x01\xff<>@:/.0aZ";
    std::uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1664525u + 1013904223u;  // deterministic LCG: reproducible failures
        return seed >> 8;
    };
    int errors = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string text = base;
        int edits = 1 + static_cast<int>(next() % 8);
        for (int e = 0; e < edits; ++e) {
            std::size_t pos = next() % (text.size() + 1);
            char c = alphabet[next() % (sizeof alphabet - 1)];
            switch (next() % 3) {
                case 0:
                    text.insert(pos, 1, c);
                    break;
                case 1:
                    if (pos < text.size()) text[pos] = c;
                    break;
                default:
                    text.erase(pos, next() % 20);
                    break;
            }
        }
        INFO("round " << round);
        try {
            parse_config(text, f.conf);
        } catch (const ConfigError& e) {
            ++errors;
            CHECK(std::string(e.what()).rfind(f.conf + ":", 0) == 0);
        }
    }
    CHECK(errors > 100);  // the edits do break files; otherwise this test tests nothing
}

TEST_CASE("cve.cna routes CVE requests and cve.org_id must be a UUID") {
    Fixture f;
    // Default: MITRE (every project can use its form) and a placeholder org.
    Config d = f.parse(kMinimal);
    CHECK(d.cve.cna == Cna::Mitre);
    CHECK(d.cve.org_id.empty());
    const std::pair<const char*, Cna> rows[] = {{"github", Cna::Github},
                                                {"cve-services", Cna::CveServices},
                                                {"MITRE", Cna::Mitre},
                                                {"none", Cna::None}};
    for (const auto& [value, cna] : rows) {
        INFO(value);
        Config c = f.parse(std::string(kMinimal) + "[cve]\ncna = " + value + "\n");
        CHECK(c.cve.cna == cna);
    }
    // Line 19 is `cna`, 20 `org_id` (kMinimal has 17 lines, then [cve]).
    CHECK(f.error(std::string(kMinimal) + "[cve]\ncna = dwf\n") ==
          f.at(19, "cve.cna: \"dwf\" is not a CNA; use github, cve-services, mitre or none"));
    Config o =
        f.parse(std::string(kMinimal) +
                "[cve]\ncna = cve-services\norg_id = 0F3A1B2C-1234-4ABC-8DEF-0123456789AB\n");
    CHECK(o.cve.org_id == "0f3a1b2c-1234-4abc-8def-0123456789ab");
    // The schema's uuidType wants version 4: a version 1 UUID is refused.
    CHECK_THAT(f.error(std::string(kMinimal) +
                       "[cve]\ncna = mitre\norg_id = 0f3a1b2c-1234-1abc-8def-0123456789ab\n"),
               Catch::Contains("is not a version 4 UUID"));
    CHECK(
        f.error(std::string(kMinimal) + "[cve]\ncna = mitre\norg_id = example-org\n") ==
        f.at(20,
             "cve.org_id: \"example-org\" is not a version 4 UUID; give the CNA's organisation id "
             "(8-4-4-4-12 hex digits, e.g. from `cve org`)"));
}

TEST_CASE("[chat] targets take public kinds only and the URL from an owner-only file") {
    Fixture f;
    write_file(f.dir / "general.url", "https://hooks.slack.com/services/T0/B0/SECRETTOKEN\n", 0600);
    write_file(f.dir / "dev.url", "http://127.0.0.1:8080/hooks/dev\n", 0600);
    const std::string base = std::string(kMinimal) + "[chat]\n";  // [chat] is line 18
    Config c = f.parse(base +
                       "target = general slack general.url announcement,Release-Announcement\n"
                       "target = dev json dev.url retrospective,retrospective\ntimeout = 5s\n");
    REQUIRE(c.chat.targets.size() == 2);
    CHECK(c.chat.targets[0].name == "general");
    CHECK(c.chat.targets[0].format == ChatTarget::Format::Slack);
    CHECK(c.chat.targets[0].url == "https://hooks.slack.com/services/T0/B0/SECRETTOKEN");
    CHECK(c.chat.targets[0].url_file == f.dir / "general.url");
    CHECK(c.chat.targets[0].kinds ==
          std::vector<std::string>{"announcement", "release-announcement"});
    CHECK(c.chat.targets[1].format == ChatTarget::Format::Json);
    CHECK(c.chat.targets[1].kinds == std::vector<std::string>{"retrospective"});
    CHECK(c.chat.timeout == 5s);
    CHECK(c.chat_wants("retrospective"));
    CHECK_FALSE(c.chat_wants("new-case"));
    CHECK(f.parse(kMinimal).chat.targets.empty());

    // Embargoed kinds: refused, naming the line and the key.
    for (const std::string kind : {"new-case", "relay", "cve-request", "digest", "ack"}) {
        INFO(kind);
        CHECK(f.error(base + "target = general slack general.url announcement," + kind + "\n") ==
              f.at(19, "chat.target: \"" + kind +
                           "\" cannot go to chat: only the public kinds announcement, "
                           "release-announcement and retrospective may (anything else carries "
                           "embargoed case content, which must stay in encrypted mail)"));
    }
    CHECK(f.error(base + "target = general teams general.url announcement\n")
              .starts_with(f.at(19, "chat.target: \"teams\" is not a webhook format")));
    CHECK(f.error(base + "target = general slack general.url\n")
              .starts_with(f.at(19, "chat.target: \"general slack general.url\" is not a target")));
    CHECK(f.error(base + "target = a/b slack general.url announcement\n")
              .starts_with(f.at(19, "chat.target: \"a/b\" is not a target name")));
    CHECK(f.error(base + "target = g slack general.url announcement\n"
                         "target = g json dev.url retrospective\n") ==
          f.at(20, "chat.target: target g is defined twice; rename one"));
    // The URL file: like a password file; the URL itself is never quoted.
    write_file(f.dir / "open.url", "https://hooks.slack.com/services/T0/B0/SECRETTOKEN\n", 0644);
    std::string e = f.error(base + "target = general slack open.url announcement\n");
    CHECK(e.starts_with(f.at(19, "chat.target: ")));
    CHECK(e.find("chmod 600") != std::string::npos);
    CHECK(f.error(base + "target = general slack missing.url announcement\n")
              .starts_with(f.at(19, "chat.target: cannot open")));
    write_file(f.dir / "remote.url", "http://chat.example.org/hooks/SECRETTOKEN\n", 0600);
    e = f.error(base + "target = general slack remote.url announcement\n");
    CHECK(e.starts_with(f.at(19, "chat.target: ")));
    CHECK(e.find("use https://") != std::string::npos);
    CHECK(e.find("SECRETTOKEN") == std::string::npos);
    write_file(f.dir / "junk.url", "hooks.slack.com/SECRETTOKEN\n", 0600);
    e = f.error(base + "target = general slack junk.url announcement\n");
    CHECK(e.find("is not an https:// webhook URL") != std::string::npos);
    CHECK(e.find("SECRETTOKEN") == std::string::npos);
    CHECK(f.error(base + "timeout = 0s\n").starts_with(f.at(19, "chat.timeout: ")));
}

TEST_CASE("[forge]: a GitHub repository, the token from an owner-only file, member logins") {
    Fixture f;
    write_file(f.dir / "github.token", "ghp_SECRETTOKEN\n", 0600);
    const std::string base = std::string(kMinimal) + "[forge]\n";  // [forge] is line 18
    // Off unless configured.
    CHECK_FALSE(f.parse(kMinimal).forge.enabled());
    CHECK_FALSE(f.parse(base + "type = none\n").forge.enabled());
    Config c =
        f.parse(base +
                "type = GitHub\nrepository = example/proxy.c\ntoken_file = github.token\n"
                "timeout = 5s\nlogin = Bob@Example.org bob-gh\nlogin = dave@example.org D4ve\n");
    CHECK(c.forge.enabled());
    CHECK(c.forge.api_url == "https://api.github.com");
    CHECK(c.forge.owner == "example");
    CHECK(c.forge.repo == "proxy.c");
    CHECK(c.forge.repository() == "example/proxy.c");
    CHECK(c.forge.token == "ghp_SECRETTOKEN");
    CHECK(c.forge.token_file == f.dir / "github.token");
    CHECK(c.forge.timeout == 5s);
    REQUIRE(c.forge.logins.size() == 2);
    CHECK(*c.forge.login_of("bob@example.org") == "bob-gh");
    CHECK(*c.forge.login_of("dave@example.org") == "D4ve");
    CHECK(c.forge.login_of("carol@example.org") == nullptr);
    const std::string ok = "type = github\nrepository = example/proxy\ntoken_file = github.token\n";
    // A local mock over plain http on loopback; a trailing '/' is dropped.
    CHECK(f.parse(base + ok + "api_url = http://127.0.0.1:4010/\n").forge.api_url ==
          "http://127.0.0.1:4010");
    CHECK(f.parse(base + ok + "api_url = https://ghe.example.org/api/v3\n").forge.api_url ==
          "https://ghe.example.org/api/v3");

    CHECK(f.error(base + "repository = example/proxy\n") ==
          f.at(18, "forge.type: missing; add `type = github` under [forge]"));
    CHECK(f.error(base + "type = gitlab\n") ==
          f.at(19, "forge.type: \"gitlab\" is not a supported forge; use github (or none)"));
    CHECK(f.error(base + "type = github\ntoken_file = github.token\n") ==
          f.at(18, "forge.repository: missing; add `repository = example/proxy` under [forge]"));
    for (const std::string repo : {"proxy", "example/", "/proxy", "-x/proxy", "ex ample/proxy",
                                   "example/pro/xy", "example/.."}) {
        INFO(repo);
        CHECK(
            f.error(base + "type = github\nrepository = " + repo + "\ntoken_file = github.token\n")
                .starts_with(f.at(20, "forge.repository: ")));
    }
    CHECK(f.error(base + "type = github\nrepository = example/proxy\n") ==
          f.at(18,
               "forge.token_file: missing; add `token_file = /etc/embargo/github.token` under "
               "[forge]"));
    // The token file is a secret like a password file; the token is never quoted.
    write_file(f.dir / "open.token", "ghp_SECRETTOKEN\n", 0644);
    std::string e =
        f.error(base + "type = github\nrepository = example/proxy\ntoken_file = open.token\n");
    CHECK(e.starts_with(f.at(21, "forge.token_file: ")));
    CHECK(e.find("chmod 600") != std::string::npos);
    CHECK(e.find("SECRETTOKEN") == std::string::npos);
    write_file(f.dir / "blank.token", "ghp_SECRET TOKEN\n", 0600);
    e = f.error(base + "type = github\nrepository = example/proxy\ntoken_file = blank.token\n");
    CHECK(e.starts_with(f.at(21, "forge.token_file: ")));
    CHECK(e.find("SECRET") == std::string::npos);
    // The token never crosses a network in clear text.
    e = f.error(base + ok + "api_url = http://api.github.com\n");
    CHECK(e.starts_with(
        f.at(22, "forge.api_url: http:// to api.github.com would send the API token")));
    CHECK(f.error(base + ok + "api_url = https://user:pw@api.github.com\n")
              .starts_with(f.at(22, "forge.api_url: has no host or holds user information")));
    CHECK(f.error(base + ok + "api_url = ftp://api.github.com\n")
              .starts_with(
                  f.at(22, "forge.api_url: \"ftp://api.github.com\" is not an https:// URL")));
    CHECK(f.error(base + ok + "login = bob@example.org\n")
              .starts_with(f.at(22, "forge.login: \"bob@example.org\" is not a login line")));
    CHECK(f.error(base + ok + "login = bob bob-gh\n")
              .starts_with(f.at(22, "forge.login: \"bob\" is not an email address")));
    CHECK(f.error(base + ok + "login = bob@example.org bob--gh\n")
              .starts_with(f.at(22, "forge.login: \"bob--gh\" is not a GitHub login")));
    CHECK(f.error(base + ok + "login = bob@example.org b\nlogin = BOB@example.org c\n") ==
          f.at(23, "forge.login: bob@example.org has a login already; keep one line"));
    CHECK(f.error(base + ok + "timeout = 0s\n").starts_with(f.at(22, "forge.timeout: ")));
}

TEST_CASE("distributors: repeatable addresses and the embargo window") {
    Fixture f;
    Config d = f.parse(kMinimal);
    CHECK(d.distributors.addresses.empty());
    CHECK(d.distributors.max_embargo == std::chrono::days{14});
    Config c = f.parse(std::string(kMinimal) +
                       "[distributors]\naddress = Distros@VS.openwall.org\n"
                       "address = security@debian.org\nmax_embargo = 7d\n");
    CHECK(c.distributors.addresses ==
          std::vector<std::string>{"distros@vs.openwall.org", "security@debian.org"});
    CHECK(c.distributors.max_embargo == std::chrono::days{7});
    CHECK(f.error(std::string(kMinimal) +
                  "[distributors]\naddress = a@example.org\naddress = A@example.org\n") ==
          f.at(20, "distributors.address: a@example.org is listed twice; remove one"));
    CHECK_THAT(f.error(std::string(kMinimal) + "[distributors]\nmax_embargo = soon\n"),
               Catch::StartsWith(f.at(19, "distributors.max_embargo: ")));
    CHECK(f.error(std::string(kMinimal) + "[distributors]\nmax_embargo = 30m\n") ==
          f.at(19,
               "distributors.max_embargo: must be at least 1h (the longest time from the "
               "first notice to the release)"));
}

TEST_CASE("[daemon] workers: auto or a number of threads") {
    Fixture f;
    CHECK(f.parse(kMinimal).daemon.workers == 0);  // auto
    CHECK(f.parse(std::string(kMinimal) + "[daemon]\nworkers = auto\n").daemon.workers == 0);
    CHECK(f.parse(std::string(kMinimal) + "[daemon]\nworkers = AUTO\n").daemon.workers == 0);
    CHECK(f.parse(std::string(kMinimal) + "[daemon]\nworkers = 1\n").daemon.workers == 1);
    CHECK(f.parse(std::string(kMinimal) + "[daemon]\nworkers = 8\n").daemon.workers == 8);
    CHECK(f.parse(std::string(kMinimal) + "[daemon]\nworkers = 256\n").daemon.workers == 256);
    for (const char* bad :
         {"0", "257", "-1", "+2", "2.5", "two", "", "4 threads", "99999999999999999999"}) {
        INFO("workers = " << bad);
        CHECK(f.error(std::string(kMinimal) + "[daemon]\nworkers = " + bad + "\n") ==
              f.at(19, "daemon.workers: \"" + std::string(bad) +
                           "\" is neither auto nor a whole number between 1 and 256 (threads "
                           "that sign and encrypt notifications); the default is auto"));
    }
    CHECK(f.error(std::string(kMinimal) + "[daemon]\nworker = 2\n") ==
          f.at(19,
               "daemon.worker: unknown key in [daemon] (did you mean workers?); known keys: "
               "workers"));
}
