// Chat webhooks ([chat]) through the real embargod and embargoctl against a
// real local HTTP(S) receiver: the public notices (announcement, release
// announcement, public retrospective) are posted once each, as Slack or
// generic JSON, through the outbox (a 500 is retried, visible meanwhile in
// `embargoctl outbox`); nothing embargoed ever reaches a channel; TLS
// certificates are checked; routing an embargoed kind to chat is refused
// with exit 2 and FILE:LINE: key; the webhook URL (a secret) is never shown.
#include <catch2/catch.hpp>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "core/time.hpp"
#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/signed_mail.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace embargo;
using namespace embargo::test;
using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

constexpr const char* kSecret = "SECRET-DETAIL";
constexpr const char* kReportSubject = "Heap overflow in header parser";
constexpr const char* kReporter = "eve@example.net";
constexpr const char* kCvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
// Part of every webhook URL: it must never show in a log or in embargoctl.
constexpr const char* kUrlToken = "T0KEN-9f3c2a";

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Minutes from the test's start, as embargod --now and signature times take
// them. The start is 08:00 on day 0 of the test timeline (test_clock.hpp):
// after the back-dated keys' creation and in the real past, on any date.
struct TestClock {
    TimePoint start = test_time(0, "08:00");
    TimePoint at(std::chrono::minutes m) const { return start + m; }
    std::string iso(std::chrono::minutes m) const { return format_iso8601(at(m)); }
};

// Writes a webhook URL file (owner-only, as the parser demands).
std::string url_file(DaemonEnv& env, const std::string& name, const std::string& url) {
    std::string path = env.dir() + "/" + name + ".url";
    write_file(path, url + "\n", 0600);
    return path;
}

// The lead's signed reply carrying `commands`, threaded under `notification`.
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

const ReceivedMail& last_mail(const std::vector<ReceivedMail>& ms, const std::string& kind,
                              const std::string& to) {
    for (auto it = ms.rbegin(); it != ms.rend(); ++it)
        if (it->header("X-Embargo-Kind") == kind && it->rcpts.size() == 1 && it->rcpts[0] == to)
            return *it;
    FAIL("no " << kind << " mail to " << to);
    throw std::logic_error("unreachable");
}

// Nothing of the report or its reporter in any post; before the release not
// even the CVSS vector (the announcement gives only the severity).
void check_public(const ReceivedPost& p, bool released) {
    INFO("post to " << p.path << ": " << p.body);
    CHECK(p.content_type == "application/json");
    CHECK(!contains(p.body, kSecret));
    CHECK(!contains(p.body, kReportSubject));
    CHECK(!contains(p.body, "overflow"));
    CHECK(!contains(p.body, kReporter));
    if (!released) CHECK(!contains(p.body, kCvss));
    CHECK(!contains(p.body, "BEGIN PGP"));
}

}  // namespace

