// From mail text to applied rules: the parser's typed commands (with real
// CVSS scoring) driven through the workflow, as the daemon chains them.
#include <catch2/catch.hpp>

#include "core/workflow.hpp"
#include "parsers/commands.hpp"

using namespace embargo;
using namespace std::chrono_literals;

namespace {

TimePoint T(const char* s) {
    return *parse_iso8601(s);
}

Config config() {
    Config c;
    c.project.name = "Example Proxy";
    c.project.case_prefix = "EMST";
    c.project.supported = {"1.13"};
    c.project.main_branch = "master";
    c.team.members = {{"Alice", "alice@example.org", "A"}, {"Bob", "bob@example.org", "B"}};
    c.team.announce = {"users@lists.example.org"};
    return c;
}

Case new_case(const Config& cfg) {
    Case c;
    c.id = "EMST-2026-0001";
    c.subject = "Heap overflow";
    c.reporters = {"eve@example.net"};
    c.received_at = T("2026-11-24T10:00:00Z");
    c.lead = "alice@example.org";
    c.milestones = workflow::initial_milestones(c.received_at, cfg.timeline);
    return c;
}

workflow::Outcome run(const Case& c, std::string_view text, TimePoint now) {
    commands::Options o;
    o.case_prefix = "EMST";
    auto parsed = commands::parse(text, o);
    for (const auto& e : parsed.errors) INFO(e);
    REQUIRE(parsed.ok());
    return workflow::apply_commands(c, parsed.commands, {"alice@example.org", "A"}, config(), now);
}

}  // namespace

TEST_CASE("/slow with a real score of exactly 4.0 is refused, 3.9 is accepted") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-25T08:00:00Z");
    auto at4 = run(c, "/cvss CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:N/A:L\n/slow minor\n", now);
    CHECK_FALSE(at4.applied);
    REQUIRE(at4.errors.size() == 1);
    CHECK(at4.errors[0] ==
          "line 2: /slow: the CVSS base score is 4.0; only a case scored below 4.0 may be slowed "
          "down");
    CHECK_FALSE(at4.updated.cvss);  // nothing applied, not even the /cvss

    auto at39 = run(c, "/cvss CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:L/A:L\n/slow minor\n", now);
    REQUIRE(at39.applied);
    CHECK(at39.updated.cvss->score == Approx(3.9));
    CHECK(at39.updated.cvss->severity == "low");
    CHECK(at39.updated.slowed);
    CHECK(at39.updated.milestone(MilestoneName::Release).due ==
          *c.milestone(MilestoneName::Release).due + std::chrono::days{14});
}

TEST_CASE("/public with a real low score keeps the due dates, a high one makes them ASAP") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-25T08:00:00Z");
    auto low = run(c, "/cvss CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:L/A:L\n/public\n", now);
    REQUIRE(low.applied);
    CHECK(low.updated.milestone(MilestoneName::Release).due ==
          c.milestone(MilestoneName::Release).due);
    auto high = run(c, "/cvss CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:N/A:L\n/public\n", now);
    REQUIRE(high.applied);
    CHECK(high.updated.milestone(MilestoneName::Release).due == now + 72h);
}

TEST_CASE("a member's reply: quoted and signature commands ignored, /reply relays the rest") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-25T08:00:00Z");
    std::string text =
        "Thanks, confirmed on 1.13.4.\n"
        "/affects 1.13.4 master\n"
        "/cc dave@example.org\n"
        "/reply\n"
        "We will keep you posted.\n"
        "\n"
        "On Tue, Nov 24 2026 the daemon wrote:\n"
        "> Case: EMST-2026-0001\n"
        "> /reject quoted commands do nothing\n"
        "-- \n"
        "Alice\n"
        "/fixed\n";
    commands::Options o;
    o.case_prefix = "EMST";
    auto parsed = commands::parse(text, o);
    REQUIRE(parsed.ok());
    REQUIRE(parsed.commands.size() == 3);
    auto out = workflow::apply_commands(c, parsed.commands, {"alice@example.org", "A"}, cfg, now);
    REQUIRE(out.applied);
    CHECK(out.relay_to_reporters);
    CHECK(out.updated.state == CaseState::Fixing);
    CHECK(out.updated.release_plan == "patch-release");
    CHECK_FALSE(out.updated.milestone(MilestoneName::Fix).done);
    CHECK(parsed.text_without_commands ==
          "Thanks, confirmed on 1.13.4.\nWe will keep you posted.\n\nOn Tue, Nov 24 2026 the "
          "daemon wrote:\n> Case: EMST-2026-0001\n> /reject quoted commands do nothing\n-- "
          "\nAlice\n/fixed\n");
}

TEST_CASE("parse errors reach the sender as a command-result and nothing is applied") {
    commands::Options o;
    o.case_prefix = "EMST";
    auto parsed = commands::parse("/cc dave@example.org\n/cvs CVSS:3.1/AV:N\n", o);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.commands.empty());
    auto n = notice_text::command_result("EMST-2026-0001", "alice@example.org", {}, parsed.errors);
    CHECK(n.kind == "command-result");
    CHECK(n.body ==
          "Case: EMST-2026-0001\n\nNothing was applied; fix these and send all commands again:\n"
          "- line 2: /cvs is not a command; did you mean /cvss?\n");
}
