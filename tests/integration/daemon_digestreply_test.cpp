// Replies to the daily digest through the real embargod (issue 12 item 1):
// the digest spans cases, so a member's reply to it must never open a new
// case. The signed text's own "Case: ID" line (or a quoted one when the
// digest named one case) says which case the commands are for; a reply that
// names none or several gets a command-result listing the candidate cases and
// how to name one, and a reply to that answer naming one case is applied.
// Times are relative to today: tomorrow's clock, after the test keys exist.
#include <catch2/catch.hpp>

#include <chrono>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/signed_mail.hpp"

using namespace embargo;
using namespace embargo::test;
using nlohmann::json;

namespace {

constexpr const char* kCvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L";  // 5.3

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Tomorrow at hh:mm UTC: later than the keys made when the test starts, and
// past the digest time (09:00) from 09:00 on.
TimePoint tomorrow_at(int hh, int mm) {
    auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) +
               std::chrono::days{1};
    return TimePoint{day} + std::chrono::hours{hh} + std::chrono::minutes{mm};
}
std::string iso(TimePoint t) {
    return format_iso8601(t);
}

std::string case_id(int n) {
    auto ymd =
        std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(tomorrow_at(0, 0))};
    std::string num = std::to_string(n);
    return "EMST-" + std::to_string(static_cast<int>(ymd.year())) + "-" +
           std::string(4 - num.size(), '0') + num;
}

std::vector<ReceivedMail> of_kind(const std::vector<ReceivedMail>& ms, const std::string& kind) {
    std::vector<ReceivedMail> out;
    for (const auto& m : ms)
        if (m.header("X-Embargo-Kind") == kind) out.push_back(m);
    return out;
}

// `reports` open cases, and the daily digest sent to every member.
struct Scene {
    DaemonEnv env;
    std::size_t seen = 0;

    explicit Scene(int reports) {
        for (int i = 0; i < reports; ++i) {
            Mail r;
            r.from = "Rita Reporter <rita" + std::to_string(i) + "@example.net>";
            r.subject = i == 0 ? "Heap overflow in header parser" : "Resolver cache poisoning";
            r.body = i == 0 ? "The header parser overflows its buffer on a long header line.\n"
                            : "Responses with a spoofed transaction id are cached for hours.\n";
            r.message_id = unique_message_id("report");
            env.deliver(r.str(), iso(tomorrow_at(8, 0)));
        }
        env.run_once(iso(tomorrow_at(9, 30)));
        REQUIRE(env.cases().size() == static_cast<std::size_t>(reports));
    }

    std::vector<ReceivedMail> fresh() {
        auto all = env.smtp().messages();
        std::vector<ReceivedMail> out(all.begin() + static_cast<std::ptrdiff_t>(seen), all.end());
        seen = all.size();
        return out;
    }

    ReceivedMail mail_to(const std::string& kind, const std::string& to) {
        for (const auto& m : env.smtp().messages())
            if (m.header("X-Embargo-Kind") == kind && m.rcpts == std::vector<std::string>{to})
                return m;
        FAIL("no " << kind << " mail to " << to);
        throw std::logic_error("unreachable");
    }

    std::string text_of(const ReceivedMail& m) {
        auto o = open_notification(env.people(), m, env.team_fpr());
        INFO("gpg: " << o.gpg_status);
        CHECK(o.decrypted);
        CHECK(o.signed_ok);
        return o.text;
    }

    // Alice's signed reply to `notification`: her own lines, then the quote.
    std::vector<ReceivedMail> reply(const ReceivedMail& notification, const std::string& own,
                                    Protection p, TimePoint when) {
        const Person& alice = env.members()[0];
        Reply r;
        r.from = alice.header();
        r.signer_fpr = alice.fpr;
        r.team_fpr = env.team_fpr();
        r.protection = p;
        r.signed_at = when;
        r.message_id = unique_message_id("digest-reply");
        thread_under(r, notification);
        r.text = reply_text(own, text_of(notification));
        fresh();
        env.deliver(build_reply(env.people(), r), iso(when));
        env.run_once(iso(when + std::chrono::minutes{5}));
        return fresh();
    }
};

}  // namespace

TEST_CASE("the digest says it spans cases in X-Embargo-Case and names them in X-Embargo-Cases") {
    Scene s(2);
    const Person& alice = s.env.members()[0];
    ReceivedMail d = s.mail_to("digest", alice.email);
    CHECK(d.header("X-Embargo-Case") == "digest");
    CHECK(d.header("X-Embargo-Cases") == case_id(1) + ", " + case_id(2));
    CHECK(contains(d.header("References"), "<digest@example.org>"));
    CHECK(s.text_of(d).rfind("Case: " + case_id(1) + ", " + case_id(2) + "\n", 0) == 0);
}

