// Attacks on email commands (SPEC section 5) against the real embargod: an
// unsigned command from a member's address, a member's From with someone
// else's signature, replayed signed mail, a signed command re-aimed at
// another case by rewritten headers, a stale signature, and commands from the
// reporter. None may change the case; members get a refusing command-result,
// anyone else nothing at all.
#include <catch2/catch.hpp>

#include <chrono>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/signed_mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo;
using namespace embargo::test;
using nlohmann::json;

namespace {

// The reports arrive on day 0 of the test timeline (test_clock.hpp): after
// the back-dated test keys' creation and before today, so signatures made
// with --faked-system-time at these times are valid on any date.
const std::string kCase1 = test_case_id("EMST", 1);
const std::string kCase2 = test_case_id("EMST", 2);
constexpr const char* kReporter = "eve@example.net";

TimePoint at(const std::string& iso) {
    auto t = parse_iso8601(iso);
    REQUIRE(t);
    return *t;
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// What a command may change; compared before and after an attack.
json state_of(const json& c) {
    json out;
    for (const char* k : {"state", "lead", "fix_team", "cvss", "affects", "release_plan",
                          "release_date", "cve", "prs", "merged_into", "public", "slowed",
                          "milestones", "mitigations", "released_versions", "reporters"})
        out[k] = c[k];
    return out;
}

bool has_flag(const json& c, const std::string& f) {
    for (const auto& x : c["flags"])
        if (x == f) return true;
    return false;
}

int count_kind(const json& c, const std::string& kind) {
    int n = 0;
    for (const auto& e : c["events"])
        if (e["kind"] == kind) ++n;
    return n;
}

// Mail of one kind among `ms`, or to one address.
std::vector<ReceivedMail> of_kind(const std::vector<ReceivedMail>& ms, const std::string& kind) {
    std::vector<ReceivedMail> out;
    for (const auto& m : ms)
        if (m.header("X-Embargo-Kind") == kind) out.push_back(m);
    return out;
}
std::vector<ReceivedMail> to_addr(const std::vector<ReceivedMail>& ms, const std::string& to) {
    std::vector<ReceivedMail> out;
    for (const auto& m : ms)
        for (const auto& r : m.rcpts)
            if (r == to) out.push_back(m);
    return out;
}

// A test installation with one open case per report, a fixed clock and the
// mail received so far.
struct Scene {
    DaemonEnv env;
    std::size_t seen = 0;

    explicit Scene(int reports = 1) {
        for (int i = 0; i < reports; ++i) {
            Mail r;
            r.from = i == 0 ? "Eve Reporter <eve@example.net>"
                            : "Rita Reporter <rita" + std::to_string(i) + "@example.net>";
            r.subject = i == 0 ? "Heap overflow in header parser" : "Resolver cache poisoning";
            r.body = i == 0 ? "The header parser overflows its buffer on a long header line.\n"
                            : "Responses with a spoofed transaction id are cached for hours.\n";
            r.message_id = unique_message_id("report");
            env.deliver(r.str(), test_iso(0, "08:00:00"));
        }
        env.run_once(test_iso(0, "08:05:00"));
        fresh();
    }

    // The mail received since the last call.
    std::vector<ReceivedMail> fresh() {
        auto all = env.smtp().messages();
        std::vector<ReceivedMail> out(all.begin() + static_cast<std::ptrdiff_t>(seen), all.end());
        seen = all.size();
        return out;
    }

    json show(const std::string& id, const std::string& now = test_iso(0, "08:50:00")) {
        return env.ctl_json({"show", id, "--now", now});
    }

    // The notification of `kind` that `to` received for case `id`.
    ReceivedMail notification(const std::string& kind, const std::string& to,
                              const std::string& id = kCase1) {
        for (const auto& m : env.smtp().messages())
            if (m.header("X-Embargo-Kind") == kind && m.header("X-Embargo-Case") == id &&
                m.rcpts.size() == 1 && m.rcpts[0] == to)
                return m;
        FAIL("no " << kind << " for " << id << " to " << to);
        throw std::logic_error("unreachable");
    }

    std::string text_of(const ReceivedMail& m) {
        auto o = open_notification(env.people(), m, env.team_fpr());
        INFO("gpg: " << o.gpg_status);
        // A content-free notice to someone without a key goes in the clear.
        if (o.content_type != "text/plain") CHECK(o.signed_ok);
        return o.text;
    }

    // A reply by `from` (a "Name <addr>" header) to `notification` quoting its
    // text, signed by `signer_fpr` unless unsigned.
    Reply reply(const std::string& from, const std::string& signer_fpr,
                const ReceivedMail& notification, const std::string& commands, Protection p,
                const std::string& signed_at) {
        Reply r;
        r.from = from;
        r.signer_fpr = signer_fpr;
        r.team_fpr = env.team_fpr();
        r.protection = p;
        r.signed_at = at(signed_at);
        r.message_id = unique_message_id("cmd");
        thread_under(r, notification);
        r.text = reply_text(commands, text_of(notification));
        return r;
    }

    // Delivers and processes one message; returns the mail it caused.
    std::vector<ReceivedMail> process(const std::string& raw, const std::string& when) {
        env.deliver(raw, when);
        env.run_once(when);
        return fresh();
    }

    // The command-result mails in `ms`: exactly one, to `to`; its text.
    std::string refusal_to(const std::vector<ReceivedMail>& ms, const std::string& to) {
        auto results = of_kind(ms, "command-result");
        REQUIRE(results.size() == 1);
        REQUIRE(results[0].rcpts == std::vector<std::string>{to});
        std::string t = text_of(results[0]);
        CHECK(contains(t, "Nothing was applied"));
        CHECK(!contains(t, "Done:"));
        return t;
    }
};

// Replaces the value of header `name` in the header block, or adds it first.
std::string set_header(const std::string& raw, const std::string& name, const std::string& value) {
    const std::size_t end = raw.find("\r\n\r\n");
    std::size_t pos = 0;
    while (pos < end) {
        std::size_t eol = raw.find("\r\n", pos);
        if (raw.compare(pos, name.size() + 1, name + ":") == 0) {
            // Include folded continuation lines.
            while (eol + 2 < raw.size() && (raw[eol + 2] == ' ' || raw[eol + 2] == '\t'))
                eol = raw.find("\r\n", eol + 2);
            return raw.substr(0, pos) + name + ": " + value + raw.substr(eol);
        }
        pos = eol + 2;
    }
    return name + ": " + value + "\r\n" + raw;
}

}  // namespace

TEST_CASE("unsigned commands from a member's address are refused and flag the case") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const json before = state_of(s.show(kCase1));
    REQUIRE(before["lead"] == alice.email);

