// The walking skeleton end to end: real Dovecot, the real embargod --once and
// embargoctl --json. Reports become cases with leads in rotation, replies
// thread, nothing is processed twice, bad mail never stops the pipeline.
#include <catch2/catch.hpp>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo::test;
using nlohmann::json;

namespace {
const std::string kNow = test_iso(0, "12:00:00");

Mail report(const std::string& from, const std::string& subject) {
    Mail m;
    m.from = from;
    m.subject = subject;
    m.message_id = unique_message_id("report");
    return m;
}
}  // namespace

TEST_CASE("reports open cases with leads in rotation, skipping an away member") {
    DaemonEnv env(
        DaemonEnvOptions{.away = {"carol@example.org " + test_date(-4) + " " + test_date(6)}});
    auto r1 = report("Eve <eve@example.net>", "Heap overflow in header parser");
    env.deliver(r1.str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);

    // Overdue is judged at the run's time, not today's, so the test holds on any date.
    auto cases = env.ctl_json({"cases", "--now", kNow});
    REQUIRE(cases.size() == 1);
    const auto& c = cases[0];
    CHECK(c["id"] == test_case_id("EMST", 1));
    CHECK(c["state"] == "triage");
    CHECK(c["lead"] == "alice@example.org");
    CHECK(c["reporters"] == json::array({"eve@example.net"}));
    CHECK(c["received_at"] == test_iso(0, "10:00:00"));
    CHECK(c["subject"] == "Heap overflow in header parser");
    CHECK(c["reports"] == 1);
    CHECK(c["messages"] == 1);
    CHECK(c["encrypted"] == false);
    CHECK(c["cvss"].is_null());
    CHECK(c["release_date"].is_null());
    REQUIRE(c["milestones"].size() == 5);
    CHECK(c["milestones"][0] == json({{"name", "organize"},
                                      {"due", test_iso(1, "10:00:00")},
                                      {"done", nullptr},
                                      {"overdue", false}}));
    CHECK(c["milestones"][1]["due"] == test_iso(7, "10:00:00"));
    CHECK(c["milestones"][2]["due"] == test_iso(7, "10:00:00"));
    CHECK(c["milestones"][3]["due"] == test_iso(21, "10:00:00"));
    CHECK(c["milestones"][4]["due"].is_null());

    // Three more reports: bob, then alice (carol is away), then bob.
    for (int i = 0; i < 3; ++i)
        env.deliver(report("R" + std::to_string(i) + " <r" + std::to_string(i) + "@example.net>",
                           "Distinct problem number " + std::to_string(i))
                        .str(),
                    test_iso(0, "11:00:00"));
    env.run_once(kNow);
    cases = env.cases();
    REQUIRE(cases.size() == 4);
    CHECK(cases[1]["lead"] == "bob@example.org");
    CHECK(cases[2]["lead"] == "alice@example.org");
    CHECK(cases[3]["lead"] == "bob@example.org");
    CHECK(cases[3]["id"] == test_case_id("EMST", 4));

    auto rot = env.ctl_json({"rotation", "--now", kNow});
    CHECK(rot["order"] ==
          json::array({"alice@example.org", "bob@example.org", "carol@example.org"}));
    CHECK(rot["away"] == json::array({"carol@example.org"}));
    CHECK(rot["next"] == "alice@example.org");
    // Human output prints lists as systemctl and git do, not as JSON arrays;
    // --json above stays exact.
    auto rot_text = env.ctl({"rotation", "--now", kNow});
    CHECK(rot_text.exit_code == 0);
    CHECK(rot_text.out ==
          "order: alice@example.org, bob@example.org, carol@example.org\n"
          "away:  carol@example.org\n"
          "next:  alice@example.org\n");
    auto show_text = env.ctl({"show", test_case_id("EMST", 1), "--now", kNow});
    INFO(show_text.out);
    CHECK(show_text.exit_code == 0);
    CHECK(show_text.out.find("  reporters: eve@example.net\n") != std::string::npos);
    CHECK(show_text.out.find("  fix team:  -\n") != std::string::npos);
    CHECK(show_text.out.find("  flags:     -\n") != std::string::npos);
    CHECK(show_text.out.find('[') == std::string::npos);
    // After the absence carol is next in line again.
    auto later = env.ctl_json({"rotation", "--now", test_iso(8, "00:00:00")});
    CHECK(later["away"].empty());
    CHECK(later["next"] == "carol@example.org");

    // Running again changes nothing.
    env.run_once(kNow);
    CHECK(env.cases().size() == 4);
    CHECK(env.show(test_case_id("EMST", 1))["messages"] == 1);

    auto audit = env.ctl({"audit"});
    CHECK(audit.exit_code == 0);
    CHECK(audit.out.find("intact") != std::string::npos);
}