TEST_CASE(
    "a signed reply to the digest naming one case applies its commands there and opens no case") {
    Scene s(2);
    const Person& alice = s.env.members()[0];
    ReceivedMail d = s.mail_to("digest", alice.email);
    for (Protection p : {Protection::PgpMimeSigned, Protection::PgpMimeEncrypted}) {
        INFO("protection " << static_cast<int>(p));
        const std::string target = p == Protection::PgpMimeSigned ? case_id(2) : case_id(1);
        const TimePoint when = tomorrow_at(p == Protection::PgpMimeSigned ? 9 : 10, 40);
        auto mails = s.reply(d, "Case: " + target + "\n/cvss " + kCvss + "\n", p, when);

        CHECK(s.env.cases().size() == 2);  // no new case
        CHECK(of_kind(mails, "new-case").empty());
        CHECK(of_kind(mails, "ack").empty());
        auto results = of_kind(mails, "command-result");
        REQUIRE(results.size() == 1);
        CHECK(results[0].rcpts == std::vector<std::string>{alice.email});
        CHECK(results[0].header("X-Embargo-Case") == target);
        std::string t = s.text_of(results[0]);
        CHECK(contains(t, "Done:"));
        CHECK(s.env.show(target)["cvss"]["score"] == 5.3);
        CHECK(s.env.show(target)["messages"] == 2);
        // The quoted digest (other cases' ids, leads and dates) is not
        // relayed to the people on this case.
        const std::string other = target == case_id(1) ? case_id(2) : case_id(1);
        for (const auto& relay : of_kind(mails, "relay")) {
            std::string rt = s.text_of(relay);
            CHECK(!contains(rt, other));
            CHECK(!contains(rt, "Daily digest"));
        }
    }
}

TEST_CASE("a signed reply quoting a one-case digest is for that case") {
    Scene s(1);
    const Person& alice = s.env.members()[0];
    ReceivedMail d = s.mail_to("digest", alice.email);
    CHECK(d.header("X-Embargo-Case") == "digest");
    CHECK(d.header("X-Embargo-Cases") == case_id(1));
    auto mails = s.reply(d, std::string("/cvss ") + kCvss + "\n", Protection::PgpMimeSigned,
                         tomorrow_at(9, 40));
    CHECK(s.env.cases().size() == 1);
    auto results = of_kind(mails, "command-result");
    REQUIRE(results.size() == 1);
    CHECK(results[0].header("X-Embargo-Case") == case_id(1));
    CHECK(contains(s.text_of(results[0]), "Done:"));
    CHECK(s.env.show(case_id(1))["cvss"]["score"] == 5.3);
}

TEST_CASE("a reply to a digest of several cases that names none is answered with the candidates") {
    Scene s(2);
    const Person& alice = s.env.members()[0];
    ReceivedMail d = s.mail_to("digest", alice.email);
    const json before1 = s.env.show(case_id(1));
    const json before2 = s.env.show(case_id(2));

    // Only the quoted digest's "Case: A, B": which one is meant?
    auto mails = s.reply(d, std::string("/cvss ") + kCvss + "\n", Protection::PgpMimeSigned,
                         tomorrow_at(9, 40));
    CHECK(s.env.cases().size() == 2);
    CHECK(of_kind(mails, "new-case").empty());
    REQUIRE(mails.size() == 1);
    const ReceivedMail answer = mails[0];
    CHECK(answer.header("X-Embargo-Kind") == "command-result");
    CHECK(answer.rcpts == std::vector<std::string>{alice.email});
    CHECK(answer.header("X-Embargo-Case") == "command-result");
    CHECK(answer.header("X-Embargo-Cases") == case_id(1) + ", " + case_id(2));
    std::string t = s.text_of(answer);
    CHECK(t.rfind("Case: " + case_id(1) + ", " + case_id(2) + "\n", 0) == 0);
    CHECK(contains(t, "- " + case_id(1) + "\n"));
    CHECK(contains(t, "- " + case_id(2) + "\n"));
    CHECK(contains(t, "Case: ID"));
    CHECK(contains(t, "no command in it was applied"));
    CHECK(s.env.show(case_id(1))["cvss"] == before1["cvss"]);
    CHECK(s.env.show(case_id(2))["cvss"] == before2["cvss"]);
    CHECK(s.env.show(case_id(1))["messages"] == before1["messages"]);
    CHECK(s.env.show(case_id(2))["messages"] == before2["messages"]);

    // Two own Case: lines are just as ambiguous.
    mails = s.reply(d, "Case: " + case_id(1) + "\nCase: " + case_id(2) + "\n/cvss " + kCvss + "\n",
                    Protection::PgpMimeSigned, tomorrow_at(9, 50));
    CHECK(s.env.cases().size() == 2);
    REQUIRE(mails.size() == 1);
    CHECK(contains(s.text_of(mails[0]), "names several"));

    // Answering the question, naming one case: applied there.
    mails = s.reply(answer, "Case: " + case_id(2) + "\n/cvss " + kCvss + "\n",
                    Protection::PgpMimeSigned, tomorrow_at(10, 0));
    CHECK(s.env.cases().size() == 2);
    auto results = of_kind(mails, "command-result");
    REQUIRE(results.size() == 1);
    CHECK(results[0].header("X-Embargo-Case") == case_id(2));
    CHECK(contains(s.text_of(results[0]), "Done:"));
    CHECK(s.env.show(case_id(2))["cvss"]["score"] == 5.3);
    CHECK(s.env.show(case_id(1))["cvss"] == before1["cvss"]);
}

TEST_CASE("a non-member's mail threaded to the digest opens no case and is not answered") {
    Scene s(2);
    ReceivedMail d = s.mail_to("digest", s.env.members()[0].email);
    s.fresh();
    Mail m;
    m.from = "Mallory <mallory@example.net>";
    m.subject = "Re: " + d.header("Subject");
    m.message_id = unique_message_id("mallory");
    m.in_reply_to = message_id_of(d);
    m.references = message_id_of(d);
    m.body = "Which of these cases is about the resolver?\n";
    s.env.deliver(m.str(), iso(tomorrow_at(9, 40)));
    s.env.run_once(iso(tomorrow_at(9, 45)));
    CHECK(s.env.cases().size() == 2);
    CHECK(s.fresh().empty());
}
