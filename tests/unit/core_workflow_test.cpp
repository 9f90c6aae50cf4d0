// The disclosure-workflow rules: every command, the state machine, the
// policy rules of SPEC section 1 and their edges, and all-or-nothing.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/workflow.hpp"

using namespace embargo;
using namespace embargo::workflow;
using namespace std::chrono_literals;

namespace {

TimePoint T(const char* s) {
    auto t = parse_iso8601(s, true);
    REQUIRE(t);
    return *t;
}

Config config() {
    Config c;
    c.project.name = "Example Proxy";
    c.project.case_prefix = "EMST";
    c.project.supported = {"1.13", "1.14"};
    c.project.main_branch = "master";
    c.gpg.keys = {"0123456789ABCDEF0123456789ABCDEF01234567"};
    c.team.members = {
        {"Alice Example", "alice@example.org", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
        {"Bob Example", "bob@example.org", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"},
        {"Carol Example", "carol@example.org", "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"},
    };
    c.team.announce = {"users@lists.example.org"};
    c.team.retrospective = {"dev@lists.example.org"};
    return c;
}

const char* kSubject = "Heap overflow in header parser";

Case new_case(const Config& cfg) {
    Case c;
    c.id = "EMST-2026-0001";
    c.subject = kSubject;
    c.reporters = {"eve@example.net"};
    c.received_at = T("2026-11-24T10:00:00Z");
    c.lead = "alice@example.org";
    c.encrypted = true;
    c.milestones = initial_milestones(c.received_at, cfg.timeline);
    return c;
}

Command cmd(CommandKind k, std::vector<std::string> values = {}, std::string text = {}) {
    Command c;
    c.kind = k;
    c.values = std::move(values);
    c.text = std::move(text);
    return c;
}

Command cvss_cmd(double score, const char* severity,
                 const char* vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") {
    Command c = cmd(CommandKind::Cvss);
    c.cvss = Cvss{vector, score, severity};
    return c;
}

Command release_date(TimePoint t) {
    Command c = cmd(CommandKind::ReleaseDate);
    c.when = t;
    return c;
}

const Actor kAlice{"alice@example.org", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
const Actor kBob{"bob@example.org", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"};

Outcome run(const Case& c, std::vector<Command> cmds, TimePoint now, const Lookups& l = {},
            const Actor& actor = kAlice) {
    return apply_commands(c, cmds, actor, config(), now, l);
}

Outcome ok(const Case& c, std::vector<Command> cmds, TimePoint now, const Lookups& l = {},
           const Actor& actor = kAlice) {
    auto out = run(c, std::move(cmds), now, l, actor);
    for (const auto& e : out.errors) INFO(e);
    REQUIRE(out.applied);
    REQUIRE(out.errors.empty());
    return out;
}

std::string refused(const Case& c, std::vector<Command> cmds, TimePoint now,
                    const Lookups& l = {}) {
    auto out = run(c, std::move(cmds), now, l);
    REQUIRE_FALSE(out.applied);
    REQUIRE(out.errors.size() == 1);
    CHECK(out.events.empty());
    CHECK(out.done.empty());
    REQUIRE(out.notices.size() == 1);
    CHECK(out.notices[0].kind == "command-result");
    CHECK(out.notices[0].body.find(out.errors[0]) != std::string::npos);
    return out.errors[0];
}

const NoticeRequest* find_notice(const Outcome& o, const std::string& kind) {
    for (const auto& n : o.notices)
        if (n.kind == kind) return &n;
    return nullptr;
}

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

bool has_event(const Outcome& o, const std::string& kind, const std::string& detail) {
    for (const auto& e : o.events)
        if (e.kind == kind && has(e.detail, detail)) return true;
    return false;
}

Milestone& ms(Case& c, MilestoneName m) {
    return c.milestone(m);
}

}  // namespace

TEST_CASE("initial milestones count from the received time") {
    Timeline t;
    t.organize = 24h;
    auto m = initial_milestones(T("2026-11-24T10:00:00Z"), t);
    CHECK(m[0].name == MilestoneName::Organize);
    CHECK(format_iso8601(*m[0].due) == "2026-11-25T10:00:00Z");
    CHECK(format_iso8601(*m[1].due) == "2026-12-01T10:00:00Z");
    CHECK(format_iso8601(*m[2].due) == "2026-12-01T10:00:00Z");
    CHECK(format_iso8601(*m[3].due) == "2026-12-15T10:00:00Z");
    CHECK(m[4].name == MilestoneName::Retrospective);
    CHECK_FALSE(m[4].due);
    for (const auto& x : m) CHECK_FALSE(x.done);
    t.release = 90min;
    CHECK(format_iso8601(*initial_milestones(T("2026-11-24T10:00:00Z"), t)[3].due) ==
          "2026-11-24T11:30:00Z");
}

TEST_CASE("/cc adds the Fix Team and completes organize") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-24T12:00:00Z");
    auto out = ok(c, {cmd(CommandKind::Cc, {"dave@example.org", "erin@example.org"})}, now);
    CHECK(out.updated.fix_team == std::vector<std::string>{"dave@example.org", "erin@example.org"});
    CHECK(out.updated.state == CaseState::Fixing);
    CHECK(out.updated.milestone(MilestoneName::Organize).done == now);
    CHECK(has_event(out, "cc", "dave@example.org, erin@example.org"));
    CHECK(has_event(out, "milestone", "organize done"));
    CHECK(has_event(out, "state", "triage -> fixing"));
    for (const auto& e : out.events) {
        CHECK(e.case_id == c.id);
        CHECK(e.actor == "alice@example.org");
        CHECK(e.at == now);
    }
    REQUIRE(out.notices.size() == 1);
    const auto& r = out.notices[0];
    CHECK(r.kind == "command-result");
    CHECK(r.to == std::vector<std::string>{"alice@example.org"});
    CHECK(r.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(r.body,
              "/cc dave@example.org erin@example.org: Fix Team is dave@example.org, "
              "erin@example.org; organize done"));

    // A second /cc adds, does not duplicate, and organize keeps its first time.
    auto later = T("2026-11-24T13:00:00Z");
    auto out2 =
        ok(out.updated, {cmd(CommandKind::Cc, {"Dave@Example.org", "frank@example.org"})}, later);
    CHECK(out2.updated.fix_team.size() == 3);
    CHECK(out2.updated.milestone(MilestoneName::Organize).done == now);
    CHECK(has(out2.done[0], "organize was already done at 2026-11-24T12:00:00Z"));
}

TEST_CASE("no commands: nothing changes and nothing is sent") {
    auto cfg = config();
    auto out = ok(new_case(cfg), {}, T("2026-11-24T12:00:00Z"));
    CHECK(out.notices.empty());
    CHECK(out.events.empty());
    CHECK(out.updated.state == CaseState::Triage);
}

TEST_CASE("/organized completes organize without anyone") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-24T12:00:00Z");
    auto out = ok(c, {cmd(CommandKind::Organized)}, now);
    CHECK(out.updated.fix_team.empty());
    CHECK(out.updated.state == CaseState::Fixing);
    CHECK(out.updated.milestone(MilestoneName::Organize).done == now);
}

TEST_CASE("/uncc removes Fix Team members") {
    auto cfg = config();
    auto c = new_case(cfg);
    c.fix_team = {"dave@example.org", "erin@example.org"};
    auto now = T("2026-11-24T12:00:00Z");
    auto out = ok(c, {cmd(CommandKind::Uncc, {"DAVE@example.org"})}, now);
    CHECK(out.updated.fix_team == std::vector<std::string>{"erin@example.org"});
    CHECK(has_event(out, "uncc", "DAVE@example.org"));
    auto e = refused(c, {cmd(CommandKind::Uncc, {"erin@example.org", "zed@example.org"})}, now);
    CHECK(e ==
          "/uncc: zed@example.org is not in the Fix Team (dave@example.org, erin@example.org)");
}

TEST_CASE("/lead only to a team member") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-24T12:00:00Z");
    auto out = ok(c, {cmd(CommandKind::Lead, {"me"})}, now, {}, kBob);
    CHECK(out.updated.lead == "bob@example.org");
    CHECK(has_event(out, "lead", "alice@example.org -> bob@example.org"));
    CHECK(out.events.front().actor == "bob@example.org");

    CHECK(ok(c, {cmd(CommandKind::Lead, {"carol@example.org"})}, now).updated.lead ==
          "carol@example.org");
    auto same = ok(c, {cmd(CommandKind::Lead, {"alice@example.org"})}, now);
    CHECK(same.events.empty());
    CHECK(has(same.done[0], "already is the Fix Lead"));

    Command lead = cmd(CommandKind::Lead, {"mallory@example.net"});
    lead.line = 2;
    auto e = refused(c, {lead}, now);
    CHECK(e ==
          "line 2: /lead: mallory@example.net is not a team member; the Fix Lead must be one of: "
          "alice@example.org, bob@example.org, carol@example.org");
}

TEST_CASE("/public makes unfinished milestones ASAP unless CVSS is below 4.0") {
    auto cfg = config();
    auto c = new_case(cfg);  // organize due 11-25 10:00, fix/announce 12-01, release 12-15
    ms(c, MilestoneName::Fix).done = T("2026-11-24T20:00:00Z");
    auto now = T("2026-11-25T08:00:00Z");

    SECTION("without CVSS") {
        auto out = ok(c, {cmd(CommandKind::Public, {"https://example.net/blog"})}, now);
        const Case& u = out.updated;
        CHECK(u.is_public);
        CHECK(u.public_url == "https://example.net/blog");
        // organize: due in 2h, earlier than now + 4h: unchanged.
        CHECK(format_iso8601(*u.milestone(MilestoneName::Organize).due) == "2026-11-25T10:00:00Z");
        // fix is done: unchanged.
        CHECK(format_iso8601(*u.milestone(MilestoneName::Fix).due) == "2026-12-01T10:00:00Z");
        CHECK(format_iso8601(*u.milestone(MilestoneName::Announce).due) == "2026-11-27T08:00:00Z");
        CHECK(format_iso8601(*u.milestone(MilestoneName::Release).due) == "2026-11-28T08:00:00Z");
        CHECK_FALSE(u.milestone(MilestoneName::Retrospective).due);
        CHECK(has_event(out, "public", "https://example.net/blog; ASAP: announce"));
    }
    SECTION("with CVSS 4.0 or more") {
        auto out = ok(c, {cvss_cmd(4.0, "medium"), cmd(CommandKind::Public)}, now);
        CHECK(format_iso8601(*out.updated.milestone(MilestoneName::Release).due) ==
              "2026-11-28T08:00:00Z");
        CHECK(out.updated.public_url.empty());
    }
    SECTION("with CVSS below 4.0") {
        auto out = ok(c, {cvss_cmd(3.9, "low"), cmd(CommandKind::Public)}, now);
        CHECK(out.updated.is_public);
        for (MilestoneName m : kMilestones)
            CHECK(out.updated.milestone(m).due == c.milestone(m).due);
        CHECK(has(out.done[1], "CVSS is below 4.0, so the due dates stay"));
    }
    SECTION("organize with a long window becomes ASAP too") {
        auto early = T("2026-11-24T11:00:00Z");
        auto out = ok(c, {cmd(CommandKind::Public)}, early);
        CHECK(format_iso8601(*out.updated.milestone(MilestoneName::Organize).due) ==
              "2026-11-24T15:00:00Z");
    }
}

TEST_CASE("/slow only below CVSS 4.0") {
    auto cfg = config();
    auto c = new_case(cfg);
    ms(c, MilestoneName::Organize).done = T("2026-11-24T12:00:00Z");
    auto now = T("2026-11-25T08:00:00Z");

    SECTION("exactly 4.0 is refused") {
        c.cvss = Cvss{"CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N", 4.0, "medium"};
        CHECK(refused(c, {cmd(CommandKind::Slow, {}, "minor")}, now) ==
              "/slow: the CVSS base score is 4.0; only a case scored below 4.0 may be slowed down");
    }
    SECTION("a score that is 4.0 up to floating point is refused") {
        c.cvss = Cvss{"x", 3.99999999999, "medium"};
        refused(c, {cmd(CommandKind::Slow, {}, "minor")}, now);
    }
    SECTION("no score is refused") {
        CHECK(has(refused(c, {cmd(CommandKind::Slow, {}, "minor")}, now),
                  "no CVSS score is recorded"));
    }
    SECTION("3.9 extends every unfinished due time and tells the team why") {
        c.cvss = Cvss{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", 3.9, "low"};
        auto out = ok(c, {cmd(CommandKind::Slow, {}, "local only, needs admin")}, now);
        const Case& u = out.updated;
        CHECK(u.slowed);
        CHECK(u.milestone(MilestoneName::Organize).due == c.milestone(MilestoneName::Organize).due);
        CHECK(format_iso8601(*u.milestone(MilestoneName::Fix).due) == "2026-12-15T10:00:00Z");
        CHECK(format_iso8601(*u.milestone(MilestoneName::Announce).due) == "2026-12-15T10:00:00Z");
        CHECK(format_iso8601(*u.milestone(MilestoneName::Release).due) == "2026-12-29T10:00:00Z");
        CHECK_FALSE(u.milestone(MilestoneName::Retrospective).due);
        const auto* n = find_notice(out, "slowed");
        REQUIRE(n);
        CHECK(n->to == std::vector<std::string>{"alice@example.org", "bob@example.org",
                                                "carol@example.org"});
        CHECK(n->body.rfind("Case: EMST-2026-0001\n", 0) == 0);
        CHECK(has(n->body, "Reason: local only, needs admin"));
        CHECK(has(n->body, "alice@example.org slowed this case down"));
        CHECK(has(n->body, "2026-12-29T10:00:00Z"));
        CHECK_FALSE(n->is_public);
        CHECK(has_event(out, "slow", "local only, needs admin"));
    }
    SECTION("/cvss then /slow in the same message") {
        auto out = ok(c, {cvss_cmd(2.0, "low"), cmd(CommandKind::Slow, {}, "harmless")}, now);
        CHECK(out.updated.slowed);
        CHECK(out.updated.cvss->score == 2.0);
    }
    SECTION("/slow then /cvss in the same message is refused: order matters") {
        auto out = run(c, {cmd(CommandKind::Slow, {}, "harmless"), cvss_cmd(2.0, "low")}, now);
        CHECK_FALSE(out.applied);
        CHECK_FALSE(out.updated.cvss);
    }
}

TEST_CASE("/affects derives the release plan") {
    auto cfg = config();
    CHECK(in_series("1.13.4", "1.13"));
    CHECK(in_series("1.13", "1.13"));
    CHECK(in_series("v1.13.4", "1.13"));
    CHECK_FALSE(in_series("1.130", "1.13"));
    CHECK_FALSE(in_series("1.1", "1.13"));
    CHECK_FALSE(in_series("1.12.9", "1.13"));
    CHECK_FALSE(in_series("1.13.4", ""));
    CHECK(release_plan({"1.13.4"}, cfg) == "patch-release");
    CHECK(release_plan({"1.13"}, cfg) == "patch-release");
    CHECK(release_plan({"master", "1.14.0"}, cfg) == "patch-release");
    CHECK(release_plan({"master"}, cfg) == "next-release");
    CHECK(release_plan({"Master"}, cfg) == "next-release");
    CHECK(release_plan({"1.12.3", "master"}, cfg) == "next-release");
    CHECK(release_plan({"1.12.3"}, cfg) == "public-issue");
    CHECK(release_plan({"1.130", "main"}, cfg) == "public-issue");
    CHECK(release_plan({}, cfg).empty());

    auto c = new_case(cfg);
    auto now = T("2026-11-25T08:00:00Z");
    auto out = ok(c, {cmd(CommandKind::Affects, {"master"})}, now);
    CHECK(out.updated.affects == std::vector<std::string>{"master"});
    CHECK(out.updated.release_plan == "next-release");
    auto out2 = ok(out.updated, {cmd(CommandKind::Affects, {"1.13.4", "master"})}, now);
    CHECK(out2.updated.affects == std::vector<std::string>{"master", "1.13.4"});
    CHECK(out2.updated.release_plan == "patch-release");
    CHECK(has_event(out2, "affects", "1.13.4, master; release plan patch-release"));
}

TEST_CASE("the state moves forward only") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-25T08:00:00Z");
    auto fixed = ok(c, {cmd(CommandKind::Fixed)}, now);
    CHECK(fixed.updated.state == CaseState::Fixed);
    CHECK(fixed.updated.milestone(MilestoneName::Fix).done == now);
    CHECK(has_event(fixed, "state", "triage -> fixed"));
    // Organizing afterwards completes organize but does not move the state back.
    auto org = ok(fixed.updated, {cmd(CommandKind::Cc, {"dave@example.org"})}, now + 1h);
    CHECK(org.updated.state == CaseState::Fixed);
    CHECK(org.updated.milestone(MilestoneName::Organize).done == now + 1h);
    for (const auto& e : org.events) CHECK(e.kind != "state");
    // /fixed again is a no-op that says so.
    auto again = ok(org.updated, {cmd(CommandKind::Fixed)}, now + 2h);
    CHECK(again.updated.milestone(MilestoneName::Fix).done == now);
    CHECK(has(again.done[0], "fix was already done at 2026-11-25T08:00:00Z"));
}

TEST_CASE("/release-date must be in the future") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-25T08:00:00Z");
    CHECK(refused(c, {release_date(T("2026-11-20"))}, now) ==
          "/release-date: 2026-11-20T00:00:00Z is not in the future (it is now "
          "2026-11-25T08:00:00Z); give a later date");
    refused(c, {release_date(now)}, now);
    auto out = ok(c, {release_date(T("2026-12-05T14:00:00Z"))}, now);
    CHECK(out.updated.release_date == T("2026-12-05T14:00:00Z"));
    CHECK(has_event(out, "release-date", "2026-12-05T14:00:00Z"));
}

