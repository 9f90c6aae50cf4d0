// Deadline scheduling: reminder at 75% of a window, escalations and their
// repetition, daily digest, and "sent once" across restarts and clock jumps.
#include <catch2/catch.hpp>

#include "core/scheduler.hpp"
#include "core/workflow.hpp"

using namespace embargo;
using namespace embargo::scheduler;
using namespace std::chrono_literals;
using std::chrono::days;

namespace {

TimePoint T(const char* s) {
    auto t = parse_iso8601(s, true);
    REQUIRE(t);
    return *t;
}

Config config() {
    Config c;
    c.project.name = "Example Proxy";
    c.team.members = {{"Alice", "alice@example.org", "A"},
                      {"Bob", "bob@example.org", "B"},
                      {"Carol", "carol@example.org", "C"}};
    return c;
}

Case new_case(const char* id = "EMST-2026-0001", const char* received = "2026-11-24T10:00:00Z") {
    Case c;
    c.id = id;
    c.subject = "Secret subject";
    c.reporters = {"eve@example.net"};
    c.received_at = T(received);
    c.lead = "bob@example.org";
    c.fix_team = {"dave@example.org", "alice@example.org"};
    c.milestones = workflow::initial_milestones(c.received_at, Timeline{});
    return c;
}

std::vector<std::string> kinds(const CaseDue& d) {
    std::vector<std::string> out;
    for (const auto& n : d.notices) out.push_back(n.kind);
    return out;
}

std::size_t idx(MilestoneName m) {
    return static_cast<std::size_t>(m);
}

}  // namespace

TEST_CASE("reminder time is 75% of the window") {
    auto c = new_case();
    CHECK(format_iso8601(*reminder_time(c, MilestoneName::Organize)) == "2026-11-25T04:00:00Z");
    CHECK(format_iso8601(*reminder_time(c, MilestoneName::Fix)) == "2026-11-29T16:00:00Z");
    CHECK(format_iso8601(*reminder_time(c, MilestoneName::Release)) == "2026-12-10T04:00:00Z");
    CHECK_FALSE(reminder_time(c, MilestoneName::Retrospective));  // no due until released
    c.milestone(MilestoneName::Release).done = T("2026-12-10T00:00:00Z");
    c.milestone(MilestoneName::Retrospective).due = T("2026-12-13T00:00:00Z");
    CHECK(format_iso8601(*reminder_time(c, MilestoneName::Retrospective)) ==
          "2026-12-12T06:00:00Z");
}