    Reply r = s.reply(alice.header(), "", s.notification("new-case", alice.email),
                      "/cc dave@example.net\n/cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L\n",
                      Protection::Unsigned, test_iso(0, "08:20:00"));
    auto mails = s.process(build_reply(s.env.people(), r), test_iso(0, "08:20:00"));

    // Alice is the lead and the only one on the case: her refusal is all.
    REQUIRE(mails.size() == 1);
    std::string t = s.refusal_to(mails, alice.email);
    CHECK(contains(t, "not signed"));
    CHECK(contains(t, alice.fpr));
    json after = s.show(kCase1);
    CHECK(state_of(after) == before);
    CHECK(has_flag(after, "unsigned-commands-ignored"));
    CHECK(count_kind(after, "commands-refused") == 1);
    CHECK(after["messages"] == 2);

    // The same commands, signed: applied (the refusal was for the signature).
    Reply ok = s.reply(alice.header(), alice.fpr, s.notification("new-case", alice.email),
                       "/cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L\n",
                       Protection::PgpMimeSigned, test_iso(0, "08:30:00"));
    mails = s.process(build_reply(s.env.people(), ok), test_iso(0, "08:30:00"));
    auto results = of_kind(mails, "command-result");
    REQUIRE(results.size() == 1);
    CHECK(contains(s.text_of(results[0]), "Done:"));
    CHECK(s.show(kCase1)["cvss"]["score"] == 5.3);
}