TEST_CASE("/announce needs a release date and sends a content-free announcement") {
    auto cfg = config();
    auto c = new_case(cfg);
    c.cvss = Cvss{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"};
    auto now = T("2026-11-26T08:00:00Z");
    CHECK(refused(c, {cmd(CommandKind::Announce)}, now) ==
          "/announce: no release date is set; set it first with /release-date DATE[TIME]");

    auto out = ok(c,
                  {cmd(CommandKind::Affects, {"1.13.4", "master", "1.11.2"}),
                   cmd(CommandKind::Mitigation, {}, "set max_header_size = 8k"),
                   release_date(T("2026-12-05T14:00:00Z")), cmd(CommandKind::Announce)},
                  now);
    CHECK(out.updated.state == CaseState::Announced);
    CHECK(out.updated.milestone(MilestoneName::Announce).done == now);
    const auto* n = find_notice(out, "announcement");
    REQUIRE(n);
    CHECK(n->is_public);
    CHECK(n->to == std::vector<std::string>{"users@lists.example.org"});
    CHECK(n->case_id == "EMST-2026-0001");
    CHECK(n->body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(n->body, "2026-12-05T14:00:00Z"));
    CHECK(has(n->subject, "2026-12-05T14:00:00Z"));
    CHECK(has(n->body, "1.13.x"));
    CHECK(has(n->body, "master branch"));
    CHECK(has(n->body, "1.11.2 (unsupported)"));
    CHECK(has(n->body, "set max_header_size = 8k"));
    CHECK(has(n->body, "Severity: critical"));
    // No vulnerability detail: not the subject, not the vector.
    CHECK_FALSE(has(n->body, "Heap"));
    CHECK_FALSE(has(n->subject, "Heap"));
    CHECK_FALSE(has(n->body, "AV:N"));
    CHECK_FALSE(has(n->body, "eve@example.net"));

    SECTION("a release date that has passed since is refused") {
        Case later = c;
        later.release_date = T("2026-11-26T09:00:00Z");
        CHECK(has(refused(later, {cmd(CommandKind::Announce)}, T("2026-11-26T10:00:00Z")),
                  "has passed"));
    }
    SECTION("after the release it is refused") {
        Case rel = out.updated;
        rel.milestone(MilestoneName::Release).done = now;
        CHECK(has(refused(rel, {cmd(CommandKind::Announce)}, now + 1h), "already released"));
    }
    SECTION("without announce addresses it completes and says nothing was sent") {
        auto cfg2 = config();
        cfg2.team.announce.clear();
        auto o = apply_commands(c, {release_date(T("2026-12-05")), cmd(CommandKind::Announce)},
                                kAlice, cfg2, now);
        REQUIRE(o.applied);
        CHECK_FALSE(find_notice(o, "announcement"));
        CHECK(has(o.done[1], "no [team] announce address or [chat] target is configured"));
    }
    SECTION("a chat target alone still gets the public announcement") {
        auto cfg2 = config();
        cfg2.team.announce.clear();
        cfg2.chat.targets.push_back(
            ChatTarget{"general", ChatTarget::Format::Slack, "", "", {"announcement"}});
        auto o = apply_commands(c, {release_date(T("2026-12-05")), cmd(CommandKind::Announce)},
                                kAlice, cfg2, now);
        REQUIRE(o.applied);
        const NoticeRequest* a = find_notice(o, "announcement");
        REQUIRE(a);
        CHECK(a->is_public);
        CHECK(a->to.empty());  // no mail: only the chat post the daemon queues
        CHECK(has(o.done[1], "announcement sent to chat:general"));
    }
}

TEST_CASE("/released sends the release announcement and the CVE request") {
    auto cfg = config();
    auto c = new_case(cfg);
    c.fix_team = {"dave@example.org"};
    c.affects = {"1.13.4", "master"};
    c.prs = {"https://github.com/example/proxy/pull/42"};
    auto now = T("2026-12-05T14:00:00Z");
    auto out = ok(c,
                  {cvss_cmd(9.8, "critical"), cmd(CommandKind::Cve, {"CVE-2026-12345"}),
                   cmd(CommandKind::Released, {"1.13.5", "1.14.1"})},
                  now);
    const Case& u = out.updated;
    CHECK(u.state == CaseState::Released);
    CHECK(u.milestone(MilestoneName::Release).done == now);
    CHECK(u.milestone(MilestoneName::Retrospective).due == now + std::chrono::days{3});
    CHECK(u.released_versions == std::vector<std::string>{"1.13.5", "1.14.1"});
    CHECK(has_event(out, "released", "1.13.5, 1.14.1"));

    const auto* ra = find_notice(out, "release-announcement");
    REQUIRE(ra);
    CHECK(ra->is_public);
    CHECK(ra->to == std::vector<std::string>{"users@lists.example.org"});
    CHECK(ra->body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(ra->body, "1.13.5, 1.14.1"));
    CHECK(has(ra->body, "CVE-2026-12345"));
    CHECK(has(ra->body, "9.8 (critical)"));
    CHECK(has(ra->body, "https://github.com/example/proxy/pull/42"));
    CHECK_FALSE(has(ra->body, "Heap"));
    CHECK_FALSE(has(ra->body, "eve@example.net"));

    const auto* cr = find_notice(out, "cve-request");
    REQUIRE(cr);
    CHECK_FALSE(cr->is_public);
    CHECK(cr->to == std::vector<std::string>{"alice@example.org"});
    CHECK(cr->body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(cr->body, "Remove the Fix Team (dave@example.org) from the private security"));
    auto begin = cr->body.find("----- CVE JSON 5 record -----\n");
    auto end = cr->body.find("----- End of record -----");
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    begin += std::string("----- CVE JSON 5 record -----\n").size();
    auto j = nlohmann::json::parse(cr->body.substr(begin, end - begin));
    CHECK(j["dataType"] == "CVE_RECORD");
    CHECK(j["dataVersion"].get<std::string>().rfind("5.", 0) == 0);
    CHECK(j["cveMetadata"]["cveId"] == "CVE-2026-12345");
    CHECK(j["cveMetadata"]["state"] == "PUBLISHED");
    CHECK(j["cveMetadata"].contains("assignerOrgId"));
    const auto& cna = j["containers"]["cna"];
    CHECK(cna["providerMetadata"].contains("orgId"));
    CHECK(cna["descriptions"][0]["lang"] == "en");
    CHECK(cna["affected"][0]["product"] == "Example Proxy");
    CHECK(cna["affected"][0]["vendor"] == "Example Proxy");
    auto versions = cna["affected"][0]["versions"];
    REQUIRE(versions.size() == 4);
    CHECK(versions[0]["version"] == "1.13.4");
    CHECK(versions[0]["status"] == "affected");
    CHECK(versions[1]["version"] == "master");
    CHECK(versions[1]["status"] == "affected");
    CHECK_FALSE(versions[1].contains("versionType"));  // the schema allows it on ranges only
    CHECK(versions[2]["version"] == "1.13.5");
    CHECK(versions[2]["status"] == "unaffected");
    const auto& m = cna["metrics"][0]["cvssV3_1"];
    CHECK(m["version"] == "3.1");
    CHECK(m["vectorString"] == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK(m["baseScore"].get<double>() == Approx(9.8));
    CHECK(m["baseSeverity"] == "CRITICAL");
    CHECK(cna["references"][0]["url"] == "https://github.com/example/proxy/pull/42");
    CHECK(cna["datePublic"] == "2026-12-05T14:00:00Z");
    // The description is a placeholder: the report text is never copied in.
    CHECK_FALSE(has(j.dump(), "Heap"));

    SECTION("released twice is refused") {
        CHECK(has(refused(u, {cmd(CommandKind::Released, {"1.13.6"})}, now + 1h),
                  "already released at 2026-12-05T14:00:00Z (1.13.5, 1.14.1)"));
    }
}

TEST_CASE("CVE record metrics follow the vector version") {
    auto cfg = config();
    auto c = new_case(cfg);
    c.released_versions = {"1.13.5"};
    c.cvss =
        Cvss{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, "critical"};
    auto j = nlohmann::json::parse(notice_text::cve_record_json(c, cfg, T("2026-12-05T14:00:00Z")));
    CHECK(j["containers"]["cna"]["metrics"][0]["cvssV4_0"]["version"] == "4.0");
    CHECK(j["containers"]["cna"]["metrics"][0]["cvssV4_0"]["baseScore"].get<double>() ==
          Approx(9.3));
    c.cvss = Cvss{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"};
    j = nlohmann::json::parse(notice_text::cve_record_json(c, cfg, T("2026-12-05T14:00:00Z")));
    CHECK(j["containers"]["cna"]["metrics"][0]["cvssV3_0"]["version"] == "3.0");
    // Nothing known: still valid JSON, with placeholders the request text points out.
    c.cvss.reset();
    c.cve.clear();
    cfg.project.name = "Quote \"the\" \\ proxy\n";
    j = nlohmann::json::parse(notice_text::cve_record_json(c, cfg, T("2026-12-05T14:00:00Z")));
    CHECK(j["cveMetadata"]["cveId"] == "CVE-YYYY-NNNN");
    CHECK_FALSE(j["containers"]["cna"].contains("metrics"));
    CHECK(j["containers"]["cna"]["affected"][0]["product"] == "Quote \"the\" \\ proxy\n");
    auto req = notice_text::cve_request(c, cfg, T("2026-12-05T14:00:00Z"));
    CHECK(has(req.body, "record it here with /cve"));
    CHECK(has(req.body, "no fix PR was recorded"));
    CHECK(has(req.body, "no CVSS vector was recorded"));
}

TEST_CASE("/retrospective needs the release, sends the retrospective and closes") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto t0 = T("2026-11-24T12:00:00Z");
    CHECK(has(refused(c, {cmd(CommandKind::Retrospective)}, t0), "not released yet"));

    Lookups l;
    l.history.push_back(Event{c.id, c.received_at, "eve@example.net", "report",
                              "first report from eve@example.net"});
    l.history.push_back(Event{c.id, c.received_at, "embargo", "lead", "none -> alice@example.org"});
    // A life: organized early, fixed late, announced, released, retrospective.
    auto o1 = ok(c, {cmd(CommandKind::Cc, {"dave@example.org"})}, T("2026-11-24T15:00:00Z"));
    auto o2 = ok(o1.updated,
                 {cmd(CommandKind::Fixed), cmd(CommandKind::Pr, {"https://github.com/x/y/pull/1"}),
                  release_date(T("2026-12-10T12:00:00Z"))},
                 T("2026-12-02T16:30:00Z"), {}, kBob);
    auto o3 = ok(o2.updated, {cmd(CommandKind::Announce)}, T("2026-12-03T10:00:00Z"));
    auto o4 = ok(o3.updated, {cmd(CommandKind::Released, {"1.13.5"})}, T("2026-12-10T12:00:00Z"));
    for (const auto* o : {&o1, &o2, &o3, &o4})
        l.history.insert(l.history.end(), o->events.begin(), o->events.end());
    auto now = T("2026-12-12T09:00:00Z");
    auto out = ok(o4.updated, {cmd(CommandKind::Retrospective, {}, "fix took too long")}, now, l);
    const Case& u = out.updated;
    CHECK(u.state == CaseState::Closed);
    CHECK(u.closed_at == now);
    CHECK(u.milestone(MilestoneName::Retrospective).done == now);
    CHECK(has_event(out, "state", "released -> closed"));

    std::vector<const NoticeRequest*> retro;
    for (const auto& n : out.notices)
        if (n.kind == "retrospective") retro.push_back(&n);
    REQUIRE(retro.size() == 2);
    CHECK_FALSE(retro[0]->is_public);
    CHECK(retro[0]->to == std::vector<std::string>{"alice@example.org", "bob@example.org",
                                                   "carol@example.org", "dave@example.org"});
    CHECK(retro[1]->is_public);
    CHECK(retro[1]->to == std::vector<std::string>{"dev@lists.example.org"});
    const std::string& b = retro[0]->body;
    CHECK(b == retro[1]->body);
    CHECK(b.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(b, "organize       due 2026-11-25T10:00:00Z, done 2026-11-24T15:00:00Z (19h early)"));
    CHECK(has(
        b, "fix            due 2026-12-01T10:00:00Z, done 2026-12-02T16:30:00Z (1d 6h 30m late)"));
    CHECK(has(b,
              "release        due 2026-12-15T10:00:00Z, done 2026-12-10T12:00:00Z (4d 22h early)"));
    CHECK(
        has(b, "retrospective  due 2026-12-13T12:00:00Z, done 2026-12-12T09:00:00Z (1d 3h early)"));
    CHECK(has(b, "Fix Team:   dave@example.org"));
    CHECK(has(b, "Team:       alice@example.org, bob@example.org"));
    CHECK(has(b, "https://github.com/x/y/pull/1"));
    CHECK(has(b, "fix took too long"));
    // Every event with its time, the ones of this very message included.
    CHECK(has(b, "2026-12-02T16:30:00Z  bob@example.org  fixed"));
    CHECK(has(b, "2026-12-12T09:00:00Z  alice@example.org  retrospective: fix took too long"));
    CHECK(has(b, "2026-11-24T10:00:00Z  reporter  report: first report from reporter"));
    // Neither the reporter's address nor the report subject.
    CHECK_FALSE(has(b, "eve@example.net"));
    CHECK_FALSE(has(b, "Heap"));

    SECTION("a chat target for retrospectives gets the public copy without any list") {
        auto cfg2 = config();
        cfg2.team.retrospective.clear();
        auto none =
            apply_commands(o4.updated, {cmd(CommandKind::Retrospective, {}, "fix took too long")},
                           kAlice, cfg2, now, l);
        REQUIRE(none.applied);
        int public_copies = 0;
        for (const auto& n : none.notices)
            public_copies += n.kind == "retrospective" && n.is_public;
        CHECK(public_copies == 0);
        cfg2.chat.targets.push_back(
            ChatTarget{"dev", ChatTarget::Format::Json, "", "", {"retrospective"}});
        auto chat =
            apply_commands(o4.updated, {cmd(CommandKind::Retrospective, {}, "fix took too long")},
                           kAlice, cfg2, now, l);
        REQUIRE(chat.applied);
        const NoticeRequest* pub = nullptr;
        for (const auto& n : chat.notices)
            if (n.kind == "retrospective" && n.is_public) pub = &n;
        REQUIRE(pub);
        CHECK(pub->to.empty());
        CHECK(pub->body == b);  // the same scrubbed text
    }

    SECTION("a closed case only takes /cve, /pr, /cvss, /reply, /status, /help") {
        auto cve = ok(u, {cmd(CommandKind::Cve, {"CVE-2026-1"})}, now + 1h);
        CHECK(cve.updated.cve == "CVE-2026-1");
        CHECK(refused(u, {cmd(CommandKind::Fixed)}, now + 1h) ==
              "/fixed: EMST-2026-0001 is closed; only /cve, /pr, /cvss, /reply, /status and /help "
              "work on it");
        refused(u, {cmd(CommandKind::Retrospective)}, now + 1h);
    }
}

TEST_CASE("/reject closes the case") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-24T12:00:00Z");
    auto out = ok(c, {cmd(CommandKind::Reject, {}, "plain resource usage bug")}, now);
    CHECK(out.updated.state == CaseState::Rejected);
    CHECK(out.updated.closed_at == now);
    CHECK(has_event(out, "reject", "plain resource usage bug"));
    CHECK(has_event(out, "state", "triage -> rejected"));
    CHECK(has(refused(out.updated, {cmd(CommandKind::Cc, {"dave@example.org"})}, now),
              "EMST-2026-0001 is rejected; only /reply, /status and /help work on it"));
    auto st = ok(out.updated, {cmd(CommandKind::Status)}, now);
    CHECK(has(st.notices[0].body, "State:         rejected"));
}

TEST_CASE("/merge into another open case") {
    auto cfg = config();
    auto c = new_case(cfg);
    c.fix_team = {"dave@example.org"};
    Case target = new_case(cfg);
    target.id = "EMST-2026-0002";
    target.reporters = {"zoe@example.com"};
    Case closed = target;
    closed.id = "EMST-2026-0003";
    closed.state = CaseState::Closed;
    Case merged = target;
    merged.id = "EMST-2026-0004";
    merged.state = CaseState::Merged;
    merged.merged_into = "EMST-2026-0002";
    Lookups l;
    l.find_case = [&](const std::string& id) -> std::optional<Case> {
        for (const Case* k : {&c, &target, &closed, &merged})
            if (k->id == id) return *k;
        return std::nullopt;
    };
    auto now = T("2026-11-24T12:00:00Z");
    CHECK(refused(c, {cmd(CommandKind::Merge, {"EMST-2026-0001"})}, now, l) ==
          "/merge: cannot merge EMST-2026-0001 into itself");
    CHECK(refused(c, {cmd(CommandKind::Merge, {"EMST-2026-0009"})}, now, l) ==
          "/merge: there is no case EMST-2026-0009");
    CHECK(refused(c, {cmd(CommandKind::Merge, {"EMST-2026-0003"})}, now, l) ==
          "/merge: EMST-2026-0003 is closed; merge only into an open case");
    CHECK(refused(c, {cmd(CommandKind::Merge, {"EMST-2026-0004"})}, now, l) ==
          "/merge: EMST-2026-0004 is merged into EMST-2026-0002; merge only into an open case");
    // Without a lookup nothing can be found.
    refused(c, {cmd(CommandKind::Merge, {"EMST-2026-0002"})}, now);

    auto out = ok(c, {cmd(CommandKind::Merge, {"EMST-2026-0002"})}, now, l);
    CHECK(out.updated.state == CaseState::Merged);
    CHECK(out.updated.merged_into == "EMST-2026-0002");
    CHECK(out.updated.closed_at == now);
    REQUIRE(out.merge_target);
    CHECK(out.merge_target->id == "EMST-2026-0002");
    CHECK(out.merge_target->reporters ==
          std::vector<std::string>{"zoe@example.com", "eve@example.net"});
    CHECK(out.merge_target->fix_team == std::vector<std::string>{"dave@example.org"});
    bool target_event = false;
    for (const auto& e : out.events)
        if (e.case_id == "EMST-2026-0002" && e.kind == "merge" &&
            e.detail == "EMST-2026-0001 merged into this case")
            target_event = true;
    CHECK(target_event);
    // Merged: a second merge, or any change, is refused.
    CHECK(has(refused(out.updated, {cmd(CommandKind::Merge, {"EMST-2026-0002"})}, now, l),
              "is merged into EMST-2026-0002"));
}

TEST_CASE("/cve, /pr and /mitigation record data") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-24T12:00:00Z");
    auto out = ok(
        c,
        {cmd(CommandKind::Cve, {"CVE-2026-1234"}),
         cmd(CommandKind::Pr, {"https://github.com/x/y/pull/1"}),
         cmd(CommandKind::Pr, {"https://github.com/x/y/pull/1", "https://github.com/x/y/pull/2"}),
         cmd(CommandKind::Mitigation, {}, "disable HTTP/2"),
         cmd(CommandKind::Mitigation, {}, "limit header size")},
        now);
    CHECK(out.updated.cve == "CVE-2026-1234");
    CHECK(out.updated.prs == std::vector<std::string>{"https://github.com/x/y/pull/1",
                                                      "https://github.com/x/y/pull/2"});
    CHECK(out.updated.mitigations ==
          std::vector<std::string>{"disable HTTP/2", "limit header size"});
    CHECK(out.updated.state == CaseState::Triage);
    CHECK(has_event(out, "cve", "CVE-2026-1234"));
    CHECK(has_event(out, "mitigation", "limit header size"));
    CHECK(out.done.size() == 5);
}

