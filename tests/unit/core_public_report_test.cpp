// The public-report step (issue 14 part 4): which report texts count as
// "already public", the reply draft, and how /public and /reply draft use it.
#include <catch2/catch.hpp>

#include "core/public_report.hpp"
#include "core/workflow.hpp"

using namespace embargo;
using namespace embargo::workflow;

namespace {

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

Config config() {
    Config c;
    c.project.name = "Example Proxy";
    c.project.case_prefix = "EMST";
    c.smtp.from = "Example Security Team <secalert@example.org>";
    c.team.members = {
        {"Alice Example", "alice@example.org", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
        {"Bob Example", "bob@example.org", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"},
    };
    return c;
}

Case open_case() {
    Case c;
    c.id = "EMST-2026-0007";
    c.subject = "Heap overflow in header parser";
    c.reporters = {"eve@example.net"};
    c.lead = "alice@example.org";
    c.received_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    c.milestones = initial_milestones(c.received_at, Timeline{});
    return c;
}

Command cmd(CommandKind k, std::vector<std::string> values = {}) {
    Command c;
    c.kind = k;
    c.values = std::move(values);
    return c;
}

const Actor kAlice{"alice@example.org", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
const Actor kBob{"bob@example.org", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"};

}  // namespace

TEST_CASE("reports that say the issue is already public") {
    using public_report::says_public;
    CHECK(says_public("Note: this is already public on our forum.") == "already public");
    CHECK(says_public("It has ALREADY BEEN DISCLOSED\non the oss-security list.") ==
          "already been disclosed");
    CHECK(says_public("The bug was publicly disclosed yesterday by someone else.") ==
          "was publicly disclosed");
    CHECK(says_public("FYI this is public knowledge now") == "is public knowledge");
    CHECK(says_public("The PoC has already been published on GitHub") == "already been published");
    CHECK(says_public("Sadly the exploit is already publicly available.") == "already publicly");
    // A typographic apostrophe elsewhere does not hide the phrase.
    CHECK(says_public("I\xE2\x80\x99m afraid it was already made public.") ==
          "already made public");
}

TEST_CASE("denials conditions questions and quotes do not count") {
    using public_report::says_public;
    for (const char* text : {
             "This has not been publicly disclosed.",
             "It is not already public, please keep it private.",
             "The issue isn't already public.",
             "The issue isn\xE2\x80\x99t already public.",
             "I have never already disclosed anything.",
             "Please fix it before it is publicly known.",
             "Tell me whether it was already disclosed by someone.",
             "Is this already public?",
             "> it is already public\nthis line is mine",
             "Nothing here.\n-- \nsignature: already public",
             "We plan a public disclosure in 90 days.",
             "The source code is publicly available on GitHub.",
             "already\n\npublic",  // a blank line ends the sentence
             "",
         }) {
        INFO(text);
        CHECK_FALSE(says_public(text));
    }
    // A negation in an earlier sentence does not cancel a later statement.
    CHECK(says_public("I did not find a CVE. It is already public on the tracker.") ==
          "already public");
}

TEST_CASE("long hostile text is scanned in one pass") {
    std::string text(2'000'000, 'a');
    for (std::size_t i = 0; i < text.size(); i += 7) text[i] = ' ';
    CHECK_FALSE(public_report::says_public(text));
    text += "\nit was publicly disclosed";
    CHECK(public_report::says_public(text) == "was publicly disclosed");
}

TEST_CASE("the reply draft asks whether it can still be handled privately") {
    auto cfg = config();
    auto c = open_case();
    c.public_url = "https://forum.example.net/t/123";
    std::string d = public_report::reply_draft(c, cfg);
    CHECK(has(d, "can it still be handled privately?"));
    CHECK(has(d, "https://forum.example.net/t/123"));
    CHECK(has(d, "EMST-2026-0007"));
    CHECK(has(d, "Example Proxy security team"));
    CHECK(has(d, "Example Security Team <secalert@example.org>"));
    CHECK_FALSE(has(d, c.subject));
    // Nothing in it could be taken for a command when a reply quotes it unquoted.
    for (std::size_t pos = 0; pos < d.size();) {
        std::size_t eol = d.find('\n', pos);
        std::string line = d.substr(pos, eol - pos);
        CHECK(line.rfind("/", 0) != 0);
        pos = eol == std::string::npos ? d.size() : eol + 1;
    }

    auto n = public_report::draft_notice(c, cfg, "Why.");
    CHECK(n.kind == "public-reply-draft");
    CHECK(n.to == std::vector<std::string>{"alice@example.org"});
    CHECK_FALSE(n.is_public);
    CHECK(n.body.rfind("Case: EMST-2026-0007\n\nWhy.\n", 0) == 0);
    CHECK(has(n.body, "\"/reply draft\""));
    CHECK(has(n.body, d));
    c.lead.clear();
    CHECK(public_report::draft_notice(c, cfg, "Why.").to ==
          std::vector<std::string>{"alice@example.org", "bob@example.org"});
}

TEST_CASE("/public gives the lead the reply draft once") {
    auto cfg = config();
    auto c = open_case();
    auto now = c.received_at + std::chrono::hours{2};
    auto out =
        apply_commands(c, {cmd(CommandKind::Public, {"https://x.example/1"})}, kBob, cfg, now);
    REQUIRE(out.applied);
    REQUIRE(out.notices.size() == 2);
    CHECK(out.notices[0].kind == "command-result");
    CHECK(out.notices[0].to == std::vector<std::string>{"bob@example.org"});
    const auto& d = out.notices[1];
    CHECK(d.kind == "public-reply-draft");
    CHECK(d.to == std::vector<std::string>{"alice@example.org"});
    CHECK(has(d.body, "marked public with /public by bob@example.org"));
    CHECK(has(d.body, "https://x.example/1"));

    // Marked public already: no second draft.
    auto again = apply_commands(out.updated, {cmd(CommandKind::Public)}, kAlice, cfg, now);
    REQUIRE(again.applied);
    REQUIRE(again.notices.size() == 1);
    // A case without a reporter address has nobody to ask.
    Case nobody = c;
    nobody.reporters.clear();
    CHECK(apply_commands(nobody, {cmd(CommandKind::Public)}, kAlice, cfg, now).notices.size() == 1);
}

TEST_CASE("/reply draft sends the draft only for public cases") {
    auto cfg = config();
    auto c = open_case();
    auto now = c.received_at + std::chrono::hours{2};
    auto refused = apply_commands(c, {cmd(CommandKind::Reply, {"draft"})}, kAlice, cfg, now);
    CHECK_FALSE(refused.applied);
    REQUIRE(refused.errors.size() == 1);
    CHECK(has(refused.errors[0], "/reply: there is no reply draft"));
    CHECK(refused.relay_text.empty());

    SECTION("marked /public") {
        c.is_public = true;
        c.public_url = "https://x.example/1";
        auto out = apply_commands(c, {cmd(CommandKind::Reply, {"draft"})}, kAlice, cfg, now);
        REQUIRE(out.applied);
        CHECK(out.relay_to_reporters);
        CHECK(out.relay_text == public_report::reply_draft(c, cfg));
    }
    SECTION("the report said so") {
        c.flags.emplace_back(public_report::kFlag);
        auto out = apply_commands(c, {cmd(CommandKind::Reply, {"draft"})}, kAlice, cfg, now);
        REQUIRE(out.applied);
        CHECK(has(out.relay_text, "We understand that the issue you reported is already public."));
    }
    SECTION("plain /reply still relays the message itself") {
        c.is_public = true;
        auto out = apply_commands(c, {cmd(CommandKind::Reply)}, kAlice, cfg, now);
        REQUIRE(out.applied);
        CHECK(out.relay_to_reporters);
        CHECK(out.relay_text.empty());
    }
}