TEST_CASE("a member's From with a signature by another key is refused") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const Person& bob = s.env.members()[1];
    const json before = state_of(s.show(kCase1));
    const ReceivedMail nc = s.notification("new-case", alice.email);
    const std::string commands = "/cc mallory@example.com\n/organized\n";

    SECTION("a key the daemon does not know, with the member's user id") {
        Person forged = s.env.make_person("Alice Example (new laptop)", alice.email);
        Reply r = s.reply(alice.header(), forged.fpr, nc, commands, Protection::PgpMimeSigned,
                          test_iso(0, "08:20:00"));
        auto mails = s.process(build_reply(s.env.people(), r), test_iso(0, "08:20:00"));
        std::string t = s.refusal_to(mails, alice.email);
        CHECK(contains(t, "signature is not valid"));
    }
    SECTION("a forged key with the member's user id in the team keyring") {
        // As if it had arrived attached to earlier mail.
        Person forged = s.env.make_person("Alice Example (new laptop)", alice.email);
        s.env.team_home().import(s.env.people().export_public(forged.fpr));
        Reply r = s.reply(alice.header(), forged.fpr, nc, commands, Protection::PgpMimeEncrypted,
                          test_iso(0, "08:20:00"));
        auto mails = s.process(build_reply(s.env.people(), r), test_iso(0, "08:20:00"));
        std::string t = s.refusal_to(mails, alice.email);
        CHECK(contains(t, forged.fpr));
        CHECK(contains(t, "not by the key configured for " + alice.email));
    }
    SECTION("another member's valid key") {
        Reply r = s.reply(alice.header(), bob.fpr, nc, commands, Protection::ClearSigned,
                          test_iso(0, "08:20:00"));
        auto mails = s.process(build_reply(s.env.people(), r), test_iso(0, "08:20:00"));
        std::string t = s.refusal_to(mails, alice.email);
        CHECK(contains(t, bob.fpr));
    }
    json after = s.show(kCase1);
    CHECK(state_of(after) == before);
    CHECK(count_kind(after, "commands-refused") == 1);
    CHECK(after["fix_team"].empty());
}

TEST_CASE("a replayed signed message is refused") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const ReceivedMail nc = s.notification("new-case", alice.email);

    // Alice adds Bob to the Fix Team, then removes him again.
    Reply add = s.reply(alice.header(), alice.fpr, nc, "/cc bob@example.org\n",
                        Protection::PgpMimeSigned, test_iso(0, "08:20:00"));
    const std::string add_raw = build_reply(s.env.people(), add);
    auto mails = s.process(add_raw, test_iso(0, "08:20:00"));
    REQUIRE(of_kind(mails, "command-result").size() == 1);
    REQUIRE(s.show(kCase1)["fix_team"] == json::array({"bob@example.org"}));
    Reply remove = s.reply(alice.header(), alice.fpr, nc, "/uncc bob@example.org\n",
                           Protection::PgpMimeSigned, test_iso(0, "08:25:00"));
    mails = s.process(build_reply(s.env.people(), remove), test_iso(0, "08:25:00"));
    REQUIRE(of_kind(mails, "command-result").size() == 1);
    const json before = state_of(s.show(kCase1));
    REQUIRE(before["fix_team"].empty());
    const int messages = s.show(kCase1)["messages"];

    SECTION("the same signed content under a new Message-ID") {
        std::string replay = set_header(add_raw, "Message-ID", "<" + unique_message_id("rp") + ">");
        replay = set_header(replay, "Date", test_rfc5322(0, "08:35:00"));
        REQUIRE(signed_part_of(replay) == signed_part_of(add_raw));
        mails = s.process(replay, test_iso(0, "08:35:00"));
        std::string t = s.refusal_to(mails, alice.email);
        CHECK(contains(t, "replay"));
        CHECK(s.show(kCase1)["messages"] == messages + 1);
    }
    SECTION("the same Message-ID, re-delivered through another relay") {
        std::string replay = "Received: from relay.example.com by mx.example.org; " +
                             test_rfc5322(0, "08:34:00") + "\r\n" + add_raw;
        mails = s.process(replay, test_iso(0, "08:35:00"));
        std::string t = s.refusal_to(mails, alice.email);
        CHECK(contains(t, "Message-ID"));
    }
    SECTION("the very same bytes again") {
        mails = s.process(add_raw, test_iso(0, "08:35:00"));
        // Recognised as already processed: nothing happens, nothing is sent.
        CHECK(mails.empty());
        CHECK(s.show(kCase1)["messages"] == messages);
    }
    json after = s.show(kCase1);
    CHECK(state_of(after) == before);
    CHECK(after["fix_team"].empty());
    CHECK(count_kind(after, "cc") == 1);
}

