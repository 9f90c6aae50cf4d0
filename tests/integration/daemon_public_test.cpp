// Public reports through the real embargod (issue 14 part 4): a report that
// says it is already public gets the case flagged and the Fix Lead a ready
// reply draft; "/reply draft" sends it, encrypted, to the reporter; "/public"
// on a case gives the lead the same draft; "/reply draft" is refused on a
// case that is neither. Times are relative to today (the keys are made now).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/signed_mail.hpp"

using namespace embargo;
using namespace embargo::test;
using nlohmann::json;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// The mail the sink received since the last call: exactly `expected` messages.
class Inbox {
  public:
    explicit Inbox(DaemonEnv& env) : env_(env) {}
    std::vector<ReceivedMail> take(std::size_t expected) {
        env_.smtp().wait_for(seen_ + expected, std::chrono::seconds(20));
        auto all = env_.smtp().messages();
        std::vector<ReceivedMail> fresh(all.begin() + static_cast<std::ptrdiff_t>(seen_),
                                        all.end());
        seen_ = all.size();
        std::string kinds;
        for (const auto& m : fresh) kinds += m.header("X-Embargo-Kind") + " ";
        INFO("kinds received: " << kinds);
        REQUIRE(fresh.size() == expected);
        return fresh;
    }

  private:
    DaemonEnv& env_;
    std::size_t seen_ = 0;
};

const ReceivedMail& find_mail(const std::vector<ReceivedMail>& ms, const std::string& kind,
                              const std::string& to) {
    for (const auto& m : ms)
        if (m.header("X-Embargo-Kind") == kind && m.rcpts.size() == 1 && m.rcpts[0] == to) return m;
    FAIL("no " << kind << " mail to " << to);
    throw std::logic_error("unreachable");
}

int count_kind(const std::vector<ReceivedMail>& ms, const std::string& kind) {
    return static_cast<int>(std::count_if(ms.begin(), ms.end(), [&](const ReceivedMail& m) {
        return m.header("X-Embargo-Kind") == kind;
    }));
}

bool has_flag(const json& c, const std::string& f) {
    for (const auto& x : c["flags"])
        if (x == f) return true;
    return false;
}

constexpr const char* kSecret = "SECRET-DETAIL";

}  // namespace

