// Integration tests of the IMAP client against a private Dovecot (and, for
// stalls and hostile answers, a scripted fake server on loopback).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "daemon/imap_client.hpp"
#include "tests/support/dovecot.hpp"

using namespace embargo;
using namespace embargo::imap;
using embargo::test::Dovecot;
using namespace std::chrono_literals;

namespace {

#define REQUIRE_DOVECOT()                                        \
    do {                                                         \
        if (!Dovecot::available()) {                             \
            WARN("dovecot/doveadm not installed: test skipped"); \
            return;                                              \
        }                                                        \
    } while (0)

Settings settings_for(const Dovecot& d, const std::string& mailbox = "INBOX") {
    Settings s;
    s.url = d.url(mailbox);
    s.username = d.user();
    s.password = d.password();
    s.timeout = 10s;
    return s;
}

std::string message(int i, const std::string& body = "hello") {
    return "From: Reporter <r@example.org>\r\nTo: secalert@example.org\r\nSubject: test " +
           std::to_string(i) + "\r\nMessage-ID: <" + std::to_string(i) + "@example.org>\r\n\r\n" +
           body + " " + std::to_string(i) + "\r\n";
}

TimePoint at(const char* iso) {
    return *parse_iso8601(iso);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Processes of this Dovecot instance: the master's command line names the
// temp dir, the children's titles the instance ("dovecot-eb-XXXXXX/imap").
int instance_processes(const std::string& dir) {
    std::string needle = std::filesystem::path(dir).filename().string();
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::ifstream f(e.path() / "cmdline");
        std::string cmd((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        if (cmd.find(needle) != std::string::npos) ++n;
    }
    return n;
}

// A one-connection-at-a-time IMAP server that answers from a script:
// respond(verb, tag) returns the bytes to send for each command.
class FakeImap {
  public:
    using Responder = std::function<std::string(const std::string& verb, const std::string& tag)>;

    FakeImap(std::string greeting, Responder respond)
        : greeting_(std::move(greeting)), respond_(std::move(respond)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        REQUIRE(::listen(listen_fd_, 4) == 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeImap() {
        stop_ = true;
        thread_.join();
        ::close(listen_fd_);
    }
    std::string url() const { return "imap://127.0.0.1:" + std::to_string(port_) + "/INBOX"; }

  private:
    bool wait_readable(int fd) {
        while (!stop_) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) > 0) return true;
        }
        return false;
    }
    void send_all(int fd, const std::string& s) {
        std::size_t off = 0;
        while (off < s.size()) {
            ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return;
            off += static_cast<std::size_t>(n);
        }
    }
    void serve() {
        while (wait_readable(listen_fd_)) {
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            send_all(fd, greeting_);
            std::string buf;
            char chunk[4096];
            while (wait_readable(fd)) {
                ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
                if (n <= 0) break;
                buf.append(chunk, static_cast<std::size_t>(n));
                std::size_t nl;
                while ((nl = buf.find("\r\n")) != std::string::npos) {
                    std::string line = buf.substr(0, nl);
                    buf.erase(0, nl + 2);
                    std::size_t sp = line.find(' ');
                    std::string tag = line.substr(0, sp);
                    std::string rest = sp == std::string::npos ? "" : line.substr(sp + 1);
                    std::string verb = rest.substr(0, rest.find(' '));
                    send_all(fd, respond_(verb, tag));
                }
            }
            ::close(fd);
        }
    }

    std::string greeting_;
    Responder respond_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Logs in, then answers `verb` with `answer` (untagged lines) + OK.
FakeImap::Responder scripted(std::string target_verb, std::string answer) {
    return [=](const std::string& verb, const std::string& tag) -> std::string {
        if (verb == "CAPABILITY")
            return "* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\n" + tag + " OK\r\n";
        if (verb == "LOGOUT") return "* BYE\r\n" + tag + " OK\r\n";
        if (verb == "SELECT") return "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" + tag + " OK\r\n";
        if (verb == target_verb) return answer + tag + " OK\r\n";
        return tag + " OK\r\n";
    };
}

}  // namespace

TEST_CASE("Dovecot fixture starts and restarts and stops without leaking processes", "[dovecot]") {
    REQUIRE_DOVECOT();
    std::string dir;
    auto t0 = std::chrono::steady_clock::now();
    {
        Dovecot d;
        double started = ms_since(t0);
        dir = d.dir();
        CHECK(instance_processes(dir) >= 1);
        auto t1 = std::chrono::steady_clock::now();
        d.stop();
        double stopped = ms_since(t1);
        CHECK(instance_processes(dir) == 0);
        auto t2 = std::chrono::steady_clock::now();
        d.start();
        double restarted = ms_since(t2);
        Client c(settings_for(d));
        CHECK(c.status().messages == 0);
        std::printf("[timing] fixture start %.1f ms, stop %.1f ms, restart %.1f ms\n", started,
                    stopped, restarted);
    }
    CHECK(instance_processes(dir) == 0);
    CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("status reports UIDVALIDITY UIDNEXT MESSAGES and sees a UIDVALIDITY change",
          "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    Client c(settings_for(d));
    MailboxStatus s = c.status();
    CHECK(s.messages == 0);
    CHECK(s.uidnext == 1);
    CHECK(s.uidvalidity == d.uidvalidity());
    CHECK(s.uidvalidity != 0);

    d.deliver(message(1));
    d.deliver(message(2));
    CHECK(c.status().messages == 2);  // same connection
    CHECK(c.uids_from(1) == std::vector<std::uint32_t>{1, 2});
    CHECK(c.status().uidnext == 3);

    std::uint32_t fresh = d.change_uidvalidity();
    CHECK(fresh != s.uidvalidity);
    CHECK(c.status().uidvalidity == fresh);
    // The selected mailbox changed under the connection: it still works.
    CHECK(c.uids_from(1) == std::vector<std::uint32_t>{1, 2});
}

TEST_CASE("uids_from filters the n-star quirk and sees new mail on the reused connection",
          "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    Client c(settings_for(d));
    CHECK(c.uids_from(1).empty());
    for (int i = 1; i <= 3; ++i) d.deliver(message(i));
    CHECK(c.uids_from(1) == std::vector<std::uint32_t>{1, 2, 3});
    CHECK(c.uids_from(0) == std::vector<std::uint32_t>{1, 2, 3});
    CHECK(c.uids_from(3) == std::vector<std::uint32_t>{3});
    // "UID SEARCH UID 4:*" answers 3 (the highest UID): must be filtered.
    CHECK(c.uids_from(4).empty());
    CHECK(c.uids_from(4294967295u).empty());

    // New mail after the mailbox was selected on this connection.
    d.deliver(message(4));
    CHECK(c.uids_from(4) == std::vector<std::uint32_t>{4});
    d.deliver(message(5));
    d.deliver(message(6));
    CHECK(c.uids_from(5) == std::vector<std::uint32_t>{5, 6});
    auto infos = c.info({5, 6});
    REQUIRE(infos.size() == 2);
    CHECK(c.fetch(6, 1 << 20) == message(6));
}

TEST_CASE("uids_from scans sparse UIDs across several search windows", "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    for (int i = 1; i <= 3; ++i) d.deliver(message(i));
    Client c(settings_for(d));
    REQUIRE(c.uids_from(1).size() == 3);  // assigns UIDs 1-3
    d.set_next_uid(4500);
    d.deliver(message(4));
    d.deliver(message(5));
    REQUIRE(c.uids_from(4) == std::vector<std::uint32_t>{4500, 4501});
    d.set_next_uid(9000);
    d.deliver(message(6));
    // 1..9000 takes five windows of 2000 UIDs.
    CHECK(c.uids_from(1) == std::vector<std::uint32_t>{1, 2, 3, 4500, 4501, 9000});
    CHECK(c.uids_from(2001) == std::vector<std::uint32_t>{4500, 4501, 9000});
    CHECK(c.uids_from(4501) == std::vector<std::uint32_t>{4501, 9000});
    CHECK(c.uids_from(9001).empty());
    auto infos = c.info({1, 4500, 9000});
    REQUIRE(infos.size() == 3);
    CHECK(infos[2].uid == 9000);
    CHECK(c.fetch(9000, 1 << 20) == message(6));
}

TEST_CASE("info returns INTERNALDATE and size as delivered", "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    std::string big = message(2, std::string(70000, 'x'));
    d.deliver(message(1), at("2024-03-05T10:20:30Z"));
    d.deliver(big, at("2001-09-09T01:46:40Z"));
    auto before =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    d.deliver(message(3));
    Client c(settings_for(d));
    REQUIRE(c.uids_from(1).size() == 3);
    auto v = c.info({3, 99, 1, 2, 2});
    REQUIRE(v.size() == 3);  // 99 does not exist, duplicates collapse
    CHECK(v[0].uid == 1);
    CHECK(format_iso8601(v[0].internaldate) == "2024-03-05T10:20:30Z");
    CHECK(v[0].size == message(1).size());
    CHECK(v[1].uid == 2);
    CHECK(format_iso8601(v[1].internaldate) == "2001-09-09T01:46:40Z");
    CHECK(v[1].size == big.size());
    CHECK(v[2].uid == 3);
    CHECK(v[2].internaldate >= before);
    CHECK(v[2].internaldate <= before + 5s);
    CHECK(c.info({}).empty());
    CHECK(c.info({42}).empty());
}

TEST_CASE("fetch returns the exact bytes and unknown UIDs throw ImapNoSuchMessage", "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    std::string raw =
        "From: a@example.org\r\nSubject: =?utf-8?b?w6TDtsO8?=\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n";
    for (int b = 0x80; b <= 0xFF; ++b) raw.push_back(static_cast<char>(b));
    raw += "\r\n\ttab line \r\n.\r\n..dots\r\n" + std::string(998, 'L') + "\r\n\r\n\r\n";
    d.deliver(raw);
    d.deliver(message(2));
    Client c(settings_for(d));
    REQUIRE(c.uids_from(1).size() == 2);
    std::string got = c.fetch(1, 1 << 20);
    CHECK(got.size() == raw.size());
    CHECK(got == raw);
    CHECK(c.fetch(2, 1 << 20) == message(2));
    CHECK_THROWS_AS(c.fetch(77, 1 << 20), ImapNoSuchMessage);
    CHECK(c.fetch(2, 1 << 20) == message(2));  // reconnected after the failure
}

TEST_CASE("fetch over max_bytes throws ImapTooLarge without buffering the message", "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    std::string big = message(1, std::string(5u << 20, 'B'));
    d.deliver(big);
    d.deliver(message(2));
    Client c(settings_for(d));
    REQUIRE(c.uids_from(1).size() == 2);
    auto t0 = std::chrono::steady_clock::now();
    try {
        c.fetch(1, 100000);
        FAIL("no ImapTooLarge");
    } catch (const ImapTooLarge& e) {
        CHECK(e.size() == big.size());
        CHECK(e.limit() == 100000);
        CHECK(e.buffered() <= e.limit());
        CHECK(std::string(e.what()).find("UID 1") != std::string::npos);
    }
    std::printf("[timing] abort of a 5 MiB fetch: %.1f ms\n", ms_since(t0));
    // The boundary is exact, and the connection recovers after the abort.
    CHECK_THROWS_AS(c.fetch(2, message(2).size() - 1), ImapTooLarge);
    CHECK(c.fetch(2, message(2).size()) == message(2));
    CHECK(c.fetch(1, big.size()) == big);
}

TEST_CASE("fetch_header returns only the header block under the same cap", "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    std::string raw = message(1, std::string(50000, 'b'));
    d.deliver(raw);
    Client c(settings_for(d));
    REQUIRE(c.uids_from(1) == std::vector<std::uint32_t>{1});
    std::string header = c.fetch_header(1, 1 << 20);
    CHECK(header == raw.substr(0, raw.find("\r\n\r\n") + 4));
    CHECK_THROWS_AS(c.fetch_header(1, 20), ImapTooLarge);
    CHECK(c.fetch_header(1, header.size()) == header);
}

TEST_CASE("move creates the target mailbox once and moves messages", "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    for (int i = 1; i <= 3; ++i) d.deliver(message(i));
    Client c(settings_for(d));
    REQUIRE(c.uids_from(1).size() == 3);
    c.move(1, "Processed");
    c.move(3, "Processed");
    CHECK(d.count("INBOX") == 1);
    CHECK(d.count("Processed") == 2);
    CHECK(c.uids_from(1) == std::vector<std::uint32_t>{2});
    CHECK(c.status().messages == 1);

    // A second client (nothing cached) finds the existing mailbox.
    Client inbox2(settings_for(d));
    inbox2.move(2, "Processed");
    CHECK(d.count("INBOX") == 0);
    CHECK(d.count("Processed") == 3);
    Client processed(settings_for(d, "Processed"));
    auto uids = processed.uids_from(1);
    REQUIRE(uids.size() == 3);
    std::vector<std::string> bodies;
    for (auto u : uids) bodies.push_back(processed.fetch(u, 1 << 20));
    std::sort(bodies.begin(), bodies.end());
    CHECK(bodies == std::vector<std::string>{message(1), message(2), message(3)});
    // Moving a UID that no longer exists is not an error (someone else filed it).
    CHECK_NOTHROW(c.move(1, "Processed"));
    // Nested target in the server's hierarchy.
    processed.move(uids[0], "Archive.2026");
    CHECK(d.count("Archive.2026") == 1);

    CHECK_THROWS_AS(c.move(2, "bad\r\nname"), ImapError);
    CHECK_THROWS_AS(c.move(2, "INBOX"), ImapError);
}

TEST_CASE("server down gives a clear ImapError and the same client reconnects after restart",
          "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    d.deliver(message(1));
    Client c(settings_for(d));
    REQUIRE(c.uids_from(1) == std::vector<std::uint32_t>{1});
    d.stop();
    auto t0 = std::chrono::steady_clock::now();
    try {
        c.status();
        FAIL("no ImapError");
    } catch (const ImapError& e) {
        std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find("127.0.0.1:" + std::to_string(d.port())) != std::string::npos);
        CHECK(msg.find("STATUS") != std::string::npos);
        CHECK(msg.find("running") != std::string::npos);
    }
    CHECK_THROWS_AS(c.fetch(1, 1000), ImapError);
    CHECK(ms_since(t0) < 5000);
    d.start();
    d.deliver(message(2));
    CHECK(c.uids_from(1) == std::vector<std::uint32_t>{1, 2});
    CHECK(c.fetch(2, 1 << 20) == message(2));
}

TEST_CASE("wrong password and missing mailbox give clear errors without secrets", "[dovecot]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    Settings s = settings_for(d);
    s.password = "wrong-Pa55word";
    Client c(s);
    try {
        c.login_check();
        FAIL("no ImapError");
    } catch (const ImapError& e) {
        std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find("password_file") != std::string::npos);
        CHECK(msg.find("127.0.0.1:" + std::to_string(d.port())) != std::string::npos);
        CHECK(msg.find("wrong-Pa55word") == std::string::npos);
    }
    Client nobox(settings_for(d, "Nope"));
    try {
        nobox.login_check();
        FAIL("no ImapError");
    } catch (const ImapError& e) {
        std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find("mailbox") != std::string::npos);
        CHECK(msg.find("SELECT") != std::string::npos);
        CHECK(msg.find("password") == std::string::npos);
    }
    Client ok(settings_for(d));
    CHECK_NOTHROW(ok.login_check());
}