TEST_CASE("a signed command re-aimed at another case by rewritten headers is refused") {
    Scene s(2);
    const Person& alice = s.env.members()[0];
    const json before1 = state_of(s.show(kCase1));
    const json before2 = state_of(s.show(kCase2));
    REQUIRE(before2["state"] == "triage");

    // Alice rejects case 1: the signed text quotes "Case: EMST-YYYY-0001".
    const ReceivedMail nc1 = s.notification("new-case", alice.email, kCase1);
    const ReceivedMail nc2 = s.notification("new-case", alice.email, kCase2);
    Reply r = s.reply(alice.header(), alice.fpr, nc1, "/reject not a security issue\n",
                      Protection::PgpMimeSigned, test_iso(0, "08:20:00"));
    const std::string original = build_reply(s.env.people(), r);
    REQUIRE(contains(signed_part_of(original), std::string("> Case: ") + kCase1));

    SECTION("References and Subject point at case 2") {
        Reply aim2;
        thread_under(aim2, nc2);
        std::string attack = set_header(original, "In-Reply-To", "<" + aim2.in_reply_to + ">");
        std::string refs;
        for (std::size_t b = 0, e; b < aim2.references.size(); b = e + 1) {
            e = aim2.references.find(' ', b);
            if (e == std::string::npos) e = aim2.references.size();
            refs += (refs.empty() ? "<" : " <") + aim2.references.substr(b, e - b) + ">";
        }
        attack = set_header(attack, "References", refs);
        attack = set_header(attack, "Subject", "Re: [" + std::string(kCase2) + "] new case");
        attack = set_header(attack, "Message-ID", "<" + unique_message_id("aim") + ">");
        REQUIRE(signed_part_of(attack) == signed_part_of(original));
        auto mails = s.process(attack, test_iso(0, "08:30:00"));
        std::string t = s.refusal_to(mails, alice.email);
        CHECK(contains(t, std::string("does not name ") + kCase2));
        CHECK(s.show(kCase2)["messages"] == 2);  // it was filed on case 2, and refused
    }
    SECTION("only a case tag in the Subject, no References") {
        std::string attack = set_header(original, "In-Reply-To", "<unrelated@elsewhere.example>");
        attack = set_header(attack, "References", "<unrelated@elsewhere.example>");
        attack = set_header(attack, "Subject", "Re: [" + std::string(kCase2) + "] new case");
        attack = set_header(attack, "Message-ID", "<" + unique_message_id("aim") + ">");
        auto mails = s.process(attack, test_iso(0, "08:30:00"));
        std::string t = s.refusal_to(mails, alice.email);
        CHECK(contains(t, std::string("does not name ") + kCase2));
    }
    CHECK(state_of(s.show(kCase2)) == before2);
    CHECK(state_of(s.show(kCase1)) == before1);

    // The message itself was fine for the case it names.
    auto mails = s.process(original, test_iso(0, "08:40:00"));
    auto results = of_kind(mails, "command-result");
    REQUIRE(results.size() == 1);
    CHECK(contains(s.text_of(results[0]), "Done:"));
    CHECK(s.show(kCase1)["state"] == "rejected");
    CHECK(state_of(s.show(kCase2)) == before2);
}

TEST_CASE("a signature older than 7 days is refused") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const ReceivedMail nc = s.notification("new-case", alice.email);
    const json before = state_of(s.show(kCase1, test_iso(8, "09:00:00")));

    // Signed on the day of the report, delivered 8 days later.
    Reply old = s.reply(alice.header(), alice.fpr, nc, "/cc bob@example.org\n",
                        Protection::PgpMimeEncrypted, test_iso(0, "08:30:00"));
    old.date = test_rfc5322(8, "08:30:00");
    auto mails = s.process(build_reply(s.env.people(), old), test_iso(8, "08:31:00"));
    // The scheduler also escalates the overdue milestones in this run.
    std::string t = s.refusal_to(mails, alice.email);
    CHECK(contains(t, test_iso(0, "08:30:00")));
    CHECK(contains(t, "more than 7 days ago"));
    CHECK(state_of(s.show(kCase1, test_iso(8, "09:00:00"))) == before);

    // A fresh signature over the same commands is accepted.
    Reply fresh = s.reply(alice.header(), alice.fpr, nc, "/cc bob@example.org\n",
                          Protection::PgpMimeEncrypted, test_iso(8, "08:40:00"));
    mails = s.process(build_reply(s.env.people(), fresh), test_iso(8, "08:41:00"));
    auto results = of_kind(mails, "command-result");
    REQUIRE(results.size() == 1);
    CHECK(contains(s.text_of(results[0]), "Done:"));
    CHECK(s.show(kCase1)["fix_team"] == json::array({"bob@example.org"}));
}