TEST_CASE("public notices reach chat once each and embargoed ones never") {
    TestClock t;
    // The first post is refused with a 500: the outbox must retry it.
    WebhookReceiver hook({.fail_code = 500, .fail_count = 1});
    DaemonEnv env;
    const std::string alice = env.members()[0].email;
    const std::string general =
        url_file(env, "general", hook.url("/hooks/general/" + std::string(kUrlToken)));
    const std::string dev = url_file(env, "dev", hook.url("/hooks/dev/" + std::string(kUrlToken)));
    env.opts.extra = "[chat]\ntarget = general slack " + general +
                     " announcement,release-announcement\ntarget = dev json " + dev +
                     " retrospective\ntimeout = 10s\n";
    env.write_config();
    std::string logs;  // everything the daemon and embargoctl printed
    auto run = [&](minutes m) { logs += env.run_once(t.iso(m)).err; };

    // --- The report: mail to the team, nothing to chat -----------------------
    Mail report;
    report.subject = kReportSubject;
    report.message_id = unique_message_id("report");
    report.date = format_rfc5322(t.at(minutes(0)));
    report.body = std::string(kSecret) + ": the header parser overflows its stack buffer.\n";
    env.deliver(report.str(), t.iso(minutes(0)));
    run(minutes(1));
    REQUIRE(env.smtp().wait_for(4, std::chrono::seconds(20)));
    auto cases = env.cases();
    REQUIRE(cases.size() == 1);
    const std::string id = cases[0]["id"];
    const ReceivedMail new_case = last_mail(env.smtp().messages(), "new-case", alice);
    const std::string quoted = open_notification(env.people(), new_case, env.team_fpr()).text;
    CHECK(hook.posts().empty());

    // --- Scored, fixed, dated and announced: one post, refused with a 500 ----
    const std::string release_date = t.iso(hours(72));
    lead_says(env, new_case, quoted,
              std::string("/cvss ") + kCvss + "\n/affects 1.13.4 master\n/fixed\n/release-date " +
                  release_date +
                  "\n/mitigation Limit request header lines to 8 KiB <!channel>\n/announce\n",
              t.at(minutes(10)));
    run(minutes(11));
    REQUIRE(hook.wait_for(1, std::chrono::seconds(5)));
    auto posts = hook.posts();
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].status == 500);
    CHECK(posts[0].path == "/hooks/general/" + std::string(kUrlToken));
    // Still queued, visible to the operator with the error, and retried later.
    auto outbox = env.ctl_json({"outbox"});
    REQUIRE(outbox.size() == 1);
    CHECK(outbox[0]["to"] == "chat:general");
    CHECK(outbox[0]["kind"] == "announcement");
    CHECK(outbox[0]["case"] == id);
    CHECK(outbox[0]["attempts"] == 1);
    CHECK(outbox[0]["parked"] == false);
    CHECK(contains(outbox[0]["last_error"].get<std::string>(), "HTTP 500"));
    auto human = env.ctl({"outbox"});
    CHECK(human.exit_code == 0);
    CHECK(contains(human.out, "chat:general"));
    logs += human.out + human.err;
    // The mail announcement went out regardless of the chat service.
    {
        bool mailed = false;
        for (const auto& m : env.smtp().messages())
            mailed |= m.header("X-Embargo-Kind") == "announcement" &&
                      m.rcpts == std::vector<std::string>{"users@lists.example.org"};
        CHECK(mailed);
    }

    // Before the backoff (1 minute) ends nothing is retried; after it, once.
    run(minutes(11));
    CHECK(hook.posts().size() == 1);
    run(minutes(13));
    REQUIRE(hook.wait_for(2, std::chrono::seconds(5)));
    auto ok = hook.accepted();
    REQUIRE(ok.size() == 1);
    CHECK(ok[0].path == "/hooks/general/" + std::string(kUrlToken));
    check_public(ok[0], false);
    {
        // Slack incoming-webhook JSON: one "text" field.
        json j = json::parse(ok[0].body);
        REQUIRE(j.is_object());
        CHECK(j.size() == 1);
        std::string text = j.at("text");
        CHECK(contains(text, "Forthcoming security release of Example Proxy on " + release_date));
        CHECK(contains(text, id));
        CHECK(contains(text, "Limit request header lines to 8 KiB"));
        CHECK(contains(text, "critical"));
        // Slack's escaping: text from commands cannot mention or link.
        CHECK(contains(text, "8 KiB &lt;!channel&gt;"));
        CHECK(!contains(text, "<!channel>"));
    }
    CHECK(env.ctl_json({"outbox"}).empty());
    // Delivered means done: later cycles post nothing more.
    run(minutes(30));
    CHECK(hook.posts().size() == 2);

    // --- Released: the release announcement, to the same channel -------------
    lead_says(env, new_case, quoted, "/released 1.13.5\n/cve CVE-2026-12345\n", t.at(minutes(40)));
    run(minutes(41));
    REQUIRE(hook.wait_for(3, std::chrono::seconds(5)));
    ok = hook.accepted();
    REQUIRE(ok.size() == 2);
    CHECK(ok[1].path == "/hooks/general/" + std::string(kUrlToken));
    check_public(ok[1], true);
    {
        std::string text = json::parse(ok[1].body).at("text");
        CHECK(contains(text, "Security release of Example Proxy 1.13.5"));
        CHECK(contains(text, "CVE-2026-12345"));
    }

    // --- The retrospective: the public copy, as generic JSON, to dev ---------
    lead_says(env, new_case, quoted, "/retrospective Header limits need a fuzz target\n",
              t.at(minutes(50)));
    run(minutes(51));
    REQUIRE(hook.wait_for(4, std::chrono::seconds(5)));
    ok = hook.accepted();
    REQUIRE(ok.size() == 3);
    CHECK(ok[2].path == "/hooks/dev/" + std::string(kUrlToken));
    check_public(ok[2], true);
    {
        json j = json::parse(ok[2].body);
        CHECK(j.at("case") == id);
        CHECK(j.at("kind") == "retrospective");
        CHECK(contains(j.at("subject").get<std::string>(), "Retrospective"));
        CHECK(contains(j.at("text").get<std::string>(), "Header limits need a fuzz target"));
    }
    CHECK(env.show(id)["state"] == "closed");

    // Days later: still exactly these posts; every other notice (ack,
    // new-case, command results, relays, cve-request, reminders, digests)
    // went by mail only.
    run(hours(24 * 5));
    auto all = hook.posts();
    CHECK(all.size() == 4);
    std::multiset<std::string> kinds;
    for (const auto& p : hook.accepted()) {
        json j = json::parse(p.body);
        kinds.insert(j.contains("kind")                   ? j["kind"].get<std::string>()
                     : contains(j["text"], "Forthcoming") ? "announcement"
                                                          : "release-announcement");
    }
    CHECK(kinds ==
          std::multiset<std::string>{"announcement", "release-announcement", "retrospective"});
    CHECK(env.ctl_json({"outbox"}).empty());
    // The case log records each post.
    int posted = 0;
    const json shown = env.show(id);
    for (const auto& e : shown["events"])
        if (e["kind"] == "chat-posted") ++posted;
    CHECK(posted == 3);
    // The webhook URL is a secret: not in any log line or embargoctl output.
    logs += env.ctl({"show", id}).out;
    CHECK(!contains(logs, kUrlToken));
    CHECK(contains(logs, "chat:general"));
}

