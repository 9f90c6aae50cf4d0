// The forge rules ([forge], issue 14 part 2): which advisory calls the
// commands ask for and in which order, the collaborators a Fix Team makes
// (logins from /cc EMAIL github:LOGIN or [forge] login lines), the neutral
// advisory texts, and the private-fork mail. Pure: no forge is involved.
#include <catch2/catch.hpp>

#include "core/forge.hpp"
#include "core/workflow.hpp"

using namespace embargo;
using namespace embargo::workflow;
using namespace std::chrono_literals;
using forge::Action;
using forge::Job;

namespace {

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

const TimePoint kNow = std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now());

Config config(bool with_forge = true) {
    Config c;
    c.path = "/etc/embargo/embargo.conf";
    c.project.name = "Example Proxy";
    c.project.case_prefix = "EMST";
    c.team.members = {
        {"Alice Example", "alice@example.org", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
        {"Bob Example", "bob@example.org", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"},
    };
    c.timeline.digest_time.reset();
    if (with_forge) {
        c.forge.type = Forge::Type::Github;
        c.forge.owner = "example";
        c.forge.repo = "proxy";
        c.forge.token = "ghp_x";
        c.forge.logins = {{"bob@example.org", "bob-gh"}};
    }
    return c;
}

Case open_case(const Config& cfg) {
    Case c;
    c.id = "EMST-2026-0042";
    c.subject = "Heap overflow in header parser";
    c.reporters = {"eve@example.net"};
    c.lead = "alice@example.org";
    c.received_at = kNow - 48h;
    c.milestones = initial_milestones(c.received_at, cfg.timeline);
    return c;
}

Command cmd(CommandKind k, std::vector<std::string> values = {},
            std::vector<std::string> logins = {}) {
    Command c;
    c.kind = k;
    c.values = std::move(values);
    c.logins = std::move(logins);
    return c;
}

const Actor kAlice{"alice@example.org", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};

std::string done_text(const Outcome& o) {
    std::string s;
    for (const auto& d : o.done) s += d + "\n";
    return s;
}

}  // namespace

TEST_CASE("forge logins: GitHub's rules") {
    for (const std::string ok : {"octocat", "a", "bob-gh", "D4ve", "x-y-z"})
        CHECK(forge::valid_login(ok));
    CHECK(forge::valid_login(std::string(39, 'a')));
    for (const char* bad : {"", "-bob", "bob-", "bo--b", "bob_gh", "bob.gh", "bob gh", "bøb"})
        CHECK_FALSE(forge::valid_login(bad));
    CHECK_FALSE(forge::valid_login(std::string(40, 'a')));
    for (Action a : {Action::CreateAdvisory, Action::SetCollaborators, Action::RequestFork,
                     Action::RequestCve})
        CHECK(forge::action_from_kind(forge::kind(a)) == a);
    CHECK_FALSE(forge::action_from_kind("new-case"));
}

TEST_CASE("/cc adds the Fix Team's logins as advisory collaborators") {
    Config cfg = config();
    Case c = open_case(cfg);
    // dave's login from the command, bob's from [forge], carol has none.
    auto o = apply_commands(
        c, {cmd(CommandKind::Cc, {"dave@example.org", "bob@example.org"}, {"dave-gh", ""})}, kAlice,
        cfg, kNow);
    REQUIRE(o.applied);
    REQUIRE(o.forge_jobs.size() == 1);
    CHECK(o.forge_jobs[0] == Job{Action::SetCollaborators, {"dave-gh", "bob-gh"}});
    CHECK(forge::login_of(o.updated, cfg, "dave@example.org") == "dave-gh");
    CHECK(has(done_text(o), "advisory collaborators will be dave-gh, bob-gh"));
    // The case remembers dave's login: a later /cc of carol keeps him.
    auto o2 = apply_commands(o.updated, {cmd(CommandKind::Cc, {"carol@example.org"})}, kAlice, cfg,
                             kNow + 1h);
    REQUIRE(o2.applied);
    CHECK(o2.forge_jobs.empty());  // carol has no login: nothing changes on the forge
    CHECK(has(done_text(o2), "no GitHub login is known for carol@example.org"));
    auto o3 =
        apply_commands(o2.updated, {cmd(CommandKind::Cc, {"carol@example.org"}, {"carol-gh"})},
                       kAlice, cfg, kNow + 2h);
    REQUIRE(o3.forge_jobs.size() == 1);
    CHECK(o3.forge_jobs[0] == Job{Action::SetCollaborators, {"dave-gh", "bob-gh", "carol-gh"}});
    // /uncc takes the login away again.
    auto o4 = apply_commands(o3.updated, {cmd(CommandKind::Uncc, {"bob@example.org"})}, kAlice, cfg,
                             kNow + 3h);
    REQUIRE(o4.forge_jobs.size() == 1);
    CHECK(o4.forge_jobs[0] == Job{Action::SetCollaborators, {"dave-gh", "carol-gh"}});
    // The event log says which logins were given.
    bool logged = false;
    for (const auto& e : o.events)
        logged |= e.kind == "cc" && has(e.detail, "dave@example.org dave-gh");
    CHECK(logged);
}

TEST_CASE("without [forge] no forge call is asked for and /fork is refused") {
    Config cfg = config(false);
    Case c = open_case(cfg);
    auto o = apply_commands(c, {cmd(CommandKind::Cc, {"dave@example.org"}, {"dave-gh"})}, kAlice,
                            cfg, kNow);
    REQUIRE(o.applied);
    CHECK(o.forge_jobs.empty());
    auto f = apply_commands(c, {cmd(CommandKind::Fork)}, kAlice, cfg, kNow);
    CHECK_FALSE(f.applied);
    REQUIRE(f.errors.size() == 1);
    CHECK(has(f.errors[0], "/fork: no [forge] is configured in /etc/embargo/embargo.conf"));
    auto r = apply_commands(c, {cmd(CommandKind::Released, {"1.13.5"})}, kAlice, cfg, kNow);
    REQUIRE(r.applied);
    CHECK(r.forge_jobs.empty());
}

TEST_CASE(
    "/fork asks for the private fork; /released removes the collaborators and asks "
    "for the CVE when GitHub is the CNA") {
    Config cfg = config();
    Case c = open_case(cfg);
    auto f = apply_commands(c, {cmd(CommandKind::Fork)}, kAlice, cfg, kNow);
    REQUIRE(f.applied);
    CHECK(f.forge_jobs == std::vector<Job>{{Action::RequestFork, {}}});

    for (Cna cna : {Cna::Github, Cna::Mitre, Cna::None}) {
        INFO(static_cast<int>(cna));
        cfg.cve.cna = cna;
        auto r = apply_commands(
            f.updated,
            {cmd(CommandKind::Released, {"1.13.5"}), cmd(CommandKind::Cve, {"CVE-2026-12345"})},
            kAlice, cfg, kNow + 1h);
        REQUIRE(r.applied);
        std::vector<Job> want{{Action::SetCollaborators, {}}};
        if (cna == Cna::Github) want.push_back({Action::RequestCve, {}});
        CHECK(r.forge_jobs == want);
        CHECK(r.updated.cve == "CVE-2026-12345");  // /cve still records one by hand
        CHECK(has(done_text(r), "the advisory's collaborators will be removed"));
        // After the release: no fork, and the collaborators stay removed.
        auto late = apply_commands(r.updated, {cmd(CommandKind::Fork)}, kAlice, cfg, kNow + 2h);
        CHECK_FALSE(late.applied);
        auto cc =
            apply_commands(r.updated, {cmd(CommandKind::Cc, {"dave@example.org"}, {"dave-gh"})},
                           kAlice, cfg, kNow + 2h);
        CHECK(cc.forge_jobs.empty());
    }
    // A CVE recorded by hand before the release is not requested again.
    cfg.cve.cna = Cna::Github;
    Case with_cve = f.updated;
    with_cve.cve = "CVE-2026-99999";
    auto r = apply_commands(with_cve, {cmd(CommandKind::Released, {"1.13.5"})}, kAlice, cfg, kNow);
    CHECK(r.forge_jobs == std::vector<Job>{{Action::SetCollaborators, {}}});
}

TEST_CASE("the advisory texts and the fork mail hold nothing of the report") {
    Config cfg = config();
    Case c = open_case(cfg);
    c.fix_team = {"dave@example.org", "alice@example.org"};
    for (const std::string& text :
         {forge::advisory_summary(c, cfg), forge::advisory_description(c, cfg)}) {
        INFO(text);
        CHECK(has(text, c.id));
        CHECK_FALSE(has(text, c.subject));
        CHECK_FALSE(has(text, "overflow"));
        CHECK_FALSE(has(text, "eve@example.net"));
    }
    CHECK(has(forge::advisory_description(c, cfg), "private tracker"));
    auto n =
        forge::fork_notice(c, "GHSA-abcd-1234-efgh", "https://github.com/example/proxy-ghsa-abcd");
    CHECK(n.kind == "private-fork");
    CHECK(n.case_id == c.id);
    CHECK_FALSE(n.is_public);  // encrypted like all case mail
    CHECK(n.to == std::vector<std::string>{"alice@example.org", "dave@example.org"});
    CHECK(n.body.rfind("Case: " + c.id + "\n", 0) == 0);
    CHECK(has(n.body, "https://github.com/example/proxy-ghsa-abcd"));
    CHECK(has(n.subject, "GHSA-abcd-1234-efgh"));
}