TEST_CASE("a signature dated after the receipt beyond the clock skew is refused") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const ReceivedMail nc = s.notification("new-case", alice.email);
    const json before = state_of(s.show(kCase1, test_iso(0, "10:00:00")));

    // Signed an hour after it arrives: a wrong clock or a forgery.
    Reply future = s.reply(alice.header(), alice.fpr, nc, "/cc bob@example.org\n",
                           Protection::PgpMimeEncrypted, test_iso(0, "09:40:00"));
    auto mails = s.process(build_reply(s.env.people(), future), test_iso(0, "08:40:00"));
    std::string t = s.refusal_to(mails, alice.email);
    CHECK(contains(t, test_iso(0, "09:40:00")));
    CHECK(contains(t, "allowed clock skew of 10m"));
    CHECK(state_of(s.show(kCase1, test_iso(0, "10:00:00"))) == before);

    // Five minutes ahead is within the default allowance and applies.
    Reply skewed = s.reply(alice.header(), alice.fpr, nc, "/cc bob@example.org\n",
                           Protection::PgpMimeEncrypted, test_iso(0, "08:50:00"));
    mails = s.process(build_reply(s.env.people(), skewed), test_iso(0, "08:45:00"));
    auto results = of_kind(mails, "command-result");
    REQUIRE(results.size() == 1);
    CHECK(contains(s.text_of(results[0]), "Done:"));
    CHECK(s.show(kCase1)["fix_team"] == json::array({"bob@example.org"}));
}

TEST_CASE("a signature dated before the signing key was created is refused") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const ReceivedMail nc = s.notification("new-case", alice.email);
    const json before = state_of(s.show(kCase1, test_iso(0, "10:00:00")));

    // The test keys were made kKeyBackdate before today, and day 0 is 60 days
    // before today: a day before the key existed. Signed only: gpg will not
    // encrypt to the team key at a time before it existed either.
    const int before_key = 60 - static_cast<int>(kKeyBackdate.count()) - 1;
    Reply forged = s.reply(alice.header(), alice.fpr, nc, "/cc bob@example.org\n",
                           Protection::PgpMimeSigned, test_iso(before_key, "08:40:00"));
    forged.date = test_rfc5322(0, "08:40:00");
    auto mails = s.process(build_reply(s.env.people(), forged), test_iso(0, "08:41:00"));
    std::string t = s.refusal_to(mails, alice.email);
    CHECK(contains(t, "before its key was created"));
    CHECK(contains(t, test_iso(before_key, "08:40:00")));
    CHECK(contains(t, alice.fpr));
    CHECK(state_of(s.show(kCase1, test_iso(0, "10:00:00"))) == before);
}

TEST_CASE("commands from the reporter are ignored and never answered") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const json before = state_of(s.show(kCase1));
    const ReceivedMail ack = s.notification("ack", kReporter);
    const std::string commands =
        "/cc mallory@example.com\n/lead me\n/reject please close this\n/released 9.9.9\n";

    SECTION("unsigned") {
        Reply r = s.reply("Eve Reporter <eve@example.net>", "", ack, commands, Protection::Unsigned,
                          test_iso(0, "08:20:00"));
        auto mails = s.process(build_reply(s.env.people(), r), test_iso(0, "08:20:00"));
        CHECK(to_addr(mails, kReporter).empty());
        CHECK(of_kind(mails, "command-result").empty());
        // The lead hears of the message, as of any on the thread.
        CHECK(of_kind(mails, "relay").size() == 1);
        CHECK(to_addr(mails, alice.email).size() == 1);
    }
    SECTION("signed with the reporter's own key, which she attached before") {
        Person eve = s.env.make_person("Eve Reporter", kReporter);
        s.env.team_home().import(s.env.people().export_public(eve.fpr));
        Reply r = s.reply(eve.header(), eve.fpr, ack, commands, Protection::PgpMimeEncrypted,
                          test_iso(0, "08:20:00"));
        auto mails = s.process(build_reply(s.env.people(), r), test_iso(0, "08:20:00"));
        CHECK(to_addr(mails, kReporter).empty());
        CHECK(of_kind(mails, "command-result").empty());
        CHECK(of_kind(mails, "relay").size() == 1);
    }
    json after = s.show(kCase1);
    CHECK(state_of(after) == before);
    CHECK(after["messages"] == 2);
    CHECK(count_kind(after, "commands-ignored") == 1);
    CHECK(!has_flag(after, "unsigned-commands-ignored"));
    // Later runs do not answer either.
    s.env.run_once(test_iso(0, "08:35:00"));
    CHECK(to_addr(s.fresh(), kReporter).empty());
}

