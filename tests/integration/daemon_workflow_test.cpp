// A whole disclosure case played by email against the real embargod and
// embargoctl: a plain report, the Fix Lead's signed replies (PGP/MIME signed,
// PGP/MIME encrypted, cleartext-signed) that form the Fix Team, score, fix,
// announce, release and close the case, with a reminder, an escalation and
// digests on the way. Every mail the SMTP sink receives is opened with its
// recipient's key and checked for threading, kind, encryption and leaks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "tests/support/cve_schema.hpp"
#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/signed_mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo;
using namespace embargo::test;
using nlohmann::json;

namespace {

// The case's timeline starts on day 0 of the test clock (test_clock.hpp):
// after the back-dated test keys' creation (signatures made with gpg
// --faked-system-time must not predate their key) and weeks before today,
// and every run gets its time from --now: nothing depends on the date.
const std::string kCase = test_case_id("EMST", 1);
constexpr const char* kReportSubject = "Heap overflow in header parser";
constexpr const char* kReportText =
    "SECRET-DETAIL: the header parser overflows its 8 KiB stack buffer when a\n"
    "single header line is longer than 70000 bytes; a remote client can crash\n"
    "the proxy or run code.\n";
constexpr const char* kReporter = "eve@example.net";
constexpr const char* kDave = "dave@example.net";
constexpr const char* kCvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
constexpr const char* kPr = "https://github.com/example/proxy/pull/4242";

TimePoint at(const std::string& iso) {
    auto t = parse_iso8601(iso);
    REQUIRE(t);
    return *t;
}

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
        INFO("kinds received: " << describe(fresh));
        REQUIRE(fresh.size() == expected);
        return fresh;
    }
    static std::string describe(const std::vector<ReceivedMail>& ms) {
        std::string s;
        for (const auto& m : ms)
            s += m.header("X-Embargo-Kind") + "->" + (m.rcpts.empty() ? "?" : m.rcpts[0]) + " ";
        return s;
    }

  private:
    DaemonEnv& env_;
    std::size_t seen_ = 0;
};

using KindTo = std::pair<std::string, std::string>;