TEST_CASE("replies thread by References and by subject tag and unknown replies open cases") {
    DaemonEnv env;
    auto r1 = report("Eve <eve@example.net>", "Use after free in resolver");
    env.deliver(r1.str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);

    Mail by_refs;
    by_refs.message_id = unique_message_id("reply");
    by_refs.from = "Eve <eve@example.net>";
    by_refs.subject = "Re: Use after free in resolver";
    by_refs.in_reply_to = r1.message_id;
    by_refs.references = r1.message_id;
    by_refs.body = "More detail: it needs IPv6.\n";
    env.deliver(by_refs.str(), test_iso(0, "10:30:00"));

    Mail by_tag;
    by_tag.from = "Alice Example <alice@example.org>";
    by_tag.subject = "Re: [" + test_case_id("EMST", 1) + "] something else entirely";
    by_tag.body = "Looking at it.\n";
    env.deliver(by_tag.str(), test_iso(0, "10:40:00"));

    Mail stray;
    stray.from = "Mallory <mallory@example.com>";
    stray.subject = "Re: a thread we never saw";
    stray.in_reply_to = "unknown-thread@elsewhere.example";
    stray.references = "unknown-thread@elsewhere.example";
    env.deliver(stray.str(), test_iso(0, "10:50:00"));
    env.run_once(kNow);

    auto cases = env.cases();
    REQUIRE(cases.size() == 2);
    auto c1 = env.show(test_case_id("EMST", 1));
    CHECK(c1["messages"] == 3);
    CHECK(c1["reports"] == 1);
    REQUIRE(c1["message_list"].size() == 3);
    CHECK(c1["message_list"][0]["kind"] == "report");
    CHECK(c1["message_list"][1]["kind"] == "reply");
    CHECK(c1["message_list"][1]["message_id"] == by_refs.message_id);
    CHECK(c1["message_list"][2]["from"] == "alice@example.org");
    CHECK(c1["reporters"] == json::array({"eve@example.net"}));
    CHECK(cases[1]["reporters"] == json::array({"mallory@example.com"}));
    CHECK(cases[1]["subject"] == "Re: a thread we never saw");
    CHECK(env.show(test_case_id("EMST", 2))["messages"] == 1);
}

TEST_CASE("a UIDVALIDITY change rescans without duplicating anything") {
    DaemonEnv env;
    for (int i = 0; i < 3; ++i)
        env.deliver(report("Eve <eve@example.net>", "Problem " + std::to_string(i)).str(),
                    test_iso(0, "10:00:00"));
    env.run_once(kNow);
    REQUIRE(env.cases().size() == 3);
    env.imap().change_uidvalidity();
    env.deliver(report("Zed <zed@example.net>", "A new one after the renumbering").str(),
                test_iso(0, "11:00:00"));
    auto r = env.run_once(kNow);
    CHECK(r.err.find("UIDVALIDITY changed") != std::string::npos);
    auto cases = env.cases();
    REQUIRE(cases.size() == 4);
    for (const auto& c : cases) CHECK(c["messages"] == 1);
    CHECK(cases[3]["reporters"] == json::array({"zed@example.net"}));
}

