// embargo::smtp::Client against a real SMTP server (aiosmtpd via SmtpSink):
// exact bytes, envelopes, AUTH, refusals, outages, stalls, STARTTLS.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "daemon/smtp_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/smtp_sink.hpp"
#include "tests/support/tempdir.hpp"

using embargo::smtp::Client;
using embargo::smtp::Settings;
using embargo::smtp::SmtpError;
using embargo::test::ReceivedMail;
using embargo::test::SmtpSink;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

Settings settings_for(const SmtpSink& sink, seconds timeout = seconds(10)) {
    Settings s;
    s.url = sink.url();
    s.helo_domain = "client.test";
    s.timeout = timeout;
    return s;
}

std::string simple_message(const std::string& subject) {
    return "From: Team <team@example.org>\r\nTo: a@example.org\r\nSubject: " + subject +
           "\r\nMessage-ID: <" + subject + "@example.org>\r\n\r\nBody of " + subject + "\r\n";
}

// Runs f, which must throw SmtpError, and returns the error with the time it took.
template <typename F>
std::pair<SmtpError, milliseconds> expect_error(F&& f) {
    auto start = Clock::now();
    try {
        f();
    } catch (const SmtpError& e) {
        UNSCOPED_INFO("SmtpError: " << e.what());
        return {e, std::chrono::duration_cast<milliseconds>(Clock::now() - start)};
    }
    FAIL("expected SmtpError");
    throw std::logic_error("unreachable");
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("send delivers the message byte-exact, dot-stuffing round-trips", "[smtp]") {
    SmtpSink sink;
    Client client(settings_for(sink));
    // Lines that SMTP must escape: a lone ".", "..", ".x", a leading dot on the
    // first body line and on the last line; plus 8-bit bytes and a folded header.
    const std::string msg =
        "From: Team <team@example.org>\r\n"
        "To: a@example.org\r\n"
        "Subject: a folded\r\n"
        "  subject line\r\n"
        "X-Embargo-Case: EMST-2026-0001\r\n"
        "\r\n"
        ".first line starts with a dot\r\n"
        "middle\r\n"
        ".\r\n"
        "..\r\n"
        "...three\r\n"
        " .space then dot\r\n"
        "caf\xc3\xa9 8-bit\r\n"
        ".\r\n";
    client.send("team@example.org", {"a@example.org"}, msg);
    REQUIRE(sink.wait_for(1, milliseconds(5000)));
    auto got = sink.messages();
    REQUIRE(got.size() == 1);
    CHECK(got[0].raw == msg);
    CHECK(got[0].mail_from == "team@example.org");
    CHECK(got[0].rcpts == std::vector<std::string>{"a@example.org"});
    CHECK(got[0].header("subject") == "a folded  subject line");
    CHECK(got[0].header("X-EMBARGO-CASE") == "EMST-2026-0001");
    CHECK(got[0].header("Cc").empty());
}

TEST_CASE("several recipients share one envelope and the null sender works", "[smtp]") {
    SmtpSink sink;
    Client client(settings_for(sink));
    const std::vector<std::string> rcpts = {"alice@example.org", "bob@example.net",
                                            "carol+tag@example.com"};
    client.send("secalert@example.org", rcpts, simple_message("multi"));
    client.send("", {"dave@example.org"}, simple_message("bounce"));
    REQUIRE(sink.wait_for(2, milliseconds(5000)));
    auto got = sink.messages();
    REQUIRE(got.size() == 2);
    CHECK(got[0].rcpts == rcpts);
    CHECK(got[0].mail_from == "secalert@example.org");
    CHECK(got[0].raw == simple_message("multi"));
    CHECK(got[1].mail_from.empty());
    CHECK(got[1].rcpts == std::vector<std::string>{"dave@example.org"});
}

TEST_CASE("bare line ends are sent as CRLF and a missing final CRLF is added", "[smtp]") {
    SmtpSink sink;
    Client client(settings_for(sink));
    client.send("t@example.org", {"a@example.org"}, "Subject: lf\n\nline one\n.dot\rlast");
    REQUIRE(sink.wait_for(1, milliseconds(5000)));
    CHECK(sink.messages().at(0).raw == "Subject: lf\r\n\r\nline one\r\n.dot\r\nlast\r\n");
}

TEST_CASE("one connection serves many sends (timing)", "[smtp][timing]") {
    auto t0 = Clock::now();
    SmtpSink sink;
    auto started = Clock::now();
    Client client(settings_for(sink));
    constexpr int kCount = 50;
    for (int i = 0; i < kCount; ++i)
        client.send("t@example.org", {"a@example.org"}, simple_message("n" + std::to_string(i)));
    auto sent = Clock::now();
    REQUIRE(sink.wait_for(kCount, milliseconds(5000)));
    auto got = sink.messages();
    REQUIRE(got.size() == static_cast<std::size_t>(kCount));
    std::set<int> ports;
    for (int i = 0; i < kCount; ++i) {
        CHECK(got[static_cast<std::size_t>(i)].raw == simple_message("n" + std::to_string(i)));
        ports.insert(got[static_cast<std::size_t>(i)].peer_port);
    }
    CHECK(ports.size() == 1);  // the connection was reused
    auto before_stop = Clock::now();
    sink.stop();
    auto stopped = Clock::now();
    auto ms = [](auto d) { return std::chrono::duration_cast<milliseconds>(d).count(); };
    std::printf(
        "smtp timing: sink start %lld ms, %d sends in %lld ms (%.0f/s), sink stop %lld ms\n",
        static_cast<long long>(ms(started - t0)), kCount,
        static_cast<long long>(ms(sent - started)),
        kCount * 1000.0 / static_cast<double>(std::max<long long>(1, ms(sent - started))),
        static_cast<long long>(ms(stopped - before_stop)));
}

TEST_CASE("AUTH: right password sends, wrong or missing login fails fast", "[smtp][auth]") {
    SmtpSink sink({.auth_user = "embargo", .auth_password = "s3cret-pw"});

    SECTION("right password") {
        Settings s = settings_for(sink);
        s.username = "embargo";
        s.password = "s3cret-pw";
        Client client(s);
        client.send("t@example.org", {"a@example.org"}, simple_message("authed"));
        client.check();
        REQUIRE(sink.wait_for(1, milliseconds(5000)));
        CHECK(sink.messages().at(0).raw == simple_message("authed"));
    }
    SECTION("wrong password") {
        Settings s = settings_for(sink);
        s.username = "embargo";
        s.password = "wrong-Pa55word";
        Client client(s);
        auto [e, took] = expect_error(
            [&] { client.send("t@example.org", {"a@example.org"}, simple_message("x")); });
        CHECK(e.code() == 535);
        CHECK_FALSE(e.permanent());
        CHECK(took < seconds(5));  // the sink answers 535 at once: no waiting for the timeout
        std::string what = e.what();
        CHECK(contains(what, "127.0.0.1:" + std::to_string(sink.port())));
        CHECK(contains(what, "password_file"));
        CHECK_FALSE(contains(what, "wrong-Pa55word"));
        auto [c, took2] = expect_error([&] { client.check(); });
        CHECK(c.code() == 535);
        CHECK(took2 < seconds(5));
        CHECK_FALSE(contains(c.what(), "wrong-Pa55word"));
        CHECK(sink.messages().empty());
    }
    SECTION("no login configured") {
        Client client(settings_for(sink));
        auto [e, took] = expect_error(
            [&] { client.send("t@example.org", {"a@example.org"}, simple_message("x")); });
        CHECK(e.code() == 530);
        CHECK_FALSE(e.permanent());
        CHECK(contains(e.what(), "username"));
    }
}

TEST_CASE("check() needs AUTH when a username is set", "[smtp][auth]") {
    SmtpSink sink;  // offers no AUTH at all
    Settings s = settings_for(sink);
    Client plain(s);
    plain.check();
    s.username = "embargo";
    s.password = "pw-not-shown";
    Client authed(s);
    auto [e, took] = expect_error([&] { authed.check(); });
    CHECK(contains(e.what(), "AUTH"));
    CHECK_FALSE(contains(e.what(), "pw-not-shown"));
}

TEST_CASE("refusals: 451 is temporary, 550 is permanent", "[smtp][fault]") {
    for (int code : {451, 550}) {
        DYNAMIC_SECTION("refuse " << code) {
            SmtpSink sink({.refuse_code = code});
            Client client(settings_for(sink));
            auto [e, took] = expect_error(
                [&] { client.send("t@example.org", {"a@example.org"}, simple_message("r")); });
            CHECK(e.code() == code);
            CHECK(e.permanent() == (code == 550));
            CHECK(contains(e.what(), std::to_string(code)));
            CHECK(contains(e.what(), "127.0.0.1:" + std::to_string(sink.port())));
            CHECK(took < seconds(5));
            CHECK(sink.messages().empty());
        }
    }
}

TEST_CASE("after a refusal the same Client sends on a fresh connection", "[smtp][fault]") {
    // Only the first DATA is refused: the same server then accepts. Reusing the
    // connection after the error would get "503 nested MAIL" from libcurl's state.
    SmtpSink sink({.refuse_code = 451, .fault_count = 1});
    Client client(settings_for(sink));
    auto [e, took] = expect_error(
        [&] { client.send("t@example.org", {"a@example.org"}, simple_message("first")); });
    CHECK(e.code() == 451);
    client.send("t@example.org", {"a@example.org"}, simple_message("second"));
    client.send("t@example.org", {"b@example.org"}, simple_message("third"));
    REQUIRE(sink.wait_for(2, milliseconds(5000)));
    auto got = sink.messages();
    REQUIRE(got.size() == 2);
    CHECK(got[0].raw == simple_message("second"));
    CHECK(got[1].raw == simple_message("third"));
    CHECK(got[0].peer_port == got[1].peer_port);  // reuse resumes after the fresh connect
}

TEST_CASE("server down: SmtpError, then the same Client recovers", "[smtp][fault]") {
    SmtpSink sink;
    Client client(settings_for(sink, seconds(5)));
    client.send("t@example.org", {"a@example.org"}, simple_message("before"));
    sink.stop();
    auto [e, took] = expect_error(
        [&] { client.send("t@example.org", {"a@example.org"}, simple_message("during")); });
    CHECK(e.code() == 0);
    CHECK_FALSE(e.permanent());
    CHECK(contains(e.what(), "127.0.0.1:" + std::to_string(sink.port())));
    CHECK(took < seconds(5));
    auto [c, took2] = expect_error([&] { client.check(); });
    CHECK(contains(c.what(), "connect"));
    sink.start({});
    client.send("t@example.org", {"a@example.org"}, simple_message("after"));
    REQUIRE(sink.wait_for(2, milliseconds(5000)));
    auto got = sink.messages();
    REQUIRE(got.size() == 2);
    CHECK(got[0].raw == simple_message("before"));
    CHECK(got[1].raw == simple_message("after"));
}

TEST_CASE("a stalled server fails within the timeout", "[smtp][fault]") {
    SmtpSink sink({.stall_seconds = 30, .fault_count = 1});
    Client client(settings_for(sink, seconds(2)));
    auto [e, took] = expect_error(
        [&] { client.send("t@example.org", {"a@example.org"}, simple_message("slow")); });
    CHECK(took >= milliseconds(1900));
    CHECK(took < milliseconds(4000));
    CHECK(e.code() == 0);
    CHECK_FALSE(e.permanent());
    CHECK(contains(e.what(), "2 s"));
    CHECK(contains(e.what(), "may or may not"));
    // The next transaction is not stalled: a fresh connection gets through.
    client.send("t@example.org", {"a@example.org"}, simple_message("fast"));
    REQUIRE(sink.wait_for(1, milliseconds(5000)));
    CHECK(sink.messages().back().raw == simple_message("fast"));
}

TEST_CASE("STARTTLS verifies the certificate", "[smtp][tls]") {
    embargo::test::TempDir certs;
    auto r = embargo::test::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                 "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                                 "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                 "-keyout", certs / "key.pem", "-out", certs / "cert.pem"});
    REQUIRE(r.exit_code == 0);
    SmtpSink sink({.auth_user = "embargo",
                   .auth_password = "tls-pw",
                   .tls_cert = certs / "cert.pem",
                   .tls_key = certs / "key.pem"});
    Settings s = settings_for(sink);
    s.starttls = true;
    s.username = "embargo";
    s.password = "tls-pw";

    SECTION("trusted CA: sends") {
        s.ca_file = certs / "cert.pem";
        Client client(s);
        client.check();
        client.send("t@example.org", {"a@example.org"}, simple_message("tls"));
        REQUIRE(sink.wait_for(1, milliseconds(5000)));
        CHECK(sink.messages().at(0).raw == simple_message("tls"));
    }
    SECTION("certificate for another host name: TLS error") {
        s.ca_file = certs / "cert.pem";
        s.url = "smtp://localhost:" + std::to_string(sink.port());
        Client client(s);
        auto [e, took] = expect_error([&] { client.check(); });
        CHECK(e.code() == 0);
        CHECK(contains(e.what(), "TLS"));
        CHECK(contains(e.what(), "localhost:" + std::to_string(sink.port())));
    }
    SECTION("unknown CA: TLS error, nothing sent") {
        Client client(s);
        auto [e, took] = expect_error(
            [&] { client.send("t@example.org", {"a@example.org"}, simple_message("tls")); });
        CHECK(e.code() == 0);
        CHECK_FALSE(e.permanent());
        CHECK(contains(e.what(), "TLS"));
        CHECK_FALSE(contains(e.what(), "tls-pw"));
        CHECK(sink.messages().empty());
    }
    SECTION("without starttls the server says 530") {
        s.starttls = false;
        s.username.clear();
        Client client(s);
        auto [e, took] = expect_error(
            [&] { client.send("t@example.org", {"a@example.org"}, simple_message("tls")); });
        CHECK(e.code() == 530);
        CHECK(contains(e.what(), "starttls"));
    }
}