namespace {

// The MIME entity a whole message carries: its Content-* header fields and
// its body, to nest it inside another message.
std::string entity_of(const std::string& raw) {
    const std::size_t end = raw.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    std::string headers;
    std::size_t pos = 0;
    bool keep = false;
    while (pos < end) {
        std::size_t eol = raw.find("\r\n", pos);
        if (eol > end) eol = end;
        const std::string line = raw.substr(pos, eol - pos);
        if (!line.empty() && line[0] != ' ' && line[0] != '\t') {
            std::string lower = line;
            for (auto& ch : lower)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            keep = lower.rfind("content-", 0) == 0;
        }
        if (keep) headers += line + "\r\n";
        pos = eol + 2;
    }
    return headers + "\r\n" + raw.substr(end + 4);
}

// The header block of `raw` without its Content-* and MIME-Version fields.
std::string envelope_headers_of(const std::string& raw) {
    const std::size_t end = raw.find("\r\n\r\n");
    std::string out;
    std::size_t pos = 0;
    bool keep = true;
    while (pos < end) {
        std::size_t eol = raw.find("\r\n", pos);
        if (eol > end) eol = end;
        const std::string line = raw.substr(pos, eol - pos);
        if (!line.empty() && line[0] != ' ' && line[0] != '\t') {
            std::string lower = line;
            for (auto& ch : lower)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            keep = lower.rfind("content-", 0) != 0 && lower.rfind("mime-version", 0) != 0;
        }
        if (keep) out += line + "\r\n";
        pos = eol + 2;
    }
    return out;
}

// `signed_raw` nested in a multipart/mixed after `first_part` (a whole MIME
// entity, CRLF), under the same envelope headers and a new Message-ID.
std::string wrap_mixed(const std::string& signed_raw, const std::string& first_part) {
    std::string out = envelope_headers_of(signed_raw);
    out = set_header(out + "\r\n", "Message-ID", "<" + unique_message_id("wrap") + ">");
    out.resize(out.size() - 2);
    out += "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer-wrap\"\r\n\r\n";
    out += "--outer-wrap\r\n" + first_part + "\r\n--outer-wrap\r\n" + entity_of(signed_raw) +
           "\r\n--outer-wrap--\r\n";
    return out;
}

}  // namespace

TEST_CASE("command lines outside the signed content are not applied") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const ReceivedMail nc = s.notification("new-case", alice.email);
    const json before = state_of(s.show(kCase1));
    // An ordinary signed reply without commands, as it may lie in anyone's
    // mailbox or a list archive: fresh, never used for a command.
    const std::string own = "Thanks, I am looking into it.\n";
    const std::string injected = "/cc mallory@example.com\n/organized\n";

    SECTION("an unsigned text part next to a PGP/MIME signed part") {
        Reply r = s.reply(alice.header(), alice.fpr, nc, own, Protection::PgpMimeSigned,
                          test_iso(0, "08:20:00"));
        const std::string attack =
            wrap_mixed(build_reply(s.env.people(), r),
                       crlf("Content-Type: text/plain; charset=utf-8\n\n" + injected));
        auto mails = s.process(attack, test_iso(0, "08:30:00"));
        CHECK(to_addr(mails, "mallory@example.com").empty());
        s.refusal_to(mails, alice.email);
    }
    SECTION("an unsigned text part next to a PGP/MIME encrypted and signed part") {
        Reply r = s.reply(alice.header(), alice.fpr, nc, own, Protection::PgpMimeEncrypted,
                          test_iso(0, "08:20:00"));
        const std::string attack =
            wrap_mixed(build_reply(s.env.people(), r),
                       crlf("Content-Type: text/plain; charset=utf-8\n\n" + injected));
        auto mails = s.process(attack, test_iso(0, "08:30:00"));
        s.refusal_to(mails, alice.email);
    }
    SECTION("unsigned lines before a cleartext-signed block") {
        Reply r = s.reply(alice.header(), alice.fpr, nc, own, Protection::ClearSigned,
                          test_iso(0, "08:20:00"));
        std::string raw = build_reply(s.env.people(), r);
        const std::size_t body = raw.find("\r\n\r\n") + 4;
        raw.insert(body, crlf(injected + "\n"));
        raw = set_header(raw, "Message-ID", "<" + unique_message_id("pre") + ">");
        auto mails = s.process(raw, test_iso(0, "08:30:00"));
        s.refusal_to(mails, alice.email);
    }
    json after = s.show(kCase1);
    CHECK(state_of(after) == before);
    CHECK(after["fix_team"].empty());
}