TEST_CASE("hostile mail is stored and flagged, and the next good message is processed") {
    DaemonEnv env(DaemonEnvOptions{.limits = "max_message_bytes = 2000000"});
    Mail truncated = report("T <t@example.net>", "truncated");
    truncated.content_type = "multipart/mixed; boundary=\"BB\"";
    truncated.body = "--BB\nContent-Type: text/plain\n\nstart of a part that never ends";
    env.deliver(truncated.str());

    Mail badb64 = report("B <b@example.net>", "bad base64");
    badb64.headers = {{"Content-Transfer-Encoding", "base64"}};
    badb64.body = "!!!! this is not base64 @@@@\n";
    env.deliver(badb64.str());

    Mail charset = report("C <c@example.net>", "unknown charset");
    charset.content_type = "text/plain; charset=x-unknown-42";
    charset.body = "caf\xe9 \xff\xfe\n";
    env.deliver(charset.str());

    Mail hugeheader = report("H <h@example.net>", "huge header");
    hugeheader.headers = {{"X-Long", std::string(1000000, 'a')}};
    env.deliver(hugeheader.str());

    Mail nested = report("N <n@example.net>", "deep nesting");
    nested.content_type = "multipart/mixed; boundary=\"b0\"";
    std::string body;
    for (int i = 0; i < 5000; ++i)
        body += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=\"b" +
                std::to_string(i + 1) + "\"\n\n";
    body += "--b5000\nContent-Type: text/plain\n\ninnermost\n--b5000--\n";
    nested.body = body;
    env.deliver(nested.str());

    Mail big = report("O <o@example.net>", "oversized");
    big.body = std::string(2500000, 'x') + "\n";
    env.deliver(big.str());

    Mail good = report("Good <good@example.net>", "A perfectly normal report");
    env.deliver(good.str());
    env.run_once(kNow);

    auto cases = env.cases();
    REQUIRE(cases.size() == 7);
    auto flags_of = [&](const std::string& reporter) {
        for (const auto& c : cases)
            if (!c["reporters"].empty() && c["reporters"][0] == reporter) return c["flags"];
        FAIL("no case for " << reporter);
        return json();
    };
    CHECK(flags_of("t@example.net") == json::array({"malformed"}));
    CHECK(flags_of("h@example.net") == json::array({"malformed"}));
    CHECK(flags_of("n@example.net") == json::array({"malformed"}));
    CHECK(flags_of("o@example.net") == json::array({"oversized"}));
    CHECK(flags_of("good@example.net").empty());
    // Bad base64 and an unknown charset lose information too.
    CHECK(flags_of("b@example.net") == json::array({"malformed"}));
    CHECK(flags_of("c@example.net") == json::array({"malformed"}));
    CHECK(env.ctl_json({"quarantine"}).empty());
}

TEST_CASE("configuration errors exit 2 naming file, line and key") {
    DaemonEnv env;
    env.opts.extra = "[timeline]\norganize = 24 hours\n";
    env.write_config();
    auto r = env.embargod({"--once"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(env.config_path() + ":") != std::string::npos);
    CHECK(r.err.find("organize") != std::string::npos);
    auto u = env.embargod({"--once", "--bogus"});
    CHECK(u.exit_code == 2);
    auto ctl = env.ctl({"show", test_case_id("EMST", 999)});
    CHECK(ctl.exit_code != 0);
}

TEST_CASE("an unknown case exits 1 naming it and a missing mailbox exits 1") {
    DaemonEnv env;
    env.run_once(kNow);
    auto r = env.ctl({"show", test_case_id("EMST", 42)});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(test_case_id("EMST", 42)) != std::string::npos);
    env.imap().stop();
    env.run_once(kNow, 1);
}
