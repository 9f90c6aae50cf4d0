// How many gpg processes one report costs (issue 13). Every gpg run is a
// fork+exec and a key-ring read; embargod used to run ~30 per report (a
// `gpg --version` per context, key look-ups per notification). The real
// embargod runs under strace, which counts every exec of gpg, while it files
// plain and encrypted reports and sends each member a signed and encrypted
// notice: what one report needs is one gpg run per encrypted notice, one
// decryption per encrypted report and one key look-up per new reporter.
#include <catch2/catch.hpp>

#include <sstream>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/tempdir.hpp"

using namespace embargo::test;

namespace {

struct GpgRuns {
    int total = 0;      // execs of gpg itself (not gpg-agent, gpgconf, ...)
    int version = 0;    // of them, `gpg --version`
    int helpers = 0;    // execs of embargod's gpg helper processes
    std::string lines;  // their arguments, for the failure message
};

GpgRuns count_gpg_execs(const std::string& trace) {
    GpgRuns runs;
    std::istringstream in(read_file(trace));
    for (std::string line; std::getline(in, line);) {
        auto at = line.find("execve(\"");
        if (at == std::string::npos || line.find("ENOENT") != std::string::npos) continue;
        auto path_end = line.find('"', at + 8);
        std::string path = line.substr(at + 8, path_end - at - 8);
        if (line.find("\"--gpg-helper\"") != std::string::npos) ++runs.helpers;
        if (path != "gpg" && !(path.size() > 4 && path.compare(path.size() - 4, 4, "/gpg") == 0))
            continue;
        ++runs.total;
        runs.lines += line.substr(path_end + 1, 160) + "\n";
        if (line.find("\"--version\"") != std::string::npos) ++runs.version;
    }
    return runs;
}

Mail plain_report(int i) {
    static const char* words[] = {"parser",  "overflow", "header", "token",  "cookie",
                                  "session", "upload",   "render", "socket", "index"};
    Mail m;
    m.from = "Reporter " + std::to_string(i) + " <r" + std::to_string(i) + "@reporters.test>";
    m.subject = std::string("Problem with ") + words[i % 10] + " number " + std::to_string(i);
    m.message_id = unique_message_id("count");
    m.body = "The " + std::string(words[(i * 3) % 10]) + " " + words[(i * 7 + 1) % 10] +
             " misbehaves when given input " + std::to_string(i * 7919) + ".\n";
    return m;
}

struct Counted {
    GpgRuns runs;
    int reports = 0;
    int plain = 0;
    int encrypted = 0;
};

// Files `plain` + `encrypted` reports with one `embargod --once` under strace.
Counted count_one_run(const std::string& gpg_lines) {
    Counted c;
    c.plain = 5;
    c.encrypted = 2;
    c.reports = c.plain + c.encrypted;
    DaemonEnvOptions o;
    o.gpg = gpg_lines;
    DaemonEnv env(o);
    for (int i = 0; i < c.plain; ++i) env.deliver(plain_report(i).str());
    for (int i = 0; i < c.encrypted; ++i) {
        Mail m = plain_report(100 + i);
        m.body = env.people().encrypt(m.body, env.team_fpr());
        env.deliver(m.str());
    }
    // The agent runs before the trace: strace then ends with embargod.
    REQUIRE(
        run({"gpgconf", "--homedir", env.team_home().path(), "--launch", "gpg-agent"}).exit_code ==
        0);

    const std::string trace = env.dir() + "/trace";
    auto r = run({"strace", "-f", "-qq", "-e", "trace=execve", "-o", trace,
                  built_binary("embargod"), "--config", env.config_path(), "--once"},
                 // LeakSanitizer stops the world with ptrace, which fails under strace.
                 {{"ASAN_OPTIONS", "detect_leaks=0"}});
    INFO("embargod stderr:\n" << r.err);
    REQUIRE(r.exit_code == 0);

    // The work was done: every report filed, every member told, encrypted
    // and signed so that the member's own gpg accepts it.
    REQUIRE(env.cases().size() == static_cast<std::size_t>(c.reports));
    REQUIRE(env.smtp().wait_for(4 * c.reports, std::chrono::seconds(20)));
    int encrypted_notices = 0;
    for (const auto& m : env.smtp().messages())
        if (m.header("X-Embargo-Kind") == "new-case" &&
            m.header("Content-Type").find("multipart/encrypted") != std::string::npos) {
            ++encrypted_notices;
            auto opened =
                env.people().decrypt(m.raw.substr(m.raw.find("-----BEGIN PGP MESSAGE-----")));
            CHECK(opened.decryption_okay());
            CHECK(opened.good_signature_by(env.team_fpr()));
        }
    CHECK(encrypted_notices == 3 * c.reports);
    // Helpers run gpg side by side: the shared random_seed file (locked, and
    // a taken lock costs 250 ms) is off in the daemon's home.
    CHECK(read_file(env.team_home().path() + "/gpg.conf").find("\nno-random-seed-file\n") !=
          std::string::npos);
    c.runs = count_gpg_execs(trace);
    return c;
}

// For a failure message: the counts and every gpg run's arguments.
std::string describe(const Counted& c) {
    return "gpg runs: " + std::to_string(c.runs.total) + " (" + std::to_string(c.runs.version) +
           " of them gpg --version) for " + std::to_string(c.reports) + " reports:\n" +
           c.runs.lines;
}

}  // namespace

TEST_CASE("one report costs only the gpg runs its mail needs") {
    Counted c = count_one_run("");
    const GpgRuns& runs = c.runs;
    INFO(describe(c));
    // Needed per report: a key look-up for the new reporter (its ack goes
    // out content-free in the clear; after 4 of them one listing of the
    // keyring answers the rest), and for an encrypted report its decryption.
    // The notices are signed and encrypted in the helpers with librnp: no
    // gpg run per notice. Once per process (embargod and each of its gpg
    // helpers, at most one per worker thread): GPGME's engine checks (`gpg
    // --version`, 6 with GPGME 1.18 when it starts, a few later), and in a
    // helper a look-up and an export of the team key and of each member's.
    // The first code ran ~30 per report, 18 of them `gpg --version`; a gpg
    // run per notice is 3 more per report.
    CHECK(runs.helpers >= 1);
    CHECK(runs.helpers <= 4);
    const int processes = 1 + runs.helpers;
    CHECK(runs.version <= 8 * processes);
    CHECK(runs.total - runs.version <= c.plain + 2 * c.encrypted + 2 + 8 * runs.helpers);
}

TEST_CASE("with sign_in_process = false every notice is a gpg run, and still arrives") {
    Counted c = count_one_run("sign_in_process = false\n");
    const GpgRuns& runs = c.runs;
    INFO(describe(c));
    CHECK(runs.helpers >= 1);
    const int processes = 1 + runs.helpers;
    CHECK(runs.total - runs.version >= 3 * c.reports);
    CHECK(runs.total - runs.version <= 4 * c.plain + 5 * c.encrypted + 2 + 6 * processes);
}
