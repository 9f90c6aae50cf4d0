// A real mail client as the sender: mutt (driven through a pseudo-terminal,
// since it only signs and encrypts from its compose menu) writes PGP/MIME
// encrypted and signed mail, and open_message must read it.
#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "crypto/gpg.hpp"
#include "crypto/pgp_mime.hpp"
#include "parsers/mime.hpp"
#include "tests/support/gpg_home.hpp"

using namespace embargo;
using namespace embargo::crypto;
using embargo::test::GpgHome;
using embargo::test::TempDir;

namespace {

bool have_mutt() {
    return embargo::test::run({"sh", "-c", "command -v mutt"}).exit_code == 0;
}

// Runs mutt on a pty; whenever the screen shows a step's marker, types its keys.
bool drive_mutt(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                const std::vector<std::pair<std::string, std::string>>& steps,
                std::string& screen) {
    int master = -1;
    pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::size_t step = 0, seen = 0;
    bool exited = false;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline && !exited) {
        pollfd p{master, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
            char buf[4096];
            ssize_t n = read(master, buf, sizeof buf);
            if (n > 0) screen.append(buf, static_cast<std::size_t>(n));
        }
        if (step < steps.size()) {
            std::size_t at = screen.find(steps[step].first, seen);
            if (at != std::string::npos) {
                seen = at + steps[step].first.size();
                const std::string& keys = steps[step].second;
                REQUIRE(write(master, keys.data(), keys.size()) ==
                        static_cast<ssize_t>(keys.size()));
                ++step;
            }
        }
        exited = waitpid(pid, &status, WNOHANG) == pid;
    }
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    close(master);
    return exited && step == steps.size();
}

struct MuttSetup {
    GpgHome team_home, alice_home;
    TempDir home;
    std::string team, alice;
    MuttSetup() {
        team = team_home.make_key("Team <security@example.org>");
        alice = alice_home.make_key("Alice <alice@example.net>");
        alice_home.import(team_home.export_public(team));
        team_home.import(alice_home.export_public(alice));
        // Alice certifies the team key so that mutt encrypts without asking.
        alice_home.gpg({"--yes", "--quick-lsign-key", team});
        embargo::test::write_file(home / "capture.sh",
                                  "#!/bin/sh\ncat > " + home.path() + "/out.eml\n", 0700);
        embargo::test::write_file(home / "body.txt", "Report body via mutt.\nSecond line.\n");
        ::mkdir((home / "Mail").c_str(), 0700);
        ::mkdir((home / "tmp").c_str(), 0700);
        embargo::test::write_file(home / "mbox", "");
    }

    // Sends body.txt with mutt; returns the message mutt handed to "sendmail".
    std::string send(bool encrypt, const std::string& subject) {
        std::string rc =
            "set from=\"Alice <alice@example.net>\"\n"
            "set use_from=yes\n"
            "set sendmail=\"" +
            home.path() +
            "/capture.sh\"\n"
            "set crypt_use_gpgme=yes\n"
            "set pgp_default_key=\"" +
            alice +
            "\"\n"
            "set crypt_autosign=yes\n"
            "set crypt_autoencrypt=" +
            std::string(encrypt ? "yes" : "no") +
            "\n"
            "set crypt_protected_headers_write=yes\n"
            "set pgp_self_encrypt=no\n"
            "set record=\"\"\nset postpone=no\nset editor=\"true\"\nset abort_unmodified=no\n"
            "set folder=\"" +
            home.path() +
            "/Mail\"\n"
            "set spoolfile=\"" +
            home.path() +
            "/mbox\"\n"
            "set tmpdir=\"" +
            home.path() + "/tmp\"\n";
        embargo::test::write_file(home / "muttrc", rc);
        std::string screen;
        bool ok =
            drive_mutt({"mutt", "-n", "-F", home / "muttrc", "-s", subject, "-i", home / "body.txt",
                        "security@example.org"},
                       {"HOME=" + home.path(), "TERM=xterm", "GNUPGHOME=" + alice_home.path()},
                       {{"To:", "\r"}, {"Subject:", "\r"}, {"y:Send", "y"}}, screen);
        INFO(
            "mutt screen tail: " << screen.substr(screen.size() > 2000 ? screen.size() - 2000 : 0));
        REQUIRE(ok);
        return embargo::test::read_file(home / "out.eml");
    }
};

}  // namespace

TEST_CASE("mutt: PGP/MIME encrypted and signed, protected subject", "[mutt]") {
    if (!have_mutt()) {
        WARN("mutt is not installed (apt-get install -y mutt); this test does not run");
        return;
    }
    MuttSetup s;
    std::string raw = s.send(true, "Real subject from mutt");
    CHECK(raw.find("multipart/encrypted") != std::string::npos);
    CHECK(raw.find("Real subject from mutt") == std::string::npos);  // mutt hid it

    Gpg gpg(s.team_home.path());
    mime::Limits limits;
    mime::Message msg = mime::parse(raw, limits);
    OpenedMessage m = open_message(gpg, msg, raw, limits, 5, 1 << 20);
    CHECK(m.encrypted);
    CHECK_FALSE(m.undecryptable);
    CHECK(m.signature.valid());
    CHECK(m.signature.fingerprint == s.alice);
    CHECK(m.text == "Report body via mutt.\nSecond line.\n");
    CHECK(m.signed_text == m.text);
    REQUIRE(m.protected_subject);
    CHECK(*m.protected_subject == "Real subject from mutt");
    CHECK(m.problems.empty());
}

TEST_CASE("mutt: PGP/MIME signed (LF-only as mutt hands it to sendmail)", "[mutt]") {
    if (!have_mutt()) {
        WARN("mutt is not installed (apt-get install -y mutt); this test does not run");
        return;
    }
    MuttSetup s;
    std::string raw = s.send(false, "Signed by mutt");
    CHECK(raw.find("multipart/signed") != std::string::npos);
    CHECK(raw.find("\r\n") == std::string::npos);

    Gpg gpg(s.team_home.path());
    mime::Limits limits;
    mime::Message msg = mime::parse(raw, limits);
    OpenedMessage m = open_message(gpg, msg, raw, limits, 5, 1 << 20);
    CHECK_FALSE(m.encrypted);
    CHECK(m.signature.valid());
    CHECK(m.signature.fingerprint == s.alice);
    CHECK(m.signed_text == "Report body via mutt.\nSecond line.\n");
}
