// De-duplication end to end: real Dovecot, embargod --once, embargoctl --json.
// Forwarded, HTML, quoted and encrypted copies of a report join its case as
// further reports (the lead hears of each, every new reporter gets an ack with
// only the case id); distinct reports on the same template open cases of their
// own; a copy of a rejected case's report opens a new case related to it.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo::test;
using nlohmann::json;

namespace {

const std::string kNow = test_iso(0, "12:00:00");

const std::string kReport =
    "Hi team,\n"
    "\n"
    "I found a heap buffer overflow in the HTTP/1.1 header parser of Example Proxy\n"
    "1.13.4 (src/http/header_parser.c, parse_header_line()). It happens when a\n"
    "request carries more than 255 header fields: the count is kept in a uint8_t and\n"
    "wraps around before the bounds check, so the next header is written past the\n"
    "end of the table.\n"
    "\n"
    "Steps to reproduce:\n"
    "1. Build Example Proxy 1.13.4 with -fsanitize=address.\n"
    "2. Start it with a listener on port 8080.\n"
    "3. Send a request with 300 headers of 10 bytes each.\n"
    "4. Observe a heap-buffer-overflow WRITE of size 16 in parse_header_line().\n"
    "\n"
    "An unauthenticated remote attacker can crash every worker with one request,\n"
    "and the write is attacker controlled.\n"
    "\n"
    "Thanks,\n"
    "Eve\n"
    "-- \n"
    "Eve Reporter, independent researcher\n";

const std::string kOtherReport =
    "Hello,\n"
    "\n"
    "The admin API of Example Proxy 1.13.2 returns files outside of its document root.\n"
    "A GET request for /admin/static/..%2f..%2f..%2fetc/passwd is normalised only after\n"
    "the access check in admin_handle_request(), so the encoded dot segments pass the\n"
    "prefix match and the file is served to anyone who can reach the admin port.\n"
    "\n"
    "Steps to reproduce:\n"
    "1. Enable the admin listener on 127.0.0.1:9901.\n"
    "2. curl --path-as-is 'http://127.0.0.1:9901/admin/static/..%2f..%2f..%2fetc/passwd'\n"
    "3. The content of /etc/passwd is returned with status 200.\n"
    "\n"
    "Regards,\n"
    "Finn\n";

Mail mail(const std::string& from, const std::string& subject, const std::string& body) {
    Mail m;
    m.from = from;
    m.subject = subject;
    m.body = body;
    m.message_id = unique_message_id("dedup");
    return m;
}

std::string html_of(const std::string& text) {
    std::string out = "<html><body><p>";
    for (char c : text) {
        if (c == '\n')
            out += "<br>\n";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '&')
            out += "&amp;";
        else
            out += c;
    }
    return out + "</p></body></html>\n";
}

std::string quoted(const std::string& text) {
    std::string out;
    size_t b = 0;
    while (b < text.size()) {
        size_t e = text.find('\n', b);
        if (e == std::string::npos) e = text.size();
        out += "> " + text.substr(b, e - b) + "\n";
        b = e + 1;
    }
    return out;
}

std::vector<ReceivedMail> of_kind(DaemonEnv& env, const std::string& kind) {
    std::vector<ReceivedMail> out;
    for (const auto& m : env.smtp().messages())
        if (m.header("X-Embargo-Kind") == kind) out.push_back(m);
    return out;
}

bool has_event(const json& c, const std::string& kind, const std::string& detail) {
    for (const auto& e : c["events"])
        if (e["kind"] == kind && e["detail"] == detail) return true;
    return false;
}

}  // namespace