TEST_CASE("/cvss records the scored vector") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-24T12:00:00Z");
    auto out = ok(c, {cvss_cmd(9.8, "critical")}, now);
    REQUIRE(out.updated.cvss);
    CHECK(out.updated.cvss->score == 9.8);
    CHECK(has(out.done[0], "base score 9.8 (critical)"));
    CHECK(
        has_event(out, "cvss", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H score 9.8 critical"));
    // A /cvss command the parser did not score is refused, not guessed.
    CHECK(has(refused(c, {cmd(CommandKind::Cvss)}, now), "no scored vector"));
}

TEST_CASE("/reply, /status and /help") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-24T12:00:00Z");
    auto r = ok(c, {cmd(CommandKind::Reply)}, now);
    CHECK(r.relay_to_reporters);
    CHECK(has_event(r, "reply", "1 reporter(s)"));
    CHECK_FALSE(ok(c, {cmd(CommandKind::Status)}, now).relay_to_reporters);
    Case nobody = c;
    nobody.reporters.clear();
    refused(nobody, {cmd(CommandKind::Reply)}, now);

    auto s = ok(c, {cmd(CommandKind::Cc, {"dave@example.org"}), cmd(CommandKind::Status)}, now);
    REQUIRE(s.notices.size() == 1);
    const std::string& body = s.notices[0].body;
    CHECK(has(body, "Status of EMST-2026-0001 at 2026-11-24T12:00:00Z"));
    CHECK(has(body, "State:         fixing"));  // the summary shows the state after the commands
    CHECK(has(body, "Fix Team:      dave@example.org"));
    CHECK(has(body, "organize       due 2026-11-25T10:00:00Z, done 2026-11-24T12:00:00Z"));
    CHECK_FALSE(has(body, "Heap"));
    CHECK(s.events.size() == 3);  // cc, milestone, state: /status changes nothing

    auto h = ok(c, {cmd(CommandKind::Help)}, now);
    CHECK(h.events.empty());
    for (const auto& info : command_table()) CHECK(has(h.notices[0].body, std::string(info.usage)));
}