TEST_CASE("chat posts go over verified TLS only") {
    TestClock t;
    TempDir certs;
    auto r = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                  "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", certs / "key.pem", "-out",
                  certs / "cert.pem"});
    REQUIRE(r.exit_code == 0);
    WebhookReceiver hook({.tls_cert = certs / "cert.pem", .tls_key = certs / "key.pem"});
    REQUIRE(contains(hook.url("/"), "https://"));
    DaemonEnv env;
    const std::string general = url_file(env, "general", hook.url("/hooks/general"));
    // No chat.ca_file: the self-signed certificate is not trusted.
    env.opts.extra = "[chat]\ntarget = general json " + general + " announcement\n";
    env.write_config();

    Mail report;
    report.message_id = unique_message_id("report");
    report.date = format_rfc5322(t.at(minutes(0)));
    env.deliver(report.str(), t.iso(minutes(0)));
    env.run_once(t.iso(minutes(1)));
    REQUIRE(env.smtp().wait_for(4, std::chrono::seconds(20)));
    const std::string alice = env.members()[0].email;
    const ReceivedMail new_case = last_mail(env.smtp().messages(), "new-case", alice);
    const std::string quoted = open_notification(env.people(), new_case, env.team_fpr()).text;
    lead_says(env, new_case, quoted, "/fixed\n/release-date " + t.iso(hours(72)) + "\n/announce\n",
              t.at(minutes(5)));
    env.run_once(t.iso(minutes(6)));
    // Refused by the client's certificate check: nothing arrived, the post waits.
    CHECK(hook.posts().empty());
    auto outbox = env.ctl_json({"outbox"});
    REQUIRE(outbox.size() == 1);
    CHECK(outbox[0]["to"] == "chat:general");
    CHECK(outbox[0]["parked"] == false);
    const std::string err = outbox[0]["last_error"];
    INFO(err);
    CHECK((contains(err, "certificate") || contains(err, "SSL")));
    CHECK(contains(err, "chat.ca_file"));

    // With the receiver's certificate as chat.ca_file it is delivered, once.
    env.opts.extra += "ca_file = " + certs / "cert.pem" + "\n";
    env.write_config();
    env.run_once(t.iso(minutes(10)));
    REQUIRE(hook.wait_for(1, std::chrono::seconds(5)));
    env.run_once(t.iso(minutes(30)));
    auto posts = hook.posts();
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].status == 200);
    check_public(posts[0], false);
    CHECK(json::parse(posts[0].body).at("kind") == "announcement");
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE("embargoed kinds routed to chat are refused with FILE:LINE: key") {
    DaemonEnv env;
    const std::string general = url_file(env, "general", "https://chat.example.org/hooks/x");
    for (const std::string kind :
         {"new-case", "relay", "command-result", "cve-request", "reminder", "digest"}) {
        INFO(kind);
        env.opts.extra =
            "[chat]\ntarget = general slack " + general + " announcement," + kind + "\n";
        env.write_config();
        // The [chat] line is the config's last line.
        int line = 0;
        for (char ch : read_file(env.config_path())) line += ch == '\n';
        auto d = env.embargod({"--once"});
        CHECK(d.exit_code == 2);
        CHECK(contains(d.err, env.config_path() + ":" + std::to_string(line) + ": chat.target:"));
        CHECK(contains(d.err, "\"" + kind + "\" cannot go to chat"));
        auto c = env.ctl({"outbox"});
        CHECK(c.exit_code == 2);
        CHECK(contains(c.err, "chat.target"));
    }
    // A remote http:// webhook would send its secret in clear text.
    write_file(general, "http://chat.example.org/hooks/" + std::string(kUrlToken) + "\n", 0600);
    env.opts.extra = "[chat]\ntarget = general slack " + general + " announcement\n";
    env.write_config();
    auto d = env.embargod({"--once"});
    CHECK(d.exit_code == 2);
    CHECK(contains(d.err, "chat.target"));
    CHECK(contains(d.err, "use https://"));
    CHECK(!contains(d.err, kUrlToken));
    // A URL file others can read is refused like a password file.
    write_file(general, "https://chat.example.org/hooks/x\n", 0644);
    d = env.embargod({"--once"});
    CHECK(d.exit_code == 2);
    CHECK(contains(d.err, "chmod 600"));
}