TEST_CASE("TLS - imaps and STARTTLS verify the certificate and the host name", "[dovecot][tls]") {
    REQUIRE_DOVECOT();
    Dovecot d(test::DovecotOptions{true});
    d.deliver(message(1));
    Settings s = settings_for(d);
    s.url = d.imaps_url();
    s.ca_file = d.ca_file();
    CHECK(Client(s).status().messages == 1);

    Settings starttls = settings_for(d);
    starttls.starttls = true;
    starttls.ca_file = d.ca_file();
    Client st(starttls);
    REQUIRE(st.uids_from(1) == std::vector<std::uint32_t>{1});
    CHECK(st.fetch(1, 1 << 20) == message(1));

    Settings untrusted = s;
    untrusted.ca_file.clear();
    try {
        Client(untrusted).status();
        FAIL("untrusted certificate accepted");
    } catch (const ImapError& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find("certificate") != std::string::npos);
    }
    // The certificate is for IP 127.0.0.1, not the name "localhost".
    Settings wrong_host = s;
    wrong_host.url = "imaps://localhost:" + std::to_string(d.tls_port()) + "/INBOX";
    CHECK_THROWS_AS(Client(wrong_host).status(), ImapError);
}

TEST_CASE("settings are validated before connecting") {
    Settings s;
    s.username = "u";
    s.password = "pw-SECRET";
    auto rejects = [&](const std::string& url, bool starttls = false) {
        s.url = url;
        s.starttls = starttls;
        try {
            Client c(s);
            return false;
        } catch (const ImapError& e) {
            std::string msg = e.what();
            CHECK(msg.find("pw-SECRET") == std::string::npos);
            CHECK(msg.find("hunter2") == std::string::npos);
            return true;
        }
    };
    CHECK(rejects("http://127.0.0.1/INBOX"));
    CHECK(rejects("imap://user:hunter2@127.0.0.1/INBOX"));
    CHECK(rejects("imap://127.0.0.1/INBOX;UID=5"));
    CHECK(rejects("imap://127.0.0.1/INBOX?ALL"));
    CHECK(rejects("not a url"));
    CHECK(rejects("imap://mail.example.org/INBOX"));  // clear text over the network
    CHECK_FALSE(rejects("imap://mail.example.org/INBOX", true));
    CHECK_FALSE(rejects("imaps://mail.example.org/INBOX"));
    s.url = "imap://127.0.0.1:1/Foo%20Bar";
    Client c(s);
    CHECK(c.mailbox() == "Foo Bar");
    CHECK(c.server() == "127.0.0.1:1");
    s.url = "imaps://mail.example.org";
    Client d(s);
    CHECK(d.mailbox() == "INBOX");
    CHECK(d.server() == "mail.example.org:993");
}