TEST_CASE("all or nothing: one bad command and nothing is applied") {
    auto cfg = config();
    auto c = new_case(cfg);
    auto now = T("2026-11-25T08:00:00Z");
    Command bad_lead = cmd(CommandKind::Lead, {"mallory@example.net"});
    bad_lead.line = 3;
    Command past = release_date(T("2026-01-01"));
    past.line = 5;
    auto out = run(c,
                   {cmd(CommandKind::Cc, {"dave@example.org"}), cmd(CommandKind::Fixed), bad_lead,
                    cvss_cmd(9.8, "critical"), past, cmd(CommandKind::Announce)},
                   now);
    CHECK_FALSE(out.applied);
    REQUIRE(out.errors.size() == 3);
    CHECK(has(out.errors[0], "line 3: /lead: mallory@example.net is not a team member"));
    CHECK(has(out.errors[1], "line 5: /release-date:"));
    CHECK(has(out.errors[2], "/announce: no release date is set"));
    CHECK(out.done.empty());
    CHECK(out.events.empty());
    CHECK_FALSE(out.relay_to_reporters);
    CHECK_FALSE(out.merge_target);
    // The case comes back exactly as it was.
    CHECK(out.updated.state == CaseState::Triage);
    CHECK(out.updated.fix_team.empty());
    CHECK_FALSE(out.updated.cvss);
    CHECK_FALSE(out.updated.milestone(MilestoneName::Organize).done);
    CHECK_FALSE(out.updated.milestone(MilestoneName::Fix).done);
    REQUIRE(out.notices.size() == 1);
    const auto& n = out.notices[0];
    CHECK(n.kind == "command-result");
    CHECK(n.to == std::vector<std::string>{"alice@example.org"});
    CHECK(n.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(n.body, "Nothing was applied"));
    for (const auto& e : out.errors) CHECK(has(n.body, e));
    // A refused /slow, /public side effects or notices never leak out either.
    c.cvss = Cvss{"x", 2.0, "low"};
    auto out2 =
        run(c,
            {cmd(CommandKind::Slow, {}, "tiny"), cmd(CommandKind::Public),
             cmd(CommandKind::Released, {"1.13.5"}), cmd(CommandKind::Merge, {"EMST-2026-0001"})},
            now);
    CHECK_FALSE(out2.applied);
    CHECK(out2.notices.size() == 1);
    CHECK_FALSE(out2.updated.slowed);
    CHECK(out2.updated.milestone(MilestoneName::Release).due ==
          c.milestone(MilestoneName::Release).due);
}