TEST_CASE("bad settings are rejected before connecting", "[smtp][settings]") {
    auto bad = [](Settings s) {
        try {
            Client c(std::move(s));
        } catch (const SmtpError& e) {
            CHECK_FALSE(e.permanent());
            return std::string(e.what());
        }
        return std::string();
    };
    Settings s;
    s.url = "http://127.0.0.1:25";
    CHECK(contains(bad(s), "smtps://"));
    s.url = "smtp://user:hunter2@127.0.0.1:25";
    std::string what = bad(s);
    CHECK(contains(what, "password_file"));
    CHECK_FALSE(contains(what, "hunter2"));
    s.url = "smtp://127.0.0.1:25/path";
    CHECK(contains(bad(s), "without a path"));
    s.url = "smtp://127.0.0.1:25";
    s.helo_domain = "evil\r\nRCPT TO:<x@y>";
    CHECK(contains(bad(s), "HELO"));
    s.helo_domain = "localhost";
    s.url = "smtp://192.0.2.1:25";  // not loopback, no TLS
    s.username = "u";
    s.password = "plain-pw";
    what = bad(s);
    CHECK(contains(what, "unencrypted"));
    CHECK_FALSE(contains(what, "plain-pw"));
    s.starttls = true;
    CHECK(bad(s).empty());
    s.url = "smtps://192.0.2.1";
    CHECK(contains(bad(s), "starttls"));
    s.starttls = false;
    CHECK(bad(s).empty());
    Client ok(s);
    CHECK(ok.server() == "192.0.2.1:465");
}

TEST_CASE("envelope addresses cannot inject SMTP commands", "[smtp][settings]") {
    SmtpSink sink;
    Client client(settings_for(sink));
    for (const std::string& rcpt :
         std::vector<std::string>{"a@example.org>\r\nRCPT TO:<b@example.org", "a b@example.org",
                                  std::string("a\0b@example.org", 15), std::string()}) {
        auto [e, took] =
            expect_error([&] { client.send("t@example.org", {rcpt}, simple_message("inject")); });
        CHECK(e.permanent());
    }
    auto [e, took] = expect_error([&] {
        client.send("t@example.org>\r\nDATA", {"a@example.org"}, simple_message("inject"));
    });
    CHECK(e.permanent());
    auto [n, took2] = expect_error([&] { client.send("t@example.org", {}, simple_message("x")); });
    CHECK(n.permanent());
    // The client still works after rejecting input locally.
    client.send("t@example.org", {"a@example.org"}, simple_message("clean"));
    REQUIRE(sink.wait_for(1, milliseconds(5000)));
    auto got = sink.messages();
    REQUIRE(got.size() == 1);
    CHECK(got[0].rcpts == std::vector<std::string>{"a@example.org"});
}