std::vector<KindTo> kinds(const std::vector<ReceivedMail>& ms) {
    std::vector<KindTo> out;
    for (const auto& m : ms)
        out.emplace_back(m.header("X-Embargo-Kind"), m.rcpts.size() == 1 ? m.rcpts[0] : "?");
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<KindTo> sorted(std::vector<KindTo> v) {
    std::sort(v.begin(), v.end());
    return v;
}

const ReceivedMail& find_mail(const std::vector<ReceivedMail>& ms, const std::string& kind,
                              const std::string& to) {
    for (const auto& m : ms)
        if (m.header("X-Embargo-Kind") == kind && m.rcpts.size() == 1 && m.rcpts[0] == to) return m;
    FAIL("no " << kind << " mail to " << to);
    throw std::logic_error("unreachable");
}

// Checks every rule that holds for all notifications and returns the text as
// its recipient reads it. `thread` is the case the mail threads under: the
// case itself, or "digest" for the digest, which spans cases: its
// X-Embargo-Case is "digest" and X-Embargo-Cases names its open cases.
OpenedNotification check_mail(DaemonEnv& env, const ReceivedMail& m, const std::string& thread) {
    const std::string kind = m.header("X-Embargo-Kind");
    const std::string to = m.rcpts.size() == 1 ? m.rcpts[0] : "";
    INFO("mail " << kind << " to " << to);
    REQUIRE(m.rcpts.size() == 1);
    CHECK(m.header("X-Embargo-Case") == thread);
    if (thread == "digest") CHECK(m.header("X-Embargo-Cases") == kCase);
    CHECK(contains(m.header("Reply-To"), "secalert@example.org"));
    CHECK(contains(m.header("From"), "secalert@example.org"));
    CHECK(contains(m.header("To"), to));
    CHECK(!message_id_of(m).empty());
    // Threading: under the case's root, replying to what caused it.
    const std::string root = "<" + thread + "@example.org>";
    const std::string refs = m.header("References");
    const std::string irt = m.header("In-Reply-To");
    CHECK(contains(refs, root));
    CHECK(!irt.empty());
    CHECK(contains(refs, irt));
    // The outer subject never carries the report's subject.
    const std::string subject = m.header("Subject");
    CHECK(contains(subject, "[" + thread + "]"));
    CHECK(!contains(subject, kReportSubject));
    CHECK(!contains(subject, "overflow"));

    const bool to_list = to == "users@lists.example.org" || to == "dev@lists.example.org";
    const bool is_public = kind == "announcement" || kind == "release-announcement" || to_list;
    auto o = open_notification(env.people(), m, env.team_fpr());
    INFO("gpg: " << o.gpg_status);
    if (is_public) {
        // Signed by the team key, readable by anyone.
        CHECK(o.content_type == "multipart/signed");
        CHECK(o.signed_ok);
        CHECK(!contains(o.text, "SECRET-DETAIL"));
        CHECK(!contains(o.text, kReportSubject));
        CHECK(!contains(o.text, kReporter));
    } else if (to == kReporter) {
        // The reporter sent no key: a content-free notice in the clear.
        CHECK(o.content_type == "text/plain");
        CHECK(!contains(o.text, "SECRET-DETAIL"));
        CHECK(!contains(o.text, kReportSubject));
        CHECK(!contains(m.raw, "SECRET-DETAIL"));
    } else {
        CHECK(o.content_type == "multipart/encrypted");
        CHECK(o.encrypted);
        CHECK(o.decrypted);
        // Encrypted to the recipient's key and nobody else's (people() holds
        // every secret key, so decrypting alone would not show that).
        CHECK(o.encrypted_to == encryption_key_ids(env.people(), "<" + to + ">"));
        CHECK(o.encrypted_to.size() == 1);
        CHECK(o.signed_ok);
        // Nothing of the case in the clear.
        CHECK(!contains(m.raw, "SECRET-DETAIL"));
        CHECK(!contains(m.raw, kCvss));
    }
    // Every body begins with the case line (the digest lists its open cases).
    CHECK(o.text.rfind(std::string("Case: ") + kCase + "\n", 0) == 0);
    return o;
}

// All mails of one step.
std::vector<OpenedNotification> check_all(DaemonEnv& env, const std::vector<ReceivedMail>& ms) {
    std::vector<OpenedNotification> out;
    for (const auto& m : ms) {
        std::string c = m.header("X-Embargo-Kind") == "digest" ? "digest" : kCase;
        out.push_back(check_mail(env, m, c));
    }
    return out;
}

json show(DaemonEnv& env, const std::string& now) {
    return env.ctl_json({"show", kCase, "--now", now});
}

const json& milestone(const json& c, const std::string& name) {
    for (const auto& m : c["milestones"])
        if (m["name"] == name) return m;
    FAIL("no milestone " << name);
    throw std::logic_error("unreachable");
}

// Events of `kind` given by `actor` and signed by `signer`.
int count_events(const json& c, const std::string& kind, const std::string& actor,
                 const std::string& signer) {
    int n = 0;
    for (const auto& e : c["events"])
        if (e["kind"] == kind && e["actor"] == actor && e["signer"] == signer) ++n;
    return n;
}

// A reply by `who` to `notification` carrying `commands`, quoting the
// notification's text as a mail client does.
Reply reply_by(const Person& who, const ReceivedMail& notification, const std::string& quoted,
               const std::string& commands, Protection p, const std::string& signed_at,
               const std::string& team_fpr) {
    Reply r;
    r.from = who.header();
    r.signer_fpr = who.fpr;
    r.team_fpr = team_fpr;
    r.protection = p;
    r.signed_at = at(signed_at);
    r.message_id = unique_message_id("lead");
    thread_under(r, notification);
    r.text = reply_text(commands, quoted);
    return r;
}

// The text between two marker lines.
std::string between(const std::string& s, const std::string& begin, const std::string& end) {
    auto b = s.find(begin);
    REQUIRE(b != std::string::npos);
    b += begin.size();
    auto e = s.find(end, b);
    REQUIRE(e != std::string::npos);
    return s.substr(b, e - b);
}

}  // namespace

