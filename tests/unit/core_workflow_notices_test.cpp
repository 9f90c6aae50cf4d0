// The intake-side notice texts: ack (with and without report content),
// new-case, duplicate, undecryptable, command-result.
#include <catch2/catch.hpp>

#include "core/notice_text.hpp"
#include "core/workflow.hpp"

using namespace embargo;
using namespace embargo::notice_text;

namespace {

Config config() {
    Config c;
    c.project.name = "Example Proxy";
    c.gpg.keys = {"0123456789ABCDEF0123456789ABCDEF01234567",
                  "FEDCBA9876543210FEDCBA9876543210FEDCBA98"};
    c.team.members = {{"Alice", "alice@example.org", "A"}, {"Bob", "bob@example.org", "B"}};
    return c;
}

Case new_case() {
    Case c;
    c.id = "EMST-2026-0001";
    c.subject = "Heap overflow in header parser";
    c.reporters = {"eve@example.net"};
    c.received_at = *parse_iso8601("2026-11-24T10:00:00Z");
    c.lead = "alice@example.org";
    c.encrypted = true;
    c.milestones = workflow::initial_milestones(c.received_at, Timeline{});
    return c;
}

bool has(const std::string& s, const std::string& n) {
    return s.find(n) != std::string::npos;
}

}  // namespace

TEST_CASE("ack with and without report content") {
    auto c = new_case();
    auto with = ack(c, config(), "eve@example.net", true);
    CHECK(with.kind == "ack");
    CHECK(with.to == std::vector<std::string>{"eve@example.net"});
    CHECK(with.case_id == c.id);
    CHECK_FALSE(with.is_public);
    CHECK(with.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(with.body, "Heap overflow in header parser"));
    CHECK(has(with.body, "What happens next"));
    CHECK(has(with.body, "2026-12-15T10:00:00Z"));
    CHECK(has(with.body, "0123456789ABCDEF0123456789ABCDEF01234567"));

    auto without = ack(c, config(), "eve@example.net", false);
    CHECK(without.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(without.body, "What happens next"));
    CHECK_FALSE(has(without.body, "Heap"));
    CHECK_FALSE(has(without.subject, "Heap"));
    CHECK_FALSE(has(with.subject, "Heap"));  // the subject line of an ack never carries it
}

TEST_CASE("new-case goes to the whole team with the report, lead and due dates") {
    auto c = new_case();
    auto n = new_case(c, config(), "Sending 70k of headers crashes the parser.\n");
    CHECK(n.kind == "new-case");
    CHECK(n.to == std::vector<std::string>{"alice@example.org", "bob@example.org"});
    CHECK(n.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(n.body, "Sending 70k of headers crashes the parser.\n----- End of report -----"));
    CHECK(has(n.body, "Fix Lead:  alice@example.org"));
    CHECK(has(n.body, "Reporter:  eve@example.net"));
    CHECK(has(n.body, "organize       due 2026-11-25T10:00:00Z"));
    CHECK(has(n.body, "release        due 2026-12-15T10:00:00Z"));
    CHECK(has(n.body, "retrospective  due after release"));
    CHECK_FALSE(n.is_public);
    c.flags = {"undecryptable"};
    CHECK(has(new_case(c, config(), "").body, "Flags:     undecryptable"));
}

TEST_CASE("duplicate goes to the lead") {
    auto c = new_case();
    c.reporters.push_back("mallory@example.com");
    auto n = duplicate(c, config(), "mallory@example.com", "same bug");
    CHECK(n.kind == "duplicate");
    CHECK(n.to == std::vector<std::string>{"alice@example.org"});
    CHECK(n.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(n.body, "mallory@example.com"));
    CHECK(has(n.body, "2 reporter(s)"));
    CHECK(has(n.body, "same bug"));
}

TEST_CASE("undecryptable names the team key and nothing of the message") {
    auto c = new_case();
    auto n = undecryptable(c, config(), "eve@example.net");
    CHECK(n.kind == "undecryptable");
    CHECK(n.to == std::vector<std::string>{"eve@example.net"});
    CHECK(n.body.rfind("Case: EMST-2026-0001\n", 0) == 0);
    CHECK(has(n.body, "encrypted to our team key:\n\n  0123456789ABCDEF0123456789ABCDEF01234567"));
    CHECK_FALSE(has(n.body, "FEDCBA"));  // the signing (first) key only
    CHECK_FALSE(has(n.body, "Heap"));
    CHECK_FALSE(has(n.subject, "Heap"));
}

TEST_CASE("command-result lists what was done or what was wrong") {
    auto done = command_result("EMST-2026-0001", "alice@example.org", {"/fixed: fix done"}, {},
                               "extra block");
    CHECK(done.kind == "command-result");
    CHECK(done.subject == "[EMST-2026-0001] Commands applied");
    CHECK(done.body == "Case: EMST-2026-0001\n\nDone:\n- /fixed: fix done\n\nextra block\n");
    auto bad = command_result("EMST-2026-0001", "alice@example.org", {"ignored"},
                              {"line 2: /cvs is not a command; did you mean /cvss?"});
    CHECK(bad.subject == "[EMST-2026-0001] Commands refused");
    CHECK(has(bad.body, "Nothing was applied"));
    CHECK_FALSE(has(bad.body, "ignored"));
}