TEST_CASE("a report that says it is public gets the lead a reply draft sent with /reply draft") {
    DaemonEnv env;
    const Person& alice = env.members()[0];
    const Person& bob = env.members()[1];
    // The reporter's key is known (imported by the operator): what reaches
    // her is encrypted, so the test can read it.
    Person eve = env.make_person("Eve Reporter", "eve@example.net");
    env.team_home().import(env.people().export_public(eve.fpr));
    Inbox inbox(env);

    // Tomorrow 01:00 UTC: after the keys were made, before the 09:00 digest.
    using namespace std::chrono;
    const TimePoint base = floor<days>(system_clock::now()) + days{1} + hours{1};
    auto iso = [&](minutes m) { return format_iso8601(base + m); };

    // --- 1. A report that says it is out already ---------------------------
    Mail report;
    report.subject = "Auth bypass in the admin API";
    report.message_id = unique_message_id("report");
    report.date = format_rfc5322(base);
    report.body = std::string(kSecret) +
                  ": the admin API skips the token check for HEAD requests.\n"
                  "Unfortunately this was already publicly disclosed on a forum yesterday.\n";
    env.deliver(report.str(), iso(minutes{0}));
    env.run_once(iso(minutes{5}));
    auto mails = inbox.take(5);  // ack, 3 x new-case, the draft
    CHECK(count_kind(mails, "new-case") == 3);
    const auto& draft = find_mail(mails, "public-reply-draft", alice.email);
    auto d = open_notification(env.people(), draft, env.team_fpr());
    CHECK(d.encrypted);
    CHECK(d.decrypted);
    CHECK(d.signed_ok);
    CHECK_FALSE(contains(draft.raw, kSecret));
    CHECK_FALSE(contains(draft.header("Subject"), "Auth bypass"));
    const std::string id = draft.header("X-Embargo-Case");
    CHECK(d.text.rfind("Case: " + id + "\n", 0) == 0);
    CHECK(contains(d.text, "already publicly disclosed") == false);  // our phrase, not the text
    CHECK(contains(d.text, "\"already publicly\""));
    CHECK(contains(d.text, "can it still be handled privately?"));
    CHECK(contains(d.text, "\"/reply draft\""));
    json c = env.ctl_json({"show", id, "--now", iso(minutes{5})});
    CHECK(has_flag(c, "reported-public"));
    CHECK(c["public"] == false);  // only the lead decides that, with /public
    bool event = false;
    for (const auto& e : c["events"])
        if (e["kind"] == "reported-public") {
            event = true;
            CHECK_FALSE(contains(e["detail"].get<std::string>(), kSecret));
        }
    CHECK(event);

    // --- 2. The lead sends it as it is ---------------------------------------
    Reply r;
    r.from = alice.header();
    r.signer_fpr = alice.fpr;
    r.team_fpr = env.team_fpr();
    r.protection = Protection::PgpMimeSigned;
    r.signed_at = base + minutes{10};
    r.message_id = unique_message_id("lead");
    thread_under(r, draft);
    r.text = reply_text("/reply draft\nNot for the reporter: an internal remark.", d.text);
    env.deliver(build_reply(env.people(), r), iso(minutes{10}));
    env.run_once(iso(minutes{11}));
    mails = inbox.take(2);
    auto result = open_notification(env.people(), find_mail(mails, "command-result", alice.email),
                                    env.team_fpr());
    CHECK(contains(result.text, "public-report reply draft goes to the reporter"));
    const auto& relay = find_mail(mails, "relay", eve.email);
    auto to_eve = open_notification(env.people(), relay, env.team_fpr());
    CHECK(to_eve.encrypted);
    CHECK(to_eve.decrypted);
    CHECK(to_eve.encrypted_to == encryption_key_ids(env.people(), eve.fpr));
    CHECK(to_eve.text.rfind("Case: " + id + "\n\nHello,\n", 0) == 0);
    CHECK(contains(to_eve.text, "can it still be handled privately?"));
    CHECK_FALSE(contains(to_eve.text, "internal remark"));
    CHECK_FALSE(contains(to_eve.text, "/reply"));
    CHECK_FALSE(contains(to_eve.text, "reply to the reporter -----"));

    // --- 3. Another report, not public: /reply draft is refused, /public
    // then gives the (new) lead the draft with the URL --------------------
    Mail second;
    second.subject = "Path traversal in the static file handler";
    second.message_id = unique_message_id("report2");
    second.date = format_rfc5322(base + minutes{20});
    second.body = "The static handler serves ../../etc/passwd. Nobody else knows yet.\n";
    env.deliver(second.str(), iso(minutes{20}));
    env.run_once(iso(minutes{21}));
    mails = inbox.take(4);  // ack and new-case only: no draft
    CHECK(count_kind(mails, "public-reply-draft") == 0);
    const auto& nc = find_mail(mails, "new-case", bob.email);
    const std::string id2 = nc.header("X-Embargo-Case");
    REQUIRE(id2 != id);
    json c2 = env.ctl_json({"show", id2, "--now", iso(minutes{21})});
    CHECK(c2["lead"] == bob.email);
    CHECK_FALSE(has_flag(c2, "reported-public"));
    auto nc_text = open_notification(env.people(), nc, env.team_fpr()).text;

    Reply refused;
    refused.from = bob.header();
    refused.signer_fpr = bob.fpr;
    refused.team_fpr = env.team_fpr();
    refused.protection = Protection::PgpMimeSigned;
    refused.signed_at = base + minutes{25};
    refused.message_id = unique_message_id("bob");
    thread_under(refused, nc);
    refused.text = reply_text("/reply draft", nc_text);
    env.deliver(build_reply(env.people(), refused), iso(minutes{25}));
    env.run_once(iso(minutes{26}));
    mails = inbox.take(1);
    auto refusal = open_notification(env.people(), mails[0], env.team_fpr());
    CHECK(mails[0].header("X-Embargo-Kind") == "command-result");
    CHECK(contains(refusal.text, "there is no reply draft"));

    Reply pub = refused;
    pub.signed_at = base + minutes{30};
    pub.message_id = unique_message_id("bob");
    pub.text = reply_text("/public https://forum.example.net/t/4711", nc_text);
    env.deliver(build_reply(env.people(), pub), iso(minutes{30}));
    env.run_once(iso(minutes{31}));
    mails = inbox.take(2);
    auto draft2 = open_notification(env.people(), find_mail(mails, "public-reply-draft", bob.email),
                                    env.team_fpr());
    CHECK(contains(draft2.text, "marked public with /public by you"));
    CHECK(contains(draft2.text, "https://forum.example.net/t/4711"));
    CHECK(env.ctl_json({"show", id2, "--now", iso(minutes{31})})["public"] == true);
    // Nothing reached the reporter of the second case unasked.
    CHECK(env.smtp().messages().size() == 14);
}