TEST_CASE("a signed message refused once cannot be replayed when it would apply") {
    Scene s;
    const Person& alice = s.env.members()[0];
    const ReceivedMail nc = s.notification("new-case", alice.email);

    // /announce without a release date is refused...
    Reply early = s.reply(alice.header(), alice.fpr, nc, "/announce\n", Protection::PgpMimeSigned,
                          test_iso(0, "08:20:00"));
    const std::string early_raw = build_reply(s.env.people(), early);
    auto mails = s.process(early_raw, test_iso(0, "08:20:00"));
    s.refusal_to(mails, alice.email);
    // ... then the lead sets a release date, deciding to announce later.
    Reply date = s.reply(alice.header(), alice.fpr, nc,
                         "/release-date " + test_iso(14, "00:00").substr(0, 10) + "\n",
                         Protection::PgpMimeSigned, test_iso(0, "08:25:00"));
    mails = s.process(build_reply(s.env.people(), date), test_iso(0, "08:25:00"));
    REQUIRE(of_kind(mails, "command-result").size() == 1);
    const json before = state_of(s.show(kCase1));
    REQUIRE(before["release_date"] == test_iso(14, "00:00:00"));

    // Someone re-sends the refused /announce under a new Message-ID.
    std::string replay =
        set_header(early_raw, "Message-ID", "<" + unique_message_id("again") + ">");
    mails = s.process(replay, test_iso(0, "08:30:00"));
    CHECK(of_kind(mails, "announcement").empty());
    std::string t = s.refusal_to(mails, alice.email);
    CHECK(contains(t, "replay"));
    json after = s.show(kCase1);
    CHECK(state_of(after) == before);
    CHECK(after["state"] == "triage");
}

TEST_CASE("an unsigned protected Subject cannot aim signed commands at another case") {
    Scene s(2);
    const Person& alice = s.env.members()[0];
    const json before2 = state_of(s.show(kCase2));
    const ReceivedMail nc1 = s.notification("new-case", alice.email, kCase1);
    const ReceivedMail nc2 = s.notification("new-case", alice.email, kCase2);

    // Signed for case 1 (its text quotes "Case: EMST-YYYY-0001").
    Reply r = s.reply(alice.header(), alice.fpr, nc1, "/reject not a security issue\n",
                      Protection::PgpMimeSigned, test_iso(0, "08:20:00"));
    const std::string original = build_reply(s.env.people(), r);
    // Re-aimed at case 2, with a "protected" Subject naming case 2 outside the signature.
    Reply aim2;
    thread_under(aim2, nc2);
    std::string attack =
        wrap_mixed(original, crlf(std::string("Content-Type: text/rfc822-headers\n\nSubject: "
                                              "Re: [") +
                                  kCase2 + "] new case\n"));
    attack = set_header(attack, "In-Reply-To", "<" + aim2.in_reply_to + ">");
    attack = set_header(attack, "References", "<" + aim2.in_reply_to + ">");
    auto mails = s.process(attack, test_iso(0, "08:30:00"));
    std::string t = s.refusal_to(mails, alice.email);
    CHECK(contains(t, std::string("does not name ") + kCase2));
    CHECK(state_of(s.show(kCase2)) == before2);
}