TEST_CASE("every notice begins with the case line and carries UTC times with the hour") {
    auto cfg = config();
    auto c = new_case(cfg);
    c.cvss = Cvss{"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8, "low"};
    auto now = T("2026-11-26T08:00:00Z");
    auto out = ok(c,
                  {cmd(CommandKind::Slow, {}, "hard to reach"), release_date(T("2026-12-20")),
                   cmd(CommandKind::Announce), cmd(CommandKind::Released, {"1.13.5"}),
                   cmd(CommandKind::Status), cmd(CommandKind::Help)},
                  now);
    std::vector<std::string> kinds;
    for (const auto& n : out.notices) {
        kinds.push_back(n.kind);
        CHECK(n.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
        CHECK(n.case_id == "EMST-2026-0001");
        CHECK_FALSE(n.to.empty());
        CHECK_FALSE(n.subject.empty());
        CHECK(has(n.subject, "[EMST-2026-0001]"));
        // Every date printed is a full UTC ISO 8601 time.
        for (std::size_t pos = n.body.find("2026-"); pos != std::string::npos;
             pos = n.body.find("2026-", pos + 1)) {
            if (n.body.compare(pos, 5, "2026-") != 0 || pos + 20 > n.body.size()) continue;
            if (n.body[pos + 7] != '-' || n.body[pos + 10] != 'T') continue;
            CHECK(n.body[pos + 19] == 'Z');
        }
    }
    CHECK(kinds == std::vector<std::string>{"command-result", "slowed", "announcement",
                                            "release-announcement", "cve-request"});
    for (const auto& e : out.events) CHECK_FALSE(has(e.detail, "Heap"));
}