TEST_CASE("a case from report to retrospective, by email") {
    DaemonEnv env;
    const auto& members = env.members();
    REQUIRE(members.size() == 3);
    const Person& alice = members[0];
    const std::string A = alice.email, B = members[1].email, C = members[2].email;
    // The test's clock must lie after the keys were made (see kCase).

    // Dave is on the Fix Team, not in the security team: the operator imported his key.
    Person dave = env.make_person("Dave Engineer", kDave);
    env.team_home().import(env.people().export_public(dave.fpr));
    Inbox inbox(env);

    // --- 0. The report, in the clear, without a key ------------------------
    Mail report;
    report.from = "Eve Reporter <eve@example.net>";
    report.subject = kReportSubject;
    report.message_id = unique_message_id("report");
    report.date = test_rfc5322(0, "07:59:00");
    report.body = kReportText;
    env.deliver(report.str(), test_iso(0, "08:00:00"));
    env.run_once(test_iso(0, "08:05:00"));

    auto mails = inbox.take(4);
    CHECK(kinds(mails) ==
          sorted({{"ack", kReporter}, {"new-case", A}, {"new-case", B}, {"new-case", C}}));
    auto opened = check_all(env, mails);
    {
        const auto& ack = find_mail(mails, "ack", kReporter);
        CHECK(ack.header("In-Reply-To") == "<" + report.message_id + ">");
        auto t = open_notification(env.people(), ack, env.team_fpr()).text;
        CHECK(contains(t, kCase));
    }
    for (const auto& to : {A, B, C}) {
        const auto& nc = find_mail(mails, "new-case", to);
        auto o = open_notification(env.people(), nc, env.team_fpr());
        CHECK(contains(o.inner_subject, kReportSubject));  // only inside the encryption
        CHECK(contains(o.text, "SECRET-DETAIL"));
        CHECK(contains(o.text, "Fix Lead:  " + A));
        CHECK(contains(o.text, test_iso(1, "08:00:00")));  // organize due
    }
    json c = show(env, test_iso(0, "08:05:00"));
    CHECK(c["state"] == "triage");
    CHECK(c["lead"] == A);
    CHECK(c["reporters"] == json::array({kReporter}));
    CHECK(c["received_at"] == test_iso(0, "08:00:00"));
    CHECK(milestone(c, "organize")["due"] == test_iso(1, "08:00:00"));
    CHECK(milestone(c, "fix")["due"] == test_iso(7, "08:00:00"));
    CHECK(milestone(c, "announce")["due"] == test_iso(7, "08:00:00"));
    CHECK(milestone(c, "release")["due"] == test_iso(21, "08:00:00"));
    CHECK(milestone(c, "retrospective")["due"].is_null());
    const ReceivedMail new_case_to_alice = find_mail(mails, "new-case", A);
    const std::string new_case_text =
        open_notification(env.people(), new_case_to_alice, env.team_fpr()).text;

    // --- 1. After 09:00 UTC: the daily digest --------------------------------
    env.run_once(test_iso(0, "09:30:00"));
    mails = inbox.take(3);
    CHECK(kinds(mails) == sorted({{"digest", A}, {"digest", B}, {"digest", C}}));
    opened = check_all(env, mails);
    for (const auto& o : opened) {
        CHECK(contains(o.text, kCase));
        CHECK(contains(o.text, "organize due " + test_iso(1, "08:00:00")));
        CHECK(!contains(o.text, "SECRET-DETAIL"));
    }
    // Once a day only.
    env.run_once(test_iso(0, "11:00:00"));
    CHECK(env.smtp().messages().size() == 7);

    // --- 2. 75% of the organize window: a reminder to the lead ---------------
    env.run_once(test_iso(1, "03:00:00"));
    mails = inbox.take(1);
    CHECK(kinds(mails) == sorted({{"reminder", A}}));
    opened = check_all(env, mails);
    CHECK(contains(opened[0].text, "organize"));
    CHECK(contains(opened[0].text, test_iso(1, "08:00:00")));

    // --- 3. The lead forms the Fix Team, scores and scopes (PGP/MIME signed) --
    Reply r1 =
        reply_by(alice, new_case_to_alice, new_case_text,
                 std::string("/cc ") + kDave + "\n/cvss " + kCvss + "\n/affects 1.13.4 master\n",
                 Protection::PgpMimeSigned, test_iso(1, "04:00:00"), env.team_fpr());
    env.deliver(build_reply(env.people(), r1), test_iso(1, "04:00:00"));
    env.run_once(test_iso(1, "04:01:00"));
    mails = inbox.take(2);
    CHECK(kinds(mails) == sorted({{"command-result", A}, {"relay", kDave}}));
    opened = check_all(env, mails);
    {
        const auto& cr = find_mail(mails, "command-result", A);
        CHECK(cr.header("In-Reply-To") == "<" + r1.message_id + ">");
        auto t = open_notification(env.people(), cr, env.team_fpr()).text;
        CHECK(contains(t, "Done:"));
        CHECK(contains(t, "9.8 (critical)"));
        CHECK(contains(t, "patch-release"));
        auto relay =
            open_notification(env.people(), find_mail(mails, "relay", kDave), env.team_fpr());
        CHECK(contains(relay.text, "/affects 1.13.4 master"));
    }
    c = show(env, test_iso(1, "04:01:00"));
    CHECK(c["state"] == "fixing");
    CHECK(c["fix_team"] == json::array({kDave}));
    CHECK(c["cvss"] == json({{"vector", kCvss}, {"score", 9.8}, {"severity", "critical"}}));
    CHECK(c["affects"] == json::array({"1.13.4", "master"}));
    CHECK(c["release_plan"] == "patch-release");
    CHECK(milestone(c, "organize")["done"] == test_iso(1, "04:01:00"));
    CHECK(milestone(c, "organize")["overdue"] == false);
    CHECK(count_events(c, "cc", A, alice.fpr) == 1);
    CHECK(count_events(c, "cvss", A, alice.fpr) == 1);
    CHECK(count_events(c, "affects", A, alice.fpr) == 1);
    CHECK(c["flags"].empty());
    {
        const auto& last = c["message_list"].back();
        CHECK(last["message_id"] == r1.message_id);
        CHECK(last["from"] == A);
        CHECK(last["signed_by"] == alice.fpr);
        CHECK(last["kind"] == "reply");
    }

    // --- 4. Fixed, with the PR (PGP/MIME encrypted and signed) ---------------
    const ReceivedMail cr1 = find_mail(mails, "command-result", A);
    const std::string cr1_text = open_notification(env.people(), cr1, env.team_fpr()).text;
    Reply r2 = reply_by(alice, cr1, cr1_text, std::string("/fixed\n/pr ") + kPr + "\n",
                        Protection::PgpMimeEncrypted, test_iso(2, "07:00:00"), env.team_fpr());
    env.deliver(build_reply(env.people(), r2), test_iso(2, "07:00:00"));
    env.run_once(test_iso(2, "07:01:00"));
    mails = inbox.take(2);
    CHECK(kinds(mails) == sorted({{"command-result", A}, {"relay", kDave}}));
    check_all(env, mails);
    c = show(env, test_iso(2, "07:01:00"));
    CHECK(c["state"] == "fixed");
    CHECK(milestone(c, "fix")["done"] == test_iso(2, "07:01:00"));
    CHECK(c["prs"] == json::array({kPr}));
    CHECK(count_events(c, "fixed", A, alice.fpr) == 1);
    CHECK(c["encrypted"] == false);  // the report was not
    CHECK(c["message_list"].back()["encrypted"] == true);

    // --- 5. The announcement slips: an escalation to everyone, and a digest --
    env.run_once(test_iso(7, "10:00:00"));
    mails = inbox.take(7);
    CHECK(kinds(mails) == sorted({{"escalation", A},
                                  {"escalation", B},
                                  {"escalation", C},
                                  {"escalation", kDave},
                                  {"digest", A},
                                  {"digest", B},
                                  {"digest", C}}));
    opened = check_all(env, mails);
    for (const auto& to : {A, B, C, std::string(kDave)}) {
        auto o =
            open_notification(env.people(), find_mail(mails, "escalation", to), env.team_fpr());
        CHECK(contains(o.text, "announce"));
        CHECK(contains(o.text, test_iso(7, "08:00:00")));
    }
    c = show(env, test_iso(7, "10:00:00"));
    CHECK(milestone(c, "announce")["overdue"] == true);
    CHECK(milestone(c, "fix")["overdue"] == false);

    // --- 6. Release date, mitigation, announcement (cleartext-signed) --------
    const ReceivedMail esc = find_mail(mails, "escalation", A);
    const std::string esc_text = open_notification(env.people(), esc, env.team_fpr()).text;
    Reply r3 = reply_by(alice, esc, esc_text,
                        "/release-date " + test_iso(10, "14:00:00") +
                            "\n"
                            "/mitigation Limit request header lines to 8 KiB in the listener "
                            "configuration\n/announce\n",
                        Protection::ClearSigned, test_iso(7, "12:00:00"), env.team_fpr());
    env.deliver(build_reply(env.people(), r3), test_iso(7, "12:00:00"));
    env.run_once(test_iso(7, "12:01:00"));
    mails = inbox.take(3);
    CHECK(kinds(mails) == sorted({{"command-result", A},
                                  {"relay", kDave},
                                  {"announcement", "users@lists.example.org"}}));
    opened = check_all(env, mails);
    {
        const auto& ann = find_mail(mails, "announcement", "users@lists.example.org");
        auto o = open_notification(env.people(), ann, env.team_fpr());
        CHECK(contains(o.text, test_iso(10, "14:00:00")));
        CHECK(contains(o.text, "1.13.x"));
        CHECK(contains(o.text, "master"));
        CHECK(contains(o.text, "critical"));
        CHECK(contains(o.text, "Limit request header lines to 8 KiB"));
        CHECK(!contains(o.text, "header parser"));
        CHECK(!contains(ann.raw, "BEGIN PGP MESSAGE"));
    }
    c = show(env, test_iso(7, "12:01:00"));
    CHECK(c["state"] == "announced");
    CHECK(c["release_date"] == test_iso(10, "14:00:00"));
    CHECK(milestone(c, "announce")["done"] == test_iso(7, "12:01:00"));
    CHECK(milestone(c, "announce")["overdue"] == false);
    CHECK(count_events(c, "announce", A, alice.fpr) == 1);
    CHECK(count_events(c, "mitigation", A, alice.fpr) == 1);

    // --- 7. Released, with the CVE id (PGP/MIME encrypted and signed) --------
    const ReceivedMail cr3 = find_mail(mails, "command-result", A);
    const std::string cr3_text = open_notification(env.people(), cr3, env.team_fpr()).text;
    Reply r4 = reply_by(alice, cr3, cr3_text, "/released 1.13.5\n/cve CVE-2026-12345\n",
                        Protection::PgpMimeEncrypted, test_iso(10, "08:00:00"), env.team_fpr());
    env.deliver(build_reply(env.people(), r4), test_iso(10, "08:00:00"));
    env.run_once(test_iso(10, "08:01:00"));
    mails = inbox.take(4);
    CHECK(kinds(mails) == sorted({{"command-result", A},
                                  {"relay", kDave},
                                  {"release-announcement", "users@lists.example.org"},
                                  {"cve-request", A}}));
    opened = check_all(env, mails);
    {
        auto rel = open_notification(
            env.people(), find_mail(mails, "release-announcement", "users@lists.example.org"),
            env.team_fpr());
        CHECK(contains(rel.text, "1.13.5"));
        CHECK(contains(rel.text, "CVE-2026-12345"));
        CHECK(contains(rel.text, "9.8 (critical)"));
        CHECK(contains(rel.text, kPr));

        auto cve =
            open_notification(env.people(), find_mail(mails, "cve-request", A), env.team_fpr());
        CHECK(contains(cve.text, kDave));  // remove the Fix Team from the private repos
        // No [cve] in the test's config: the default CNA, MITRE, and its web form.
        CHECK(contains(cve.text, "[cve] cna = mitre"));
        CHECK(contains(cve.text, "https://cveform.mitre.org/"));
        CHECK(contains(cve.text, "Fixed in:               1.13.5"));
        std::string record =
            between(cve.text, "----- CVE JSON 5 record -----\n", "----- End of record -----");
        json j;
        REQUIRE_NOTHROW(j = json::parse(record));
        CHECK(j["dataType"] == "CVE_RECORD");
        CHECK(j["cveMetadata"]["cveId"] == "CVE-2026-12345");
        const auto& cna = j["containers"]["cna"];
        REQUIRE(cna["metrics"].size() == 1);
        CHECK(cna["metrics"][0]["cvssV3_1"]["vectorString"] == kCvss);
        CHECK(cna["metrics"][0]["cvssV3_1"]["baseScore"] == 9.8);
        CHECK(cna["metrics"][0]["cvssV3_1"]["baseSeverity"] == "CRITICAL");
        std::vector<std::string> affected, unaffected;
        for (const auto& v : cna["affected"][0]["versions"])
            (v["status"] == "affected" ? affected : unaffected).push_back(v["version"]);
        CHECK(affected == std::vector<std::string>{"1.13.4", "master"});
        CHECK(unaffected == std::vector<std::string>{"1.13.5"});
        CHECK(cna["references"][0]["url"] == kPr);
        // The record is what CVE Services' own client accepts: the official
        // CVE JSON 5 schema, checked by a real validator (issue 14 part 3).
        auto valid = validate_cve_record(record);
        INFO(valid.out << valid.err);
        CHECK(valid.exit_code == 0);
        // ...which does reject a record that breaks the schema.
        json broken = j;
        broken["containers"]["cna"]["affected"][0]["versions"][0]["status"] = "vulnerable";
        broken["containers"]["cna"].erase("descriptions");
        auto invalid = validate_cve_record(broken.dump());
        CHECK(invalid.exit_code == 1);
        CHECK(contains(invalid.out, "descriptions"));
        CHECK(contains(invalid.out, "vulnerable"));
    }
    c = show(env, test_iso(10, "08:01:00"));
    CHECK(c["state"] == "released");
    CHECK(c["cve"] == "CVE-2026-12345");
    CHECK(c["released_versions"] == json::array({"1.13.5"}));
    CHECK(milestone(c, "release")["done"] == test_iso(10, "08:01:00"));
    CHECK(milestone(c, "retrospective")["due"] == test_iso(13, "08:01:00"));
    CHECK(count_events(c, "released", A, alice.fpr) == 1);
    CHECK(count_events(c, "cve", A, alice.fpr) == 1);

    // --- 8. 75% of the retrospective window: reminder; and the day's digest --
    env.run_once(test_iso(12, "15:00:00"));
    mails = inbox.take(4);
    CHECK(kinds(mails) == sorted({{"reminder", A}, {"digest", A}, {"digest", B}, {"digest", C}}));
    opened = check_all(env, mails);
    {
        auto rem = open_notification(env.people(), find_mail(mails, "reminder", A), env.team_fpr());
        CHECK(contains(rem.text, "retrospective"));
        CHECK(contains(rem.text, test_iso(13, "08:01:00")));
    }

    // --- 9. The retrospective closes the case (PGP/MIME signed) --------------
    const ReceivedMail rem = find_mail(mails, "reminder", A);
    const std::string rem_text = open_notification(env.people(), rem, env.team_fpr()).text;
    Reply r5 = reply_by(alice, rem, rem_text,
                        "/retrospective Header limits need a fuzz target of their own\n",
                        Protection::PgpMimeSigned, test_iso(12, "16:00:00"), env.team_fpr());
    env.deliver(build_reply(env.people(), r5), test_iso(12, "16:00:00"));
    env.run_once(test_iso(12, "16:01:00"));
    mails = inbox.take(7);
    CHECK(kinds(mails) == sorted({{"command-result", A},
                                  {"relay", kDave},
                                  {"retrospective", A},
                                  {"retrospective", B},
                                  {"retrospective", C},
                                  {"retrospective", kDave},
                                  {"retrospective", "dev@lists.example.org"}}));
    opened = check_all(env, mails);
    for (const auto& to : {A, std::string(kDave), std::string("dev@lists.example.org")}) {
        auto o =
            open_notification(env.people(), find_mail(mails, "retrospective", to), env.team_fpr());
        CHECK(contains(o.text, "Header limits need a fuzz target of their own"));
        CHECK(contains(o.text, "CVE-2026-12345"));
        CHECK(contains(o.text, kPr));
        CHECK(contains(o.text, "organize"));
        CHECK(contains(o.text, test_iso(1, "04:01:00")));  // organize done
        CHECK(!contains(o.text, kReporter));
    }
    c = show(env, test_iso(12, "16:01:00"));
    CHECK(c["state"] == "closed");
    CHECK(milestone(c, "retrospective")["done"] == test_iso(12, "16:01:00"));
    for (const auto& m : c["milestones"]) CHECK(m["overdue"] == false);
    CHECK(count_events(c, "retrospective", A, alice.fpr) == 1);
    CHECK(c["messages"] == 6);
    CHECK(c["reports"] == 1);
    CHECK(c["flags"].empty());

    // A closed case gets no more reminders or digests, and the log is intact.
    env.run_once(test_iso(19, "10:00:00"));
    CHECK(env.smtp().messages().size() == 37);
    CHECK(env.cases().empty());
    auto audit = env.ctl({"audit"});
    CHECK(audit.exit_code == 0);
    CHECK(env.ctl_json({"outbox"}).empty());
}
