// The forge ([forge], issue 14 part 2) through the real embargod and
// embargoctl (real Dovecot, SMTP sink, gpg) against GitHub's OFFICIAL OpenAPI
// description served by Prism in `mock --errors` mode, which refuses every
// request that breaks the contract. Prism's request log shows which calls
// were made, in which order, and how each was answered: a draft advisory on
// the new case (with nothing of the report), the Fix Team as collaborators
// on /cc, the temporary private fork on /fork (its URL mailed, encrypted, to
// the Fix Team), the collaborators removed and the CVE requested on
// /released. Without Prism the test program exits 77 (ctest: skipped) and
// says so loudly. The failure paths use a dead port and a local HTTP server
// that refuses: mail is never held up, calls wait in order, retry, park.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/time.hpp"
#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/prism.hpp"
#include "tests/support/signed_mail.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace embargo;
using namespace embargo::test;
using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

constexpr const char* kSecret = "SECRET-DETAIL";
constexpr const char* kReportSubject = "Heap overflow in header parser";
constexpr const char* kToken = "ghp_T0KEN9f3c2a";  // must never show in a log or output
constexpr const char* kRepo = "acme/widget";

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

struct TestClock {
    TimePoint start =
        std::chrono::time_point_cast<std::chrono::minutes>(std::chrono::system_clock::now()) +
        hours(1);
    TimePoint at(std::chrono::minutes m) const { return start + m; }
    std::string iso(std::chrono::minutes m) const { return format_iso8601(at(m)); }
};

// [forge] (and [cve] cna = github) towards `api_url`; bob's login from the config.
std::string forge_config(DaemonEnv& env, const std::string& api_url) {
    std::string token = env.dir() + "/github.token";
    write_file(token, std::string(kToken) + "\n", 0600);
    return "[cve]\ncna = github\n\n[forge]\ntype = github\napi_url = " + api_url +
           "\nrepository = " + kRepo + "\ntoken_file = " + token +
           "\ntimeout = 20s\nlogin = bob@example.org bob-gh\n";
}

void lead_says(DaemonEnv& env, const ReceivedMail& notification, const std::string& quoted,
               const std::string& commands, TimePoint when) {
    const Person& alice = env.members()[0];
    Reply r;
    r.from = alice.header();
    r.signer_fpr = alice.fpr;
    r.team_fpr = env.team_fpr();
    r.protection = Protection::PgpMimeSigned;
    r.signed_at = when;
    r.message_id = unique_message_id("lead");
    thread_under(r, notification);
    r.text = reply_text(commands, quoted);
    env.deliver(build_reply(env.people(), r), format_iso8601(when));
}

// The last mail of `kind` to `to` (a copy: messages() returns a fresh list).
std::optional<ReceivedMail> find_mail(const std::vector<ReceivedMail>& ms, const std::string& kind,
                                      const std::string& to) {
    for (auto it = ms.rbegin(); it != ms.rend(); ++it)
        if (it->header("X-Embargo-Kind") == kind && it->rcpts.size() == 1 && it->rcpts[0] == to)
            return *it;
    return std::nullopt;
}

// A report; returns the new-case mail to the lead and its readable text.
std::pair<ReceivedMail, std::string> open_case(DaemonEnv& env, const TestClock& t,
                                               std::string& logs) {
    Mail report;
    report.subject = kReportSubject;
    report.message_id = unique_message_id("report");
    report.date = format_rfc5322(t.at(minutes(0)));
    report.body = std::string(kSecret) + ": the header parser overflows its stack buffer.\n";
    env.deliver(report.str(), t.iso(minutes(0)));
    logs += env.run_once(t.iso(minutes(1))).err;
    REQUIRE(env.smtp().wait_for(4, std::chrono::seconds(20)));
    auto nc = find_mail(env.smtp().messages(), "new-case", env.members()[0].email);
    REQUIRE(nc);
    std::string quoted = open_notification(env.people(), *nc, env.team_fpr()).text;
    return {*nc, quoted};
}

// The request bodies the daemon queued for its calls (what it sends, byte for byte).
std::vector<std::pair<std::string, std::string>> forge_bodies(DaemonEnv& env) {
    SQLite::Database db(env.db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db,
                        "SELECT kind, body FROM outbox WHERE recipient LIKE 'forge:%' ORDER BY id");
    std::vector<std::pair<std::string, std::string>> out;
    while (q.executeStep()) {
        const auto& c = q.getColumn(1);
        out.emplace_back(
            q.getColumn(0).getString(),
            std::string(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes())));
    }
    return out;
}

int count_events(const json& shown, const std::string& kind) {
    int n = 0;
    for (const auto& e : shown["events"])
        if (e["kind"] == kind) ++n;
    return n;
}

}  // namespace

