// Distributors through the real embargod (issue 14 part 5): /announce with a
// release date beyond [distributors] max_embargo is refused with the reason;
// within it, the distributors get the pre-notification encrypted to each
// one's key (a distributor without a key gets the content-free notice, as
// with encrypt = required for anyone), and a reminder 24 h before the release
// date, once. Times are relative to today (the keys are made now).
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

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

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
        for (const auto& m : fresh)
            kinds += m.header("X-Embargo-Kind") + "->" + (m.rcpts.empty() ? "?" : m.rcpts[0]) + " ";
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

constexpr const char* kSecret = "SECRET-DETAIL";
constexpr const char* kSubject = "Heap overflow in header parser";
constexpr const char* kDistros = "distros@lists.example.org";
constexpr const char* kNoKey = "packagers@example.com";
constexpr const char* kCvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

}  // namespace

TEST_CASE("distributors: window rule on /announce then the encrypted notice and the reminder") {
    DaemonEnvOptions o;
    // Long milestone windows and no digest: only what this test is about is sent.
    o.extra = std::string(
                  "[timeline]\norganize = 30d\nfix = 30d\nannounce = 30d\nrelease = 60d\n"
                  "digest_time =\n\n[distributors]\naddress = ") +
              kDistros + "\naddress = " + kNoKey + "\nmax_embargo = 7d\n";
    DaemonEnv env(o);
    const Person& alice = env.members()[0];
    Person distros = env.make_person("Distros List", kDistros);
    env.team_home().import(env.people().export_public(distros.fpr));
    Inbox inbox(env);

    using namespace std::chrono;
    const TimePoint base = floor<days>(system_clock::now()) + days{1} + hours{1};
    auto iso = [](TimePoint t) { return format_iso8601(t); };

    Mail report;
    report.subject = kSubject;
    report.message_id = unique_message_id("report");
    report.date = format_rfc5322(base);
    report.body = std::string(kSecret) + ": a 70000-byte header line overflows the parser.\n";
    env.deliver(report.str(), iso(base));
    env.run_once(iso(base + minutes{1}));
    auto mails = inbox.take(4);  // ack + new-case to the three members
    const ReceivedMail nc = find_mail(mails, "new-case", alice.email);  // a copy: mails is reused
    const std::string id = nc.header("X-Embargo-Case");
    const std::string nc_text = open_notification(env.people(), nc, env.team_fpr()).text;

    auto reply = [&](const std::string& commands, TimePoint at) {
        Reply r;
        r.from = alice.header();
        r.signer_fpr = alice.fpr;
        r.team_fpr = env.team_fpr();
        r.protection = Protection::PgpMimeSigned;
        r.signed_at = at;
        r.message_id = unique_message_id("lead");
        thread_under(r, nc);
        r.text = reply_text(commands, nc_text);
        env.deliver(build_reply(env.people(), r), iso(at));
        env.run_once(iso(at + minutes{1}));
    };

    // --- 1. Release date 8 days after the notice: refused, nothing sent ------
    const TimePoint t1 = base + hours{1};
    const TimePoint too_late = t1 + days{8};
    reply("/cvss " + std::string(kCvss) + "\n/release-date " + iso(too_late) + "\n/announce", t1);
    mails = inbox.take(1);
    {
        auto cr = open_notification(env.people(), find_mail(mails, "command-result", alice.email),
                                    env.team_fpr());
        CHECK(contains(
            cr.text, "/announce: not sent to the distributors: the release date " + iso(too_late)));
        CHECK(contains(cr.text, "at most 7d (distributors.max_embargo)"));
        CHECK(contains(cr.text, "no later than " + iso(t1 + minutes{1} + days{7})));
    }
    json c = env.ctl_json({"show", id, "--now", iso(t1 + minutes{1})});
    CHECK(c["release_date"].is_null());  // all or nothing
    CHECK(c["state"] == "triage");

    // --- 2. Within the window: announcement, and the distributors' notice ----
    const TimePoint t2 = t1 + hours{1};
    const TimePoint release = t2 + days{6};
    reply("/cvss " + std::string(kCvss) + "\n/release-date " + iso(release) + "\n/announce", t2);
    mails = inbox.take(4);  // command-result, announcement, distributor-notice x2
    {
        auto cr = open_notification(env.people(), find_mail(mails, "command-result", alice.email),
                                    env.team_fpr());
        CHECK(contains(cr.text, "pre-notification (encrypted) sent to the distributors"));
        find_mail(mails, "announcement", "users@lists.example.org");
        const auto& dn = find_mail(mails, "distributor-notice", kDistros);
        CHECK_FALSE(contains(dn.raw, kCvss));  // nothing in the clear
        CHECK_FALSE(contains(dn.header("Subject"), kSubject));
        auto o = open_notification(env.people(), dn, env.team_fpr());
        CHECK(o.encrypted);
        CHECK(o.decrypted);
        CHECK(o.signed_ok);
        CHECK(o.encrypted_to == encryption_key_ids(env.people(), distros.fpr));
        CHECK(o.text.rfind("Case: " + id + "\n", 0) == 0);
        CHECK(contains(o.text, "Public release (end of embargo): " + iso(release)));
        CHECK(contains(o.text, kCvss));
        CHECK_FALSE(contains(o.text, kSecret));
        CHECK_FALSE(contains(o.text, kSubject));
        // No key for this one: a content-free notice in the clear.
        const auto& nk = find_mail(mails, "distributor-notice", kNoKey);
        CHECK_FALSE(contains(nk.raw, kCvss));
        CHECK_FALSE(contains(nk.raw, iso(release)));
        auto plain = open_notification(env.people(), nk, env.team_fpr());
        CHECK(plain.content_type == "text/plain");
        CHECK(contains(plain.text, "no usable OpenPGP key"));
    }
    c = env.ctl_json({"show", id, "--now", iso(t2 + minutes{1})});
    CHECK(c["state"] == "announced");
    CHECK(c["release_date"] == iso(release));

    // --- 3. Moving the release past the window is refused --------------------
    const TimePoint t3 = t2 + hours{1};
    reply("/release-date " + iso(t2 + minutes{1} + days{7} + minutes{1}), t3);
    mails = inbox.take(1);
    CHECK(contains(open_notification(env.people(), mails[0], env.team_fpr()).text,
                   "the distributors were notified at " + iso(t2 + minutes{1})));

    // --- 4. The reminder: not 25 h before, once 23 h before -----------------
    env.run_once(iso(release - hours{25}));
    env.run_once(iso(release - hours{23}));
    mails = inbox.take(2);
    const auto& rem = find_mail(mails, "distributor-reminder", kDistros);
    auto r = open_notification(env.people(), rem, env.team_fpr());
    CHECK(r.encrypted);
    CHECK(r.decrypted);
    CHECK(contains(r.text, "ends with the public release at " + iso(release)));
    find_mail(mails, "distributor-reminder", kNoKey);
    env.run_once(iso(release - hours{2}));
    env.run_once(iso(release - hours{1}));
    CHECK(env.smtp().messages().size() == 12);
}
