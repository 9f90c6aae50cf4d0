// Notifications end to end (SPEC 6): real Dovecot, real aiosmtpd sink, real
// gpg on both sides. Who gets what, headers and threading, encryption per
// recipient, no report content where it must not be, outbox delivering each
// message exactly once across an SMTP outage, loop safety.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo::test;
using nlohmann::json;

namespace {
const std::string kNow = test_iso(0, "12:00:00");
const char* kSubject = "Heap overflow in header parser";
const char* kSecretText = "The parser overflows on a 70000-byte header line";

Mail plain_report(const std::string& from = "Eve <eve@example.net>") {
    Mail m;
    m.from = from;
    m.subject = kSubject;
    m.message_id = unique_message_id("report");
    m.body = std::string(kSecretText) + ".\nRegards, Eve\n";
    return m;
}

// Everything but the daily digest (which also goes out when now is past 09:00).
std::vector<ReceivedMail> case_mail(const std::vector<ReceivedMail>& all) {
    std::vector<ReceivedMail> out;
    for (const auto& m : all)
        if (m.header("X-Embargo-Kind") != "digest") out.push_back(m);
    return out;
}

std::vector<ReceivedMail> of_kind(const std::vector<ReceivedMail>& all, const std::string& kind) {
    std::vector<ReceivedMail> out;
    for (const auto& m : all)
        if (m.header("X-Embargo-Kind") == kind) out.push_back(m);
    return out;
}

// Headers every notification carries (SPEC 6, issue 5).
void check_common_headers(const ReceivedMail& m, const std::string& case_id) {
    INFO("kind " << m.header("X-Embargo-Kind") << " to " << m.rcpts[0]);
    CHECK(m.rcpts.size() == 1);
    CHECK(m.header("X-Embargo-Case") == case_id);
    CHECK(m.header("Reply-To").find("secalert@example.org") != std::string::npos);
    CHECK(m.header("From").find("secalert@example.org") != std::string::npos);
    CHECK(m.header("References").find("<" + case_id + "@example.org>") != std::string::npos);
    CHECK_FALSE(m.header("In-Reply-To").empty());
    CHECK_FALSE(m.header("Date").empty());
    CHECK(m.header("Message-ID").find(case_id) != std::string::npos);
    CHECK(m.header("Subject").rfind("[" + case_id + "]", 0) == 0);
    CHECK(m.header("Subject").find("[" + case_id + "]", 1) == std::string::npos);
    // The report's subject never travels in the clear.
    CHECK(m.header("Subject").find(kSubject) == std::string::npos);
    CHECK(m.mail_from == "secalert@example.org");
}
}  // namespace