TEST_CASE("forge calls against GitHub's official description are accepted in order and once") {
    Prism::skip_if_missing();
    TestClock t;
    Prism prism;
    DaemonEnv env;
    const std::string alice = env.members()[0].email;
    const std::string bob = env.members()[1].email;
    const std::string carol = env.members()[2].email;
    env.opts.extra = forge_config(env, prism.url());
    env.write_config();
    std::string logs;
    auto run = [&](minutes m) { logs += env.run_once(t.iso(m)).err; };

    // --- A new case: one draft advisory, with nothing of the report ----------
    auto [new_case, quoted] = open_case(env, t, logs);
    const std::string id = env.cases()[0]["id"];
    auto calls = prism.calls();
    INFO("prism log:\n" << prism.log());
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].line() == "post /repos/acme/widget/security-advisories");
    CHECK(calls[0].status == 201);
    CHECK(calls[0].violations.empty());
    json shown = env.show(id);
    REQUIRE(shown["advisory"].is_object());
    const std::string ghsa = shown["advisory"]["ghsa_id"];
    CHECK(ghsa.rfind("GHSA-", 0) == 0);
    CHECK(shown["advisory"]["url"].get<std::string>().rfind("https://", 0) == 0);
    CHECK(shown["advisory"]["repository"] == kRepo);
    CHECK(shown["advisory"]["fork_url"].is_null());
    auto bodies = forge_bodies(env);
    REQUIRE(bodies.size() == 1);
    CHECK(bodies[0].first == "forge-advisory");
    {
        INFO(bodies[0].second);
        json b = json::parse(bodies[0].second);
        CHECK(contains(b.at("summary").get<std::string>(), id));
        CHECK(contains(b.at("description").get<std::string>(), "private tracker"));
        CHECK(!contains(bodies[0].second, kSecret));
        CHECK(!contains(bodies[0].second, kReportSubject));
        CHECK(!contains(bodies[0].second, "overflow"));
        CHECK(!contains(bodies[0].second, "eve@example.net"));
        CHECK(!contains(bodies[0].second, "BEGIN PGP"));
    }
    CHECK(env.ctl_json({"outbox"}).empty());

    // --- /cc (bob's login from [forge], carol's given) and /fork -------------
    lead_says(env, new_case, quoted, "/cc " + bob + " " + carol + " github:carol-gh\n/fork\n",
              t.at(minutes(10)));
    run(minutes(11));
    calls = prism.calls();
    REQUIRE(calls.size() == 3);
    CHECK(calls[1].line() == "patch /repos/acme/widget/security-advisories/" + ghsa);
    CHECK(calls[1].status == 200);
    CHECK(calls[2].line() == "post /repos/acme/widget/security-advisories/" + ghsa + "/forks");
    CHECK(calls[2].status == 202);
    bodies = forge_bodies(env);
    REQUIRE(bodies.size() == 3);
    CHECK(json::parse(bodies[1].second) == json{{"collaborating_users", {"bob-gh", "carol-gh"}}});
    shown = env.show(id);
    const std::string fork_url = shown["advisory"]["fork_url"];
    CHECK(fork_url.rfind("https://", 0) == 0);
    // The human `show` names the advisory and the fork too, not only --json.
    auto human = env.ctl({"show", id}).out;
    CHECK(contains(
        human, "  advisory:  " + ghsa + "  " + shown["advisory"]["url"].get<std::string>() + "\n"));
    CHECK(contains(human, "  fork:      " + fork_url + "\n"));
    // The fork's URL, encrypted, to the lead and the Fix Team, in this same cycle.
    for (const std::string& who : {alice, bob, carol}) {
        INFO(who);
        auto m = find_mail(env.smtp().messages(), "private-fork", who);
        REQUIRE(m);
        CHECK(!contains(m->raw, fork_url));
        auto opened = open_notification(env.people(), *m, env.team_fpr());
        CHECK(opened.encrypted);
        CHECK(opened.decrypted);
        CHECK(contains(opened.text, "Case: " + id));
        CHECK(contains(opened.text, fork_url));
        CHECK(contains(opened.text, ghsa));
    }
    // The command result says what was asked of the forge.
    {
        auto r = find_mail(env.smtp().messages(), "command-result", alice);
        REQUIRE(r);
        std::string text = open_notification(env.people(), *r, env.team_fpr()).text;
        CHECK(contains(text, "advisory collaborators will be bob-gh, carol-gh"));
        CHECK(contains(text, "private fork is requested"));
    }

    // --- /released: collaborators removed, then the CVE requested ------------
    lead_says(env, new_case, quoted, "/released 1.13.5\n", t.at(minutes(20)));
    run(minutes(21));
    calls = prism.calls();
    REQUIRE(calls.size() == 5);
    CHECK(calls[3].line() == "patch /repos/acme/widget/security-advisories/" + ghsa);
    CHECK(calls[3].status == 200);
    CHECK(calls[4].line() == "post /repos/acme/widget/security-advisories/" + ghsa + "/cve");
    CHECK(calls[4].status == 202);
    bodies = forge_bodies(env);
    REQUIRE(bodies.size() == 5);
    CHECK(json::parse(bodies[3].second) == json{{"collaborating_users", json::array()}});
    for (const auto& c : calls) {
        INFO(c.line());
        CHECK(c.violations.empty());
    }
    // The CVE request mail says it went through the advisory; /cve records the id.
    {
        auto r = find_mail(env.smtp().messages(), "cve-request", alice);
        REQUIRE(r);
        std::string text = open_notification(env.people(), *r, env.team_fpr()).text;
        CHECK(contains(text, "embargo has requested the CVE from GitHub"));
    }
    lead_says(env, new_case, quoted, "/cve CVE-2026-12345\n", t.at(minutes(30)));
    run(minutes(31));
    CHECK(env.show(id)["cve"] == "CVE-2026-12345");

    // Done means done: later cycles call nothing more.
    run(hours(5));
    CHECK(prism.calls().size() == 5);
    CHECK(env.ctl_json({"outbox"}).empty());
    shown = env.show(id);
    CHECK(count_events(shown, "forge-advisory") == 1);
    CHECK(count_events(shown, "forge-collaborators") == 2);
    CHECK(count_events(shown, "forge-fork") == 1);
    CHECK(count_events(shown, "forge-cve") == 1);
    CHECK(env.ctl({"audit"}).exit_code == 0);
    // embargoctl check probes the forge with the token.
    auto check = env.ctl({"check"});
    logs += check.out + check.err;
    CHECK(contains(check.out, "ok    forge " + prism.url() + " " + kRepo));
    // The token is a secret: in no log line and no output.
    logs += env.ctl({"show", id}).out + env.ctl({"outbox"}).out;
    CHECK(!contains(logs, kToken));
    CHECK(!contains(prism.log(), kReportSubject));
}