TEST_CASE("durations for humans") {
    using namespace std::chrono_literals;
    CHECK(format_duration(0s) == "under a minute");
    CHECK(format_duration(59s) == "under a minute");
    CHECK(format_duration(90min) == "1h 30m");
    CHECK(format_duration(std::chrono::days{14}) == "14d");
    CHECK(format_duration(-(std::chrono::days{1} + 2h)) == "1d 2h");
    CHECK(severity_text(Cvss{"v", 9.8, "critical"}) == "9.8 (critical)");
}

TEST_CASE("the public retrospective names no reporter and no Message-ID") {
    Config cfg = config();
    cfg.team.retrospective = {"dev@lists.example.org"};
    Case c = new_case();
    c.reporters = {"eve@reporter.example"};
    std::vector<Event> events = {
        {c.id, c.received_at, "embargod", "case-opened",
         "report abc123@mail.reporter.example from eve@reporter.example"},
        {c.id, c.received_at, "eve@reporter.example", "message", "message x@reporter.example"},
    };
    auto notices = retrospective(c, cfg, events, "went fine");
    REQUIRE(notices.size() == 2);
    const auto& pub = notices[1];
    CHECK(pub.is_public);
    CHECK(pub.body.find("reporter.example") == std::string::npos);
    CHECK(pub.body.find("(address)") != std::string::npos);
    CHECK(pub.body.find("went fine") != std::string::npos);
}

TEST_CASE("the cve-request mail fits the configured CNA") {
    Case c = new_case();
    c.released_versions = {"1.13.5"};
    c.affects = {"1.13.4"};
    c.fix_team = {"dave@example.org"};
    c.prs = {"https://github.com/example/proxy/pull/42"};
    c.cvss = Cvss{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"};
    const TimePoint now = *parse_iso8601("2026-12-10T10:00:00Z");
    const std::string begin = "----- CVE JSON 5 record -----\n";
    Config cfg = config();

    cfg.cve.cna = Cna::Github;
    auto gh = cve_request(c, cfg, now);
    CHECK(gh.kind == "cve-request");
    CHECK(gh.to == std::vector<std::string>{"alice@example.org"});
    CHECK(has(gh.subject, "CVE request for Example Proxy 1.13.5"));
    CHECK(has(gh.body, "press \"Request CVE\""));
    CHECK(has(gh.body, "/cve CVE-YYYY-NNNN"));
    CHECK_FALSE(has(gh.body, "cveform.mitre.org"));
    CHECK(has(gh.body, begin));

    cfg.cve.cna = Cna::CveServices;
    auto cs = cve_request(c, cfg, now);
    CHECK(has(cs.body, "cve reserve"));
    CHECK(has(cs.body, "cve publish CVE-YYYY-NNNN -f cna.json"));
    CHECK(has(cs.body, "CVE_API_KEY=\"$(cat "));
    CHECK(has(cs.body, "CNA org id (assignerOrgId"));  // no [cve] org_id yet
    c.cve = "CVE-2026-12345";
    cfg.cve.org_id = "0f3a1b2c-1234-4abc-8def-0123456789ab";
    cs = cve_request(c, cfg, now);
    CHECK(has(cs.body, "cve publish CVE-2026-12345 -f cna.json"));
    CHECK_FALSE(has(cs.body, "cve reserve"));
    CHECK_FALSE(has(cs.body, "CNA org id (assignerOrgId"));
    CHECK(has(cs.body, "\"assignerOrgId\": \"0f3a1b2c-1234-4abc-8def-0123456789ab\""));
    CHECK(has(cs.body, "\"orgId\": \"0f3a1b2c-1234-4abc-8def-0123456789ab\""));

    cfg.cve.cna = Cna::Mitre;
    auto mi = cve_request(c, cfg, now);
    CHECK(has(mi.body, "https://cveform.mitre.org/"));
    CHECK(has(mi.body, "Vendor of the product:  Example Proxy"));
    CHECK(has(mi.body, "Fixed in:               1.13.5"));
    CHECK(has(mi.body, "References:             https://github.com/example/proxy/pull/42"));
    CHECK(has(mi.body, begin));

    cfg.cve.cna = Cna::None;
    auto no = cve_request(c, cfg, now);
    CHECK(has(no.subject, "After the release of Example Proxy 1.13.5"));
    CHECK(has(no.body, "No CVE request: [cve] cna = none"));
    CHECK(has(no.body, "Remove the Fix Team (dave@example.org)"));
    CHECK_FALSE(has(no.body, begin));
    CHECK_FALSE(has(no.body, "cveform"));
}