TEST_CASE("a stalled server times out with a clear error") {
    // Accepts the connection but never sends a greeting.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    REQUIRE(::listen(fd, 4) == 0);
    Settings s;
    s.url = "imap://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/INBOX";
    s.username = "u";
    s.password = "p";
    s.timeout = 1s;
    Client c(s);
    auto t0 = std::chrono::steady_clock::now();
    try {
        c.status();
        FAIL("no timeout");
    } catch (const ImapError& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find("did not answer within 1 s") != std::string::npos);
    }
    CHECK(ms_since(t0) < 4000);
    ::close(fd);
}

TEST_CASE("hostile server answers are rejected with clear errors") {
    SECTION("garbage STATUS") {
        FakeImap server("* OK fake\r\n", scripted("STATUS", "* STATUS INBOX (MESSAGES x)\r\n"));
        Settings s;
        s.url = server.url();
        s.username = "u";
        s.password = "p";
        s.timeout = 5s;
        try {
            Client(s).status();
            FAIL("garbage accepted");
        } catch (const ImapError& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find("not valid IMAP") != std::string::npos);
        }
    }
    SECTION("STATUS without UIDVALIDITY") {
        FakeImap server("* OK fake\r\n", scripted("STATUS", "* STATUS INBOX (MESSAGES 1)\r\n"));
        Settings s{server.url(), "u", "p", false, "", 5s};
        CHECK_THROWS_WITH(Client(s).status(), Catch::Contains("lacks UIDVALIDITY"));
    }
    SECTION("huge SEARCH numbers") {
        FakeImap server("* OK fake\r\n", scripted("UID", "* SEARCH 1 99999999999999\r\n"));
        Settings s{server.url(), "u", "p", false, "", 5s};
        CHECK_THROWS_WITH(Client(s).uids_from(1), Catch::Contains("out of range"));
    }
    SECTION("a literal announcing 100 GB is refused before any byte is buffered") {
        FakeImap server("* OK fake\r\n",
                        scripted("UID", "* 1 FETCH (UID 1 BODY[] {100000000000}\r\nxxxx"));
        Settings s{server.url(), "u", "p", false, "", 5s};
        Client c(s);
        auto t0 = std::chrono::steady_clock::now();
        try {
            c.fetch(1, 1 << 20);
            FAIL("no ImapTooLarge");
        } catch (const ImapTooLarge& e) {
            CHECK(e.size() == 100000000000ull);
            CHECK(e.buffered() == 0);
        }
        CHECK(ms_since(t0) < 3000);
    }
    SECTION("an endless SEARCH answer is cut off") {
        std::string line = "* SEARCH";
        while (line.size() < 1000) line += " 1234567";
        line += "\r\n";
        std::string flood;
        for (int i = 0; i < 40000; ++i) flood += line;
        FakeImap server("* OK fake\r\n", scripted("UID", flood));
        Settings s{server.url(), "u", "p", false, "", 5s};
        // libcurl's own response limit or ours, whichever is hit first.
        CHECK_THROWS_WITH(Client(s).uids_from(1),
                          Catch::Contains("IMAP search for UIDs from 1 in INBOX on 127.0.0.1:"));
    }
}