TEST_CASE("a failing forge never holds up mail and its calls wait in order then retry and park") {
    TestClock t;
    DaemonEnv env;
    const std::string bob = env.members()[1].email;
    // Nothing listens on this port: every call fails in transport.
    env.opts.extra = forge_config(env, "http://127.0.0.1:" + std::to_string(free_port()));
    env.write_config();
    std::string logs;
    auto [new_case, quoted] = open_case(env, t, logs);  // the mail went out regardless
    const std::string id = env.cases()[0]["id"];
    auto outbox = env.ctl_json({"outbox"});
    REQUIRE(outbox.size() == 1);
    CHECK(outbox[0]["to"] == std::string("forge:") + kRepo);
    CHECK(outbox[0]["kind"] == "forge-advisory");
    CHECK(outbox[0]["case"] == id);
    CHECK(outbox[0]["attempts"] == 1);
    CHECK(outbox[0]["parked"] == false);
    CHECK(contains(outbox[0]["last_error"].get<std::string>(), "forge.api_url"));
    CHECK(env.show(id)["advisory"].is_null());

    // /cc: the collaborators wait for the advisory; the command result is mailed.
    lead_says(env, new_case, quoted, "/cc " + bob + "\n", t.at(minutes(10)));
    logs += env.run_once(t.iso(minutes(11))).err;
    REQUIRE(find_mail(env.smtp().messages(), "command-result", env.members()[0].email));
    outbox = env.ctl_json({"outbox"});
    REQUIRE(outbox.size() == 2);
    CHECK(outbox[1]["kind"] == "forge-collaborators");
    CHECK(outbox[1]["attempts"] == 0);
    CHECK(contains(outbox[1]["last_error"].get<std::string>(), "waiting for forge-advisory"));
    CHECK(outbox[0]["attempts"] == 2);  // retried after its backoff (1 minute)

    // A forge that understands and refuses (422): parked at once, and what
    // depends on the advisory keeps waiting, visibly.
    WebhookReceiver refusing({.fail_code = 422});
    env.opts.extra = forge_config(env, refusing.url(""));
    env.write_config();
    logs += env.run_once(t.iso(minutes(30))).err;
    auto posts = refusing.posts();
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].path == "/repos/acme/widget/security-advisories");
    CHECK(!contains(posts[0].body, kSecret));
    CHECK(!contains(posts[0].body, kReportSubject));
    outbox = env.ctl_json({"outbox"});
    REQUIRE(outbox.size() == 2);
    CHECK(outbox[0]["parked"] == true);
    CHECK(contains(outbox[0]["last_error"].get<std::string>(), "HTTP 422"));
    CHECK(outbox[1]["parked"] == false);
    CHECK(outbox[1]["attempts"] == 0);
    CHECK(contains(env.ctl({"outbox"}).out, "PARKED"));
    logs += env.run_once(t.iso(hours(3))).err;
    CHECK(refusing.posts().size() == 1);  // parked: never tried again
    const json shown = env.show(id);
    CHECK(count_events(shown, "forge-parked") == 1);
    CHECK(!contains(logs, kToken));
}