TEST_CASE("a report produces one ack and one encrypted new-case per member") {
    DaemonEnv env;
    auto report = plain_report();
    env.deliver(report.str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);
    REQUIRE(env.smtp().wait_for(4, std::chrono::seconds(10)));
    auto all = env.smtp().messages();
    auto acks = of_kind(all, "ack");
    auto news = of_kind(all, "new-case");
    REQUIRE(acks.size() == 1);
    REQUIRE(news.size() == 3);

    // The reporter has no key: the ack says what happens next and nothing of the report.
    const auto& ack = acks[0];
    check_common_headers(ack, test_case_id("EMST", 1));
    CHECK(ack.rcpts[0] == "eve@example.net");
    CHECK(ack.header("In-Reply-To") == "<" + report.message_id + ">");
    CHECK(ack.header("Auto-Submitted") == "auto-generated");
    CHECK(ack.raw.find(test_case_id("EMST", 1)) != std::string::npos);
    CHECK(ack.raw.find(kSubject) == std::string::npos);
    CHECK(ack.raw.find(kSecretText) == std::string::npos);

    std::set<std::string> to;
    for (const auto& m : news) {
        check_common_headers(m, test_case_id("EMST", 1));
        to.insert(m.rcpts[0]);
        CHECK(m.header("Content-Type").find("multipart/encrypted") != std::string::npos);
        CHECK(m.raw.find(kSecretText) == std::string::npos);
        auto d = env.people().decrypt(m.raw.substr(m.raw.find("-----BEGIN PGP MESSAGE-----")));
        INFO(d.status);
        CHECK(d.decryption_okay());
        CHECK(d.good_signature_by(env.team_fpr()));
        CHECK(d.plaintext.find(kSecretText) != std::string::npos);
        CHECK(d.plaintext.find("Case: " + test_case_id("EMST", 1)) != std::string::npos);
        // The real subject is inside, as a protected header.
        CHECK(d.plaintext.find(kSubject) != std::string::npos);
        CHECK(d.plaintext.find("[" + test_case_id("EMST", 1) + "] New report: ") !=
              std::string::npos);
        CHECK(d.plaintext.find("[" + test_case_id("EMST", 1) + "] [" + test_case_id("EMST", 1) +
                               "]") == std::string::npos);
    }
    CHECK(to == std::set<std::string>{"alice@example.org", "bob@example.org", "carol@example.org"});

    // Running again sends nothing new: each notification goes out once.
    env.run_once(kNow);
    CHECK(case_mail(env.smtp().messages()).size() == 4);
    CHECK(of_kind(env.smtp().messages(), "digest").size() == 3);  // once per member, once a day
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE("a reporter's reply is relayed to the lead and Fix Team, not back to the reporter") {
    DaemonEnv env(DaemonEnvOptions{.require_signed_commands = false});
    auto dave = env.make_person("Dave Engineer", "dave@example.net");
    env.team_home().import(env.people().export_public(dave.fpr));
    auto report = plain_report();
    env.deliver(report.str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);

    Mail cc;
    cc.from = env.members()[0].header();  // alice, the lead
    cc.subject = "Re: [" + test_case_id("EMST", 1) + "] new case";
    cc.message_id = unique_message_id("cc");
    cc.body = "> Case: " + test_case_id("EMST", 1) + "\n\n/cc dave@example.net\n";
    env.deliver(cc.str(), test_iso(0, "12:10:00"));
    env.run_once(test_iso(0, "12:15:00"));
    CHECK(env.show(test_case_id("EMST", 1))["fix_team"] == json::array({"dave@example.net"}));

    size_t before = env.smtp().messages().size();
    Mail reply;
    reply.from = "Eve <eve@example.net>";
    reply.subject = "Re: [" + test_case_id("EMST", 1) + "] report received";
    reply.message_id = unique_message_id("eve-reply");
    reply.in_reply_to = report.message_id;
    reply.references = report.message_id;
    reply.body = "It also crashes with HTTP/2.\n";
    env.deliver(reply.str(), test_iso(0, "13:00:00"));
    env.run_once(test_iso(0, "13:05:00"));
    auto all = env.smtp().messages();
    std::vector<ReceivedMail> relays;
    for (size_t i = before; i < all.size(); ++i)
        if (all[i].header("X-Embargo-Kind") == "relay") relays.push_back(all[i]);
    std::set<std::string> to;
    for (const auto& m : relays) {
        to.insert(m.rcpts[0]);
        check_common_headers(m, test_case_id("EMST", 1));
        auto d = env.people().decrypt(m.raw.substr(m.raw.find("-----BEGIN PGP MESSAGE-----")));
        CHECK(d.decryption_okay());
        CHECK(d.plaintext.find("It also crashes with HTTP/2.") != std::string::npos);
    }
    CHECK(to == std::set<std::string>{"alice@example.org", "dave@example.net"});
}

TEST_CASE("an SMTP outage keeps notifications in the outbox and later each is delivered once") {
    DaemonEnv env;
    env.smtp().stop();
    env.deliver(plain_report().str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);  // SMTP down does not make --once fail
    auto pending = env.ctl_json({"outbox"});
    REQUIRE(pending.size() == 7);  // ack, 3 new-case, 3 digest
    for (const auto& o : pending) {
        CHECK(o["attempts"].get<int>() <= 1);
        if (o["kind"] == "digest")
            CHECK(o["case"].is_null());  // the digest spans cases
        else
            CHECK(o["case"] == test_case_id("EMST", 1));
    }
    CHECK_FALSE(pending[0]["last_error"].is_null());

    env.smtp().start({});
    // Backoff: the first retry is due a minute later.
    env.run_once(test_iso(0, "12:05:00"));
    REQUIRE(env.smtp().wait_for(7, std::chrono::seconds(10)));
    env.run_once(test_iso(0, "12:10:00"));
    auto all = env.smtp().messages();
    CHECK(all.size() == 7);
    std::map<std::string, int> ids;
    for (const auto& m : all) ids[m.header("Message-ID")]++;
    CHECK(ids.size() == 7);
    for (const auto& [id, n] : ids) CHECK(n == 1);
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE("auto-replies and bounces are never answered") {
    DaemonEnv env;
    auto report = plain_report();
    env.deliver(report.str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);
    REQUIRE(env.smtp().wait_for(4, std::chrono::seconds(10)));
    auto ack = of_kind(env.smtp().messages(), "ack").at(0);

    Mail vacation;
    vacation.from = "Eve <eve@example.net>";
    vacation.subject = "Out of office: " + ack.header("Subject");
    vacation.in_reply_to = ack.header("Message-ID").substr(1, ack.header("Message-ID").size() - 2);
    vacation.headers = {{"Auto-Submitted", "auto-replied"}};
    vacation.body = "I am away until Monday.\n";
    env.deliver(vacation.str(), test_iso(0, "12:01:00"));

    Mail bounce;
    bounce.from = "Mail Delivery System <MAILER-DAEMON@example.net>";
    bounce.subject = "Undelivered Mail Returned to Sender";
    bounce.body = "This is the mail system.\n";
    env.deliver(bounce.str(), test_iso(0, "12:02:00"));
    env.run_once(test_iso(0, "12:05:00"));
    for (const auto& m : env.smtp().messages()) {
        CHECK(m.rcpts[0] != "mailer-daemon@example.net");
        if (m.rcpts[0] == "eve@example.net") CHECK(m.header("X-Embargo-Kind") == "ack");
    }
    CHECK(of_kind(env.smtp().messages(), "ack").size() == 1);
}
