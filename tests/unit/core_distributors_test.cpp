// Distributors (issue 14 part 5): the embargo-window rule on /announce and
// /release-date, the encrypted pre-notification, and the reminder 24 h
// before the release date. Times are relative to now.
#include <catch2/catch.hpp>

#include "core/distributors.hpp"
#include "core/scheduler.hpp"
#include "core/workflow.hpp"

using namespace embargo;
using namespace embargo::workflow;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

const TimePoint kNow = std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now());

Config config(bool with_distributors = true) {
    Config c;
    c.project.name = "Example Proxy";
    c.project.case_prefix = "EMST";
    c.team.members = {
        {"Alice Example", "alice@example.org", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
    };
    c.team.announce = {"users@lists.example.org"};
    c.timeline.digest_time.reset();
    if (with_distributors)
        c.distributors.addresses = {"distros@vs.openwall.org", "security@debian.org"};
    return c;
}

Case open_case(const Config& cfg) {
    Case c;
    c.id = "EMST-2026-0042";
    c.subject = "Heap overflow in header parser";
    c.reporters = {"eve@example.net"};
    c.lead = "alice@example.org";
    c.state = CaseState::Fixed;
    c.received_at = kNow - 48h;
    c.milestones = initial_milestones(c.received_at, cfg.timeline);
    c.cvss = Cvss{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"};
    c.affects = {"1.13.4", "master"};
    c.mitigations = {"set max_header_bytes = 8192"};
    return c;
}

Command announce() {
    Command c;
    c.kind = CommandKind::Announce;
    return c;
}

Command release_date(TimePoint t) {
    Command c;
    c.kind = CommandKind::ReleaseDate;
    c.when = t;
    return c;
}

const Actor kAlice{"alice@example.org", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};

Outcome run(const Case& c, std::vector<Command> cmds, const Config& cfg, TimePoint now = kNow) {
    return apply_commands(c, cmds, kAlice, cfg, now);
}

const NoticeRequest* find(const Outcome& o, const std::string& kind) {
    for (const auto& n : o.notices)
        if (n.kind == kind) return &n;
    return nullptr;
}

}  // namespace

TEST_CASE("/announce is refused when the release is more than max_embargo away") {
    auto cfg = config();
    auto c = open_case(cfg);
    c.release_date = kNow + 14 * 24h + 1h;
    auto out = run(c, {announce()}, cfg);
    CHECK_FALSE(out.applied);
    REQUIRE(out.errors.size() == 1);
    CHECK(has(out.errors[0], "/announce: not sent to the distributors: the release date " +
                                 format_iso8601(*c.release_date) + " is 14d 1h after now"));
    CHECK(has(out.errors[0], "at most 14d (distributors.max_embargo)"));
    CHECK(has(out.errors[0], "no later than " + format_iso8601(kNow + 14 * 24h)));
    CHECK(has(out.errors[0], "/announce on or after " + format_iso8601(kNow + 1h)));
    REQUIRE(out.notices.size() == 1);
    CHECK(out.notices[0].kind == "command-result");
    CHECK_FALSE(out.updated.milestone(MilestoneName::Announce).done);

    // Exactly at the limit it goes out, an hour later too.
    auto later = run(c, {announce()}, cfg, kNow + 1h);
    CHECK(later.applied);
    // A shorter configured window is enforced as configured.
    cfg.distributors.max_embargo = 7 * 24h;
    c.release_date = kNow + 8 * 24h;
    CHECK(has(run(c, {announce()}, cfg).errors.at(0), "at most 7d"));
    // Without distributors the release date may be as far away as the team likes.
    auto plain = config(false);
    c.release_date = kNow + 60 * 24h;
    auto free = run(c, {announce()}, plain);
    CHECK(free.applied);
    CHECK_FALSE(find(free, "distributor-notice"));
}

TEST_CASE("/announce sends the distributors an encrypted pre-notification") {
    auto cfg = config();
    auto c = open_case(cfg);
    c.release_date = kNow + 14 * 24h;
    auto out = run(c, {announce()}, cfg);
    REQUIRE(out.applied);
    CHECK(has(out.done.at(0),
              "pre-notification (encrypted) sent to the distributors distros@vs.openwall.org, "
              "security@debian.org"));
    REQUIRE(find(out, "announcement"));
    const NoticeRequest* n = find(out, "distributor-notice");
    REQUIRE(n);
    CHECK(n->to == cfg.distributors.addresses);
    CHECK_FALSE(n->is_public);  // encrypted to each distributor's key
    CHECK(n->body.rfind("Case: EMST-2026-0042\n\n", 0) == 0);
    CHECK(has(n->body, "Public release (end of embargo): " + format_iso8601(*c.release_date)));
    CHECK(has(n->body, "Notified:                        " + format_iso8601(kNow)));
    CHECK(has(n->body, "1.13.4, master"));
    CHECK(has(n->body, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
    CHECK(has(n->body, "set max_header_bytes = 8192"));
    CHECK_FALSE(has(n->body, c.subject));
    CHECK_FALSE(has(n->subject, c.subject));
    bool event = false;
    for (const auto& e : out.events) event = event || e.kind == "distributors";
    CHECK(event);
}

TEST_CASE("after the notice the release date stays within max_embargo of it") {
    auto cfg = config();
    auto c = open_case(cfg);
    c.release_date = kNow + 10 * 24h;
    auto out = run(c, {announce()}, cfg);
    REQUIRE(out.applied);
    Case notified = out.updated;
    REQUIRE(distributors::notified(notified, cfg));

    const TimePoint later = kNow + 2 * 24h;
    auto moved = run(notified, {release_date(kNow + 14 * 24h)}, cfg, later);
    CHECK(moved.applied);
    auto too_far = run(notified, {release_date(kNow + 14 * 24h + 1s)}, cfg, later);
    CHECK_FALSE(too_far.applied);
    CHECK(has(too_far.errors.at(0), "the distributors were notified at " + format_iso8601(kNow)));
    CHECK(has(too_far.errors.at(0), "no later than " + format_iso8601(kNow + 14 * 24h)));
    // A second /announce does not restart the window: it counts from the first notice.
    auto again = run(moved.updated, {announce()}, cfg, later);
    CHECK(again.applied);
    REQUIRE(find(again, "distributor-notice"));
    CHECK(has(find(again, "distributor-notice")->body,
              "Notified:                        " + format_iso8601(kNow)));
    // Without distributors, moving the date is not limited.
    CHECK(run(notified, {release_date(kNow + 60 * 24h)}, config(false), later).applied);
}

TEST_CASE("the distributors get a reminder 24 h before the release date, once per date") {
    auto cfg = config();
    auto c = open_case(cfg);
    const TimePoint release = kNow + 10 * 24h;
    c.release_date = release;
    auto notified = run(c, {announce()}, cfg).updated;
    auto reminders = [&](const Case& k, TimePoint now, const scheduler::SentState& s) {
        auto due = scheduler::case_notices(k, cfg, now, s);
        std::vector<NoticeRequest> out;
        for (auto& n : due.notices)
            if (n.kind == "distributor-reminder") out.push_back(n);
        return std::make_pair(out, due.sent);
    };
    scheduler::SentState none;
    CHECK(reminders(notified, release - 24h - 1s, none).first.empty());
    auto [sent, state] = reminders(notified, release - 24h, none);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].to == cfg.distributors.addresses);
    CHECK_FALSE(sent[0].is_public);
    CHECK(has(sent[0].body, "ends with the public release at " + format_iso8601(release)));
    CHECK(has(sent[0].body, "in 1d"));
    CHECK(state.distributors_reminded == release);
    // Once: not again on the next poll, nor after a jump past the release.
    CHECK(reminders(notified, release - 1h, state).first.empty());
    CHECK(reminders(notified, release + 1h, none).first.empty());
    // A new release date gets its own reminder.
    Case moved = notified;
    moved.release_date = release + 2 * 24h;
    CHECK(reminders(moved, release + 24h + 1h, state).first.size() == 1);
    // Not before the notice, not after the release, not without distributors.
    CHECK(reminders(c, release - 1h, none).first.empty());
    Case released = notified;
    released.milestone(MilestoneName::Release).done = release - 2h;
    CHECK(reminders(released, release - 1h, none).first.empty());
    auto plain = config(false);
    CHECK(scheduler::case_notices(notified, plain, release - 1h, none).sent.distributors_reminded ==
          std::nullopt);
}