TEST_CASE("a reminder goes to the lead once 75% of the window has passed") {
    auto cfg = config();
    auto c = new_case();
    SentState none;
    // One second before the boundary: nothing.
    auto before = case_notices(c, cfg, T("2026-11-25T03:59:59Z"), none);
    CHECK(before.notices.empty());
    CHECK(before.sent == none);
    // At the boundary: the organize reminder.
    auto at = case_notices(c, cfg, T("2026-11-25T04:00:00Z"), none);
    REQUIRE(kinds(at) == std::vector<std::string>{"reminder"});
    const auto& n = at.notices[0];
    CHECK(n.to == std::vector<std::string>{"bob@example.org"});
    CHECK(n.case_id == "EMST-2026-0001");
    CHECK(n.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(n.body.find("organize milestone is due at 2026-11-25T10:00:00Z, in 6h") !=
          std::string::npos);
    CHECK(n.body.find("/cc EMAIL... or /organized") != std::string::npos);
    CHECK(n.body.find("Secret") == std::string::npos);
    CHECK(at.sent.milestones[idx(MilestoneName::Organize)].reminded_due ==
          c.milestone(MilestoneName::Organize).due);
    // Recorded: never again, whether a second later or after a restart.
    CHECK(case_notices(c, cfg, T("2026-11-25T04:00:01Z"), at.sent).notices.empty());
    CHECK(case_notices(c, cfg, T("2026-11-25T09:59:59Z"), at.sent).notices.empty());
    // Done milestones get nothing.
    c.milestone(MilestoneName::Organize).done = T("2026-11-25T01:00:00Z");
    CHECK(case_notices(c, cfg, T("2026-11-25T05:00:00Z"), none).notices.empty());
    // Without a lead the whole team is reminded.
    auto nolead = new_case();
    nolead.lead.clear();
    auto r = case_notices(nolead, cfg, T("2026-11-25T04:00:00Z"), none);
    REQUIRE(r.notices.size() == 1);
    CHECK(r.notices[0].to.size() == 3);
}

TEST_CASE("escalations: when overdue, then every escalate_every") {
    auto cfg = config();
    auto c = new_case();
    c.milestone(MilestoneName::Organize).done = T("2026-11-24T12:00:00Z");
    SentState s;
    // Due exactly now is not overdue yet: the reminder still goes out.
    auto due = T("2026-12-01T10:00:00Z");  // fix and announce
    auto r = case_notices(c, cfg, due, s);
    CHECK(kinds(r) == std::vector<std::string>{"reminder", "reminder"});
    s = r.sent;
    auto e1 = case_notices(c, cfg, due + 1s, s);
    REQUIRE(kinds(e1) == std::vector<std::string>{"escalation", "escalation"});
    const auto& n = e1.notices[0];
    CHECK(n.to == std::vector<std::string>{"bob@example.org", "dave@example.org",
                                           "alice@example.org", "carol@example.org"});
    CHECK(n.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(n.body.find("fix milestone was due at 2026-12-01T10:00:00Z") != std::string::npos);
    CHECK(n.subject == "[EMST-2026-0001] Overdue: fix was due 2026-12-01T10:00:00Z");
    CHECK(e1.sent.milestones[idx(MilestoneName::Fix)].last_escalation == due + 1s);
    s = e1.sent;
    // Not again before escalate_every (24h) has passed...
    CHECK(case_notices(c, cfg, due + 1s + 23h + 59min, s).notices.empty());
    // ...then again, once.
    auto e2 = case_notices(c, cfg, due + 1s + 24h, s);
    CHECK(kinds(e2) == std::vector<std::string>{"escalation", "escalation"});
    CHECK(case_notices(c, cfg, due + 1s + 24h, e2.sent).notices.empty());
    // Completing a milestone stops its escalations.
    c.milestone(MilestoneName::Fix).done = due + 30h;
    auto e3 = case_notices(c, cfg, due + 1s + 48h, e2.sent);
    REQUIRE(e3.notices.size() == 1);
    CHECK(e3.notices[0].body.find("announce milestone") != std::string::npos);
}

TEST_CASE("a clock jump far ahead sends one escalation per milestone, not many") {
    auto cfg = config();
    auto c = new_case();
    auto far = T("2027-03-01T00:00:00Z");
    auto r = case_notices(c, cfg, far, SentState{});
    // organize, fix, announce, release: one escalation each, no late reminders.
    CHECK(kinds(r) ==
          std::vector<std::string>{"escalation", "escalation", "escalation", "escalation"});
    CHECK(case_notices(c, cfg, far, r.sent).notices.empty());
    CHECK(case_notices(c, cfg, far + 23h, r.sent).notices.empty());
    // Another jump: again one each.
    CHECK(case_notices(c, cfg, far + days{40}, r.sent).notices.size() == 4);
}

TEST_CASE("moved due times get their own reminder and escalation") {
    auto cfg = config();
    cfg.timeline.escalate_every = days{30};
    auto c = new_case();
    c.milestone(MilestoneName::Organize).done = T("2026-11-24T12:00:00Z");
    // The fix reminder was sent for the original due time, then /public made it ASAP.
    auto r = case_notices(c, cfg, T("2026-11-30T00:00:00Z"), SentState{});
    REQUIRE(r.notices.size() == 2);  // fix and announce reminders
    c.milestone(MilestoneName::Fix).due = T("2026-11-30T06:00:00Z");
    auto again = case_notices(c, cfg, T("2026-11-30T01:00:00Z"), r.sent);
    REQUIRE(kinds(again) == std::vector<std::string>{"reminder"});
    CHECK(again.notices[0].body.find("fix milestone is due at 2026-11-30T06:00:00Z") !=
          std::string::npos);
    // Escalated once, then /slow moved the due time; overdue again: escalate at once
    // although escalate_every (30d) has not passed.
    auto e = case_notices(c, cfg, T("2026-11-30T07:00:00Z"), again.sent);
    REQUIRE(kinds(e) == std::vector<std::string>{"escalation"});
    c.milestone(MilestoneName::Fix).due = T("2026-12-05T00:00:00Z");
    auto quiet = case_notices(c, cfg, T("2026-12-04T00:00:00Z"), e.sent);
    // The fix reminder for the new due time; announce (due 12-01) is overdue by now.
    CHECK(kinds(quiet) == std::vector<std::string>{"reminder", "escalation"});
    auto e2 = case_notices(c, cfg, T("2026-12-05T00:00:01Z"), quiet.sent);
    CHECK(kinds(e2) == std::vector<std::string>{"escalation"});
}

TEST_CASE("finished cases and released cases") {
    auto cfg = config();
    for (auto st : {CaseState::Closed, CaseState::Rejected, CaseState::Merged}) {
        auto c = new_case();
        c.state = st;
        CHECK(case_notices(c, cfg, T("2027-01-01T00:00:00Z"), SentState{}).notices.empty());
    }
    // Released: only the retrospective still counts.
    auto c = new_case();
    c.state = CaseState::Released;
    c.milestone(MilestoneName::Release).done = T("2026-12-10T00:00:00Z");
    c.milestone(MilestoneName::Retrospective).due = T("2026-12-13T00:00:00Z");
    CHECK(case_notices(c, cfg, T("2026-12-12T05:59:59Z"), SentState{}).notices.empty());
    auto r = case_notices(c, cfg, T("2026-12-12T06:00:00Z"), SentState{});
    REQUIRE(r.notices.size() == 1);
    CHECK(r.notices[0].body.find("retrospective milestone") != std::string::npos);
    auto e = case_notices(c, cfg, T("2026-12-14T00:00:00Z"), r.sent);
    REQUIRE(kinds(e) == std::vector<std::string>{"escalation"});
}

TEST_CASE("the digest goes out once a day after digest_time while cases are open") {
    auto cfg = config();  // digest_time 09:00
    std::vector<Case> cases = {new_case("EMST-2026-0001", "2026-11-24T10:00:00Z"),
                               new_case("EMST-2026-0002", "2026-11-20T10:00:00Z")};
    Case closed = new_case("EMST-2026-0003");
    closed.state = CaseState::Closed;
    cases.push_back(closed);
    std::optional<std::chrono::sys_days> last;

    auto early = digest(cases, {}, cfg, T("2026-11-25T08:59:59Z"), last);
    CHECK_FALSE(early.notice);
    CHECK_FALSE(early.last_digest_day);

    auto d = digest(cases, {}, cfg, T("2026-11-25T09:00:00Z"), last);
    REQUIRE(d.notice);
    CHECK(d.notice->kind == "digest");
    CHECK(d.notice->to ==
          std::vector<std::string>{"alice@example.org", "bob@example.org", "carol@example.org"});
    CHECK(d.notice->case_id.empty());
    const std::string& b = d.notice->body;
    // The second case is due first, so it comes first; the closed one is left out.
    CHECK(b.rfind("Case: EMST-2026-0002, EMST-2026-0001\n", 0) == 0);
    CHECK(b.find("2 open case(s)") != std::string::npos);
    CHECK(b.find("EMST-2026-0003") == std::string::npos);
    CHECK(b.find("next: organize due 2026-11-21T10:00:00Z (OVERDUE by 3d 23h)") !=
          std::string::npos);
    CHECK(b.find("next: organize due 2026-11-25T10:00:00Z (in 1h)") != std::string::npos);
    CHECK(b.find("Secret") == std::string::npos);
    REQUIRE(d.last_digest_day);
    CHECK(*d.last_digest_day == std::chrono::floor<days>(T("2026-11-25T00:00:00Z")));
    last = d.last_digest_day;

    // Same day: not again.
    CHECK_FALSE(digest(cases, {}, cfg, T("2026-11-25T23:59:59Z"), last).notice);
    // Next day before 09:00: not yet; at 09:00: yes.
    CHECK_FALSE(digest(cases, {}, cfg, T("2026-11-26T08:00:00Z"), last).notice);
    auto next = digest(cases, {}, cfg, T("2026-11-26T09:00:00Z"), last);
    CHECK(next.notice);
    // A jump of ten days: one digest, not ten.
    auto jump = digest(cases, {}, cfg, T("2026-12-06T12:00:00Z"), next.last_digest_day);
    REQUIRE(jump.notice);
    CHECK_FALSE(digest(cases, {}, cfg, T("2026-12-06T12:00:01Z"), jump.last_digest_day).notice);
}

TEST_CASE("no digest without open cases or without digest_time") {
    auto cfg = config();
    Case closed = new_case();
    closed.state = CaseState::Rejected;
    std::vector<KeyExpiry> keys = {{"ABCD", "team key", T("2026-12-10T00:00:00Z")}};
    auto d = digest({closed}, keys, cfg, T("2026-11-25T10:00:00Z"), std::nullopt);
    CHECK_FALSE(d.notice);
    CHECK_FALSE(d.last_digest_day);
    cfg.timeline.digest_time.reset();
    CHECK_FALSE(digest({new_case()}, {}, cfg, T("2026-11-25T10:00:00Z"), std::nullopt).notice);
}

TEST_CASE("the digest lists keys that expire soon") {
    auto cfg = config();
    cfg.timeline.digest_time = 90min;  // 01:30 UTC
    std::vector<KeyExpiry> keys = {
        {"0123456789ABCDEF0123456789ABCDEF01234567", "team key", T("2026-12-10T00:00:00Z")},
        {"BBBB", "bob@example.org", T("2026-11-20T00:00:00Z")}};
    CHECK_FALSE(digest({new_case()}, keys, cfg, T("2026-11-25T01:29:59Z"), std::nullopt).notice);
    auto d = digest({new_case()}, keys, cfg, T("2026-11-25T01:30:00Z"), std::nullopt);
    REQUIRE(d.notice);
    const std::string& b = d.notice->body;
    CHECK(b.find("Keys expiring within 30 days:") != std::string::npos);
    CHECK(b.find("0123456789ABCDEF0123456789ABCDEF01234567  team key  expires "
                 "2026-12-10T00:00:00Z (in 14d 22h 30m)") != std::string::npos);
    CHECK(b.find("BBBB  bob@example.org  expires 2026-11-20T00:00:00Z (EXPIRED)") !=
          std::string::npos);
}