TEST_CASE("forwarded, HTML, quoted and encrypted copies of a report join its case") {
    DaemonEnv env;
    env.deliver(
        mail("Eve Reporter <eve@example.net>", "Heap overflow in header parser", kReport).str(),
        test_iso(0, "09:00:00"));
    env.run_once(kNow);
    REQUIRE(env.cases().size() == 1);
    const std::string id = env.cases()[0]["id"];
    const std::string lead = env.cases()[0]["lead"];

    // Another reporter forwards it (Thunderbird), with a comment on top.
    env.deliver(mail("Bob Ops <bob@customer.example>", "Fwd: Heap overflow in header parser",
                     "Our customer asked us to pass this on.\n\n"
                     "-------- Forwarded Message --------\n"
                     "Subject: \tHeap overflow in header parser\n"
                     "Date: \tTue, 24 Nov 2026 09:00:00 +0000\n"
                     "From: \tEve Reporter <eve@example.net>\n"
                     "To: \tsecalert@example.org\n\n\n" +
                         kReport)
                    .str(),
                test_iso(0, "10:00:00"));
    // A third reporter sends it as HTML only, under another subject.
    Mail html = mail("Carla <carla@elsewhere.example>", "Security problem", html_of(kReport));
    html.content_type = "text/html; charset=utf-8";
    env.deliver(html.str(), test_iso(0, "10:05:00"));
    // The reporter asks for news, quoting the report, in a new thread.
    env.deliver(mail("Eve Reporter <eve@example.net>", "Any news?",
                     "Any news on this? I have not heard back yet.\n\n"
                     "On Tue, 24 Nov 2026 09:00:00 +0000, Eve Reporter <eve@example.net> "
                     "wrote:\n" +
                         quoted(kReport))
                    .str(),
                test_iso(0, "10:10:00"));
    // And re-sends it encrypted to the team key, re-wrapped by another client.
    std::string rewrapped = kReport;
    auto wrap = rewrapped.find("Proxy\n1.13.4");
    REQUIRE(wrap != std::string::npos);
    rewrapped.replace(wrap, 12, "Proxy 1.13.4\n");
    env.deliver(mail("Eve Reporter <eve@example.net>", "Encrypted copy of my report",
                     env.people().encrypt(rewrapped, env.team_fpr()))
                    .str(),
                test_iso(0, "10:15:00"));
    env.run_once(kNow);

    auto cases = env.cases();
    REQUIRE(cases.size() == 1);
    auto c = env.show(id);
    CHECK(c["reports"] == 5);
    CHECK(c["messages"] == 5);
    CHECK(c["reporters"] ==
          json::array({"eve@example.net", "bob@customer.example", "carla@elsewhere.example"}));
    CHECK(c["encrypted"] == false);  // the first report was not
    for (const auto& m : c["message_list"]) CHECK(m["kind"] == "report");
    CHECK(c["message_list"][4]["encrypted"] == true);
    int joins = 0;
    for (const auto& e : c["events"]) joins += e["kind"] == "report-joined";
    CHECK(joins == 4);

    // The lead heard of every further report; the new reporters got an ack
    // naming the case and nothing about anyone else.
    auto dups = of_kind(env, "duplicate");
    CHECK(dups.size() == 4);
    for (const auto& d : dups) {
        CHECK(d.rcpts == std::vector<std::string>{lead});
        CHECK(d.header("X-Embargo-Case") == id);
    }
    for (const char* reporter : {"bob@customer.example", "carla@elsewhere.example"}) {
        INFO(reporter);
        std::vector<ReceivedMail> acks;
        for (const auto& a : of_kind(env, "ack"))
            if (a.rcpts == std::vector<std::string>{reporter}) acks.push_back(a);
        REQUIRE(acks.size() == 1);
        CHECK(acks[0].header("X-Embargo-Case") == id);
        CHECK(acks[0].raw.find("Case: " + id) != std::string::npos);
        for (const char* other :
             {"eve@example.net", "Eve Reporter", "bob@customer", "carla@elsewhere"})
            if (std::string(reporter).rfind(std::string(other).substr(0, 4), 0) != 0)
                CHECK(acks[0].raw.find(other) == std::string::npos);
        CHECK(acks[0].raw.find("overflow") == std::string::npos);  // no report content
    }
    // One new-case notice per member, for the first report only.
    CHECK(of_kind(env, "new-case").size() == env.members().size());
}

TEST_CASE("distinct reports on the same template do not join") {
    // The hardest negatives of the labelled set: a reporter's two reports on
    // the same component, of the same class, in the same template.
    std::ifstream in(std::string(EMBARGO_SOURCE_DIR) + "/tests/data/dedup/reports.jsonl");
    REQUIRE(in);
    std::map<std::string, std::string> text_of;
    std::string line;
    while (std::getline(in, line)) {
        auto j = json::parse(line);
        text_of[j["group"]] = j["text"];
    }
    DaemonEnv env;
    const char* groups[] = {"d004", "d005", "d009", "d010", "d014", "d015"};
    int n = 0;
    for (const char* g : groups) {
        REQUIRE(text_of.count(g));
        env.deliver(
            mail("Pat <pat@example.net>", "Finding " + std::to_string(++n), text_of[g]).str(),
            test_iso(0, "09:00:00"));
    }
    env.run_once(kNow);
    auto cases = env.cases();
    CHECK(cases.size() == std::size(groups));
    for (const auto& c : cases) CHECK(c["reports"] == 1);
    CHECK(of_kind(env, "duplicate").empty());
}

TEST_CASE("a copy of a rejected case's report opens a new case related to it") {
    DaemonEnv env(DaemonEnvOptions{.require_signed_commands = false});
    env.deliver(mail("Finn <finn@example.net>", "Path traversal in admin API", kOtherReport).str(),
                test_iso(0, "09:00:00"));
    env.run_once(kNow);
    REQUIRE(env.cases().size() == 1);
    const std::string old_id = env.cases()[0]["id"];
    const auto& alice = env.members()[0];
    env.deliver(mail(alice.header(), "Re: [" + old_id + "] Path traversal in admin API",
                     "/reject the admin port is documented as trusted\n")
                    .str(),
                test_iso(0, "09:30:00"));
    env.run_once(kNow);
    REQUIRE(env.show(old_id)["state"] == "rejected");

    // Someone else forwards the same report (Gmail style).
    env.deliver(mail("Gus <gus@example.net>", "Fwd: admin API issue",
                     "---------- Forwarded message ---------\nFrom: Finn <finn@example.net>\n"
                     "Date: Tue, Nov 24, 2026 at 9:00 AM\nSubject: Path traversal in admin "
                     "API\nTo: <secalert@example.org>\n\n\n" +
                         kOtherReport)
                    .str(),
                test_iso(0, "11:00:00"));
    // The original reporter sends it again, same subject, same text.
    env.deliver(mail("Finn <finn@example.net>", "Path traversal in admin API", kOtherReport).str(),
                test_iso(0, "11:05:00"));
    env.run_once(kNow);

    auto all = env.cases(true);
    REQUIRE(all.size() == 2);
    const std::string new_id = all[1]["id"];
    CHECK(new_id != old_id);
    auto fresh = env.show(new_id);
    CHECK(fresh["state"] == "triage");
    // The second copy joined the new open case, not the rejected one.
    CHECK(fresh["reports"] == 2);
    CHECK(fresh["reporters"] == json::array({"gus@example.net", "finn@example.net"}));
    CHECK(has_event(fresh, "related", "related to " + old_id));
    auto old = env.show(old_id);
    CHECK(old["reports"] == 1);
    CHECK(old["state"] == "rejected");
    CHECK(env.ctl({"audit"}).exit_code == 0);
}