TEST_CASE("bench - deliver and list and fetch 1000 small messages", "[dovecot][bench]") {
    REQUIRE_DOVECOT();
    Dovecot d;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 1; i <= 1000; ++i) d.deliver(message(i));
    double delivered = ms_since(t0);
    Client c(settings_for(d));
    auto t1 = std::chrono::steady_clock::now();
    auto uids = c.uids_from(1);
    double listed = ms_since(t1);
    REQUIRE(uids.size() == 1000);
    auto t2 = std::chrono::steady_clock::now();
    auto infos = c.info(uids);
    double info_ms = ms_since(t2);
    REQUIRE(infos.size() == 1000);
    auto t3 = std::chrono::steady_clock::now();
    std::size_t mismatches = 0;
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < uids.size(); ++i) {
        std::string m = c.fetch(uids[i], 1 << 20);
        if (m.size() != infos[i].size) ++mismatches;
        seen.push_back(std::move(m));
    }
    double fetched = ms_since(t3);
    CHECK(mismatches == 0);
    std::sort(seen.begin(), seen.end());
    std::vector<std::string> expected;
    for (int i = 1; i <= 1000; ++i) expected.push_back(message(i));
    std::sort(expected.begin(), expected.end());
    CHECK(seen == expected);
    std::printf(
        "[timing] 1000 messages: deliver %.1f ms, uids_from %.1f ms, info %.1f ms, "
        "fetch %.1f ms (%.2f ms each)\n",
        delivered, listed, info_ms, fetched, fetched / 1000);
}
