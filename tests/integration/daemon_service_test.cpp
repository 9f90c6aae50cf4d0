// embargod as a long-running service, the way systemd runs it: the notify
// protocol (READY, STATUS, WATCHDOG, STOPPING) on a socket the test binds,
// SIGHUP reloads (good and broken configuration), SIGTERM, mail processed
// while it runs; embargoctl backup of the live database and embargoctl check;
// and a system-call trace of a full cycle checked against the unit's
// SystemCallFilter= and MemoryDenyWriteExecute=.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// REQUIRE that shows the daemon's log (read after the condition was waited
// for) when it fails.
#define REQUIRE_D(d, ...)                          \
    do {                                           \
        bool ok_ = static_cast<bool>(__VA_ARGS__); \
        INFO("condition: " #__VA_ARGS__);          \
        INFO("embargod log:\n" << (d).log());      \
        REQUIRE(ok_);                              \
    } while (0)

namespace {

// Polls `pred` every 100 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        if (pred()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(100ms);
    }
}

// The receiving end of sd_notify(): an AF_UNIX datagram socket, as systemd
// binds it. Every datagram is split into its "KEY=value" lines. Like
// systemd, it reads all the time (a thread): sd_notify() blocks once ten
// datagrams are queued unread, so a socket read only while a test waits on
// it left embargod stuck in sd_notify("STOPPING=1") after SIGTERM.
class NotifySocket {
  public:
    explicit NotifySocket(std::string path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        REQUIRE(path_.size() < sizeof addr.sun_path);
        std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        reader_ = std::thread([this] { read_all(); });
    }
    ~NotifySocket() {
        stop_ = true;
        reader_.join();
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
    const std::string& path() const { return path_; }

    // Waits until pred(lines so far) holds or the timeout passes.
    bool wait_for(const std::function<bool(const std::vector<std::string>&)>& pred,
                  std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        return arrived_.wait_for(lock, timeout, [&] { return pred(lines_); });
    }
    std::size_t count(const std::string& prefix) {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_in(lines_, prefix);
    }
    static std::size_t count_in(const std::vector<std::string>& lines, const std::string& prefix) {
        std::size_t n = 0;
        for (const auto& l : lines)
            if (l.rfind(prefix, 0) == 0) ++n;
        return n;
    }
    std::vector<std::string> lines() {
        std::lock_guard<std::mutex> lock(mutex_);
        return lines_;
    }

  private:
    void read_all() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char buf[4096];
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) continue;
            std::istringstream in(std::string(buf, static_cast<std::size_t>(n)));
            {
                std::lock_guard<std::mutex> lock(mutex_);
                for (std::string l; std::getline(in, l);)
                    if (!l.empty()) lines_.push_back(l);
            }
            arrived_.notify_all();
        }
    }
    std::string path_;
    int fd_ = -1;
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<std::string> lines_;
    std::atomic<bool> stop_{false};
    std::thread reader_;
};

// A running embargod (not --once), started the way systemd starts a
// Type=notify service with a watchdog; stderr goes to a log file.
class LiveDaemon {
  public:
    LiveDaemon(const std::vector<std::string>& argv, const std::string& log_path,
               const std::map<std::string, std::string>& env)
        : log_path_(log_path) {
        std::vector<std::string> env_strings;
        for (char** e = environ; *e; ++e) {
            std::string kv = *e;
            if (!env.count(kv.substr(0, kv.find('=')))) env_strings.push_back(kv);
        }
        for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
        // Prepared before fork: the child only calls async-signal-safe functions.
        std::vector<char*> envp, args;
        for (auto& s : env_strings) envp.push_back(s.data());
        envp.push_back(nullptr);
        std::vector<std::string> argv_copy = argv;
        for (auto& a : argv_copy) args.push_back(a.data());
        args.push_back(nullptr);
        int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        REQUIRE(log >= 0);
        int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        REQUIRE(devnull >= 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(devnull, 0);
            ::dup2(log, 1);
            ::dup2(log, 2);
            ::execve(args[0], args.data(), envp.data());
            _exit(127);
        }
        ::close(log);
        ::close(devnull);
    }
    ~LiveDaemon() {
        if (pid_ > 0 && running()) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    LiveDaemon(const LiveDaemon&) = delete;
    LiveDaemon& operator=(const LiveDaemon&) = delete;

    pid_t pid() const { return pid_; }
    std::string log() const { return read_file(log_path_); }
    bool wait_log(const std::string& needle, std::chrono::milliseconds timeout) const {
        return eventually([&] { return log().find(needle) != std::string::npos; }, timeout);
    }
    bool running() {
        if (exited_) return false;
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exited_ = true;
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        return !exited_;
    }
    // Exit code once it has exited within `timeout`; nullopt while it runs.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
        eventually([&] { return !running(); }, timeout);
        if (running()) {
            // A daemon that does not stop is a bug to find: show where it is
            // (gdb from scripts/install-deps.sh; without it only the log).
            std::string cmd =
                "gdb -q -batch -p " + std::to_string(pid_) + " -ex 'thread apply all bt' 2>&1";
            std::string stacks;
            if (FILE* p = ::popen(cmd.c_str(), "r")) {
                char buf[4096];
                for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) stacks.append(buf, n);
                ::pclose(p);
            }
            WARN("embargod (pid " << pid_ << ") still running after " << timeout.count()
                                  << " ms; its threads:\n"
                                  << stacks << "\nits log:\n"
                                  << log());
            return std::nullopt;
        }
        return exit_code_;
    }

  private:
    std::string log_path_;
    pid_t pid_ = -1;
    bool exited_ = false;
    int exit_code_ = -1;
};

std::map<std::string, std::string> notify_env(const NotifySocket& sock,
                                              std::chrono::microseconds watchdog) {
    // WATCHDOG_PID is left out: systemd sets it to the main pid, which the
    // test only learns after fork; sd_watchdog_enabled() accepts it unset.
    return {{"NOTIFY_SOCKET", sock.path()}, {"WATCHDOG_USEC", std::to_string(watchdog.count())}};
}

LiveDaemon start_daemon(DaemonEnv& env, const NotifySocket& sock) {
    return LiveDaemon(
        {built_binary("embargod"), "--config", env.config_path(), "--log-level", "debug"},
        env.dir() + "/embargod.log", notify_env(sock, 2s));
}

Mail report(const std::string& from, const std::string& subject) {
    Mail m;
    m.from = from;
    m.subject = subject;
    m.message_id = unique_message_id("svc");
    return m;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

// Replaces the line starting with `prefix` in a config text.
std::string replace_line(const std::string& text, const std::string& prefix,
                         const std::string& line) {
    auto at = text.find("\n" + prefix);
    REQUIRE(at != std::string::npos);
    auto end = text.find('\n', at + 1);
    return text.substr(0, at + 1) + line + text.substr(end);
}

std::vector<std::string> leads(const json& cases) {
    std::vector<std::string> r;
    for (const auto& c : cases) r.push_back(c["lead"].get<std::string>());
    return r;
}

}  // namespace

TEST_CASE("embargod under systemd's notify protocol: READY, STATUS, WATCHDOG, STOPPING") {
    DaemonEnv env;
    NotifySocket sock(env.dir() + "/notify");
    LiveDaemon d = start_daemon(env, sock);

    REQUIRE_D(d, sock.wait_for([](const auto& l) { return has_line(l, "READY=1"); }, 20s));
    // READY only once the configuration and database are usable.
    struct stat st {};
    REQUIRE(::stat(env.db_path().c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);  // the database is the service user's alone

    // One STATUS per poll (poll_interval = 1s), naming the result.
    REQUIRE_D(
        d, sock.wait_for(
               [](const auto& l) { return NotifySocket::count_in(l, "STATUS=last poll ok") >= 2; },
               15s));
    // WATCHDOG_USEC = 2s: pinged well within it (every second), while healthy.
    auto pings = sock.count("WATCHDOG=1");
    CHECK(pings >= 1);
    REQUIRE_D(
        d, sock.wait_for(
               [&](const auto& l) { return NotifySocket::count_in(l, "WATCHDOG=1") >= pings + 2; },
               3s));

    // Mail delivered while it runs is processed within a few poll intervals.
    env.deliver(report("Eve <eve@example.net>", "Heap overflow in header parser").str());
    auto delivered = Clock::now();
    REQUIRE_D(d, eventually([&] { return env.cases().size() == 1; }, 15s));
    CHECK(Clock::now() - delivered < 10s);
    auto c = env.cases()[0];
    CHECK(c["lead"] == "alice@example.org");
    CHECK(c["state"] == "triage");
    REQUIRE_D(d, sock.wait_for(
                     [](const auto& l) {
                         for (const auto& s : l)
                             if (s.rfind("STATUS=last poll ok: 1 processed", 0) == 0) return true;
                         return false;
                     },
                     10s));
    // The acknowledgement and the team notices leave through the SMTP sink.
    REQUIRE_D(d, eventually([&] { return env.ctl_json({"outbox"}).empty(); }, 15s));

    // A mailbox that stops answering shows in STATUS, and recovery too.
    env.imap().stop();
    REQUIRE_D(d, sock.wait_for(
                     [](const auto& l) {
                         return NotifySocket::count_in(l, "STATUS=last poll FAILED") >= 1;
                     },
                     30s));
    CHECK(d.running());
    env.imap().start();
    auto ok_before = sock.count("STATUS=last poll ok");
    REQUIRE_D(d, sock.wait_for(
                     [&](const auto& l) {
                         return NotifySocket::count_in(l, "STATUS=last poll ok") > ok_before;
                     },
                     30s));

    // SIGTERM: STOPPING=1, exit 0, promptly.
    auto term = Clock::now();
    REQUIRE(::kill(d.pid(), SIGTERM) == 0);
    auto code = d.wait_exit(10s);
    REQUIRE(code);
    CHECK(*code == 0);
    CHECK(Clock::now() - term < 5s);
    CHECK(sock.count("STOPPING=1") == 1);
    CHECK(d.log().find("embargod stopping") != std::string::npos);
    // Nothing of the report's content reaches the log.
    CHECK(d.log().find("overflows its buffer") == std::string::npos);
    CHECK(d.log().find(env.imap().password()) == std::string::npos);
}

TEST_CASE("while sleeping the watchdog is pinged at half of WATCHDOG_USEC") {
    DaemonEnv env;
    write_file(
        env.config_path(),
        replace_once(read_file(env.config_path()), "poll_interval = 1\n", "poll_interval = 60\n"),
        0600);
    NotifySocket sock(env.dir() + "/notify");
    LiveDaemon d = start_daemon(env, sock);  // WATCHDOG_USEC = 2s
    REQUIRE_D(
        d,
        sock.wait_for(
            [](const auto& l) { return NotifySocket::count_in(l, "STATUS=last poll") >= 1; }, 20s));
    // Now asleep for a minute: about one ping a second, not five.
    auto before = sock.count("WATCHDOG=1");
    std::this_thread::sleep_for(5s);
    auto pings = sock.count("WATCHDOG=1") - before;
    CHECK(pings >= 3);
    CHECK(pings <= 7);
    CHECK(d.running());
    REQUIRE(::kill(d.pid(), SIGTERM) == 0);
    auto code = d.wait_exit(10s);
    REQUIRE(code);
    CHECK(*code == 0);
}

TEST_CASE("SIGHUP applies a valid configuration and refuses a broken one, keeping the old") {
    DaemonEnv env;
    NotifySocket sock(env.dir() + "/notify");
    LiveDaemon d = start_daemon(env, sock);
    REQUIRE_D(d, sock.wait_for([](const auto& l) { return has_line(l, "READY=1"); }, 20s));

    env.deliver(report("Eve <eve@example.net>", "First distinct problem").str());
    REQUIRE_D(d, eventually([&] { return env.cases().size() == 1; }, 15s));
    CHECK(env.cases()[0]["lead"] == "alice@example.org");

    // A new member, Frank, second in the rotation order.
    Person frank = env.make_person("Frank Example", "frank@example.org");
    env.team_home().import(env.people().export_public(frank.fpr));
    const std::string original = read_file(env.config_path());
    const std::string alice_line =
        "member = " + env.members()[0].header() + " " + env.members()[0].fpr;
    REQUIRE(original.find(alice_line + "\n") != std::string::npos);
    const std::string with_frank = replace_line(
        original, alice_line, alice_line + "\nmember = " + frank.header() + " " + frank.fpr);
    write_file(env.config_path(), with_frank, 0600);
    REQUIRE(::kill(d.pid(), SIGHUP) == 0);
    REQUIRE_D(d, d.wait_log("configuration reloaded from " + env.config_path(), 10s));
    CHECK(d.running());

    auto rot = env.ctl_json({"rotation"});
    CHECK(rot["order"] == json::array({"alice@example.org", "frank@example.org", "bob@example.org",
                                       "carol@example.org"}));
    CHECK(rot["next"] == "frank@example.org");
    // The daemon itself uses the new team: the next report goes to Frank.
    env.deliver(report("Eve <eve@example.net>", "Second distinct problem").str());
    REQUIRE_D(d, eventually([&] { return env.cases().size() == 2; }, 15s));
    CHECK(leads(env.cases()) == std::vector<std::string>{"alice@example.org", "frank@example.org"});

    // A broken file (unknown key) with the order reversed: refused whole.
    // Kept config: bob follows frank. Had the reversed order been applied,
    // alice would; had the original config come back, carol would.
    const std::string good_copy = env.dir() + "/good.conf";
    write_file(good_copy, with_frank, 0600);
    std::string reversed = with_frank;
    {
        std::vector<std::string> members;
        std::istringstream in(with_frank);
        std::string out, l;
        bool placed = false;
        for (; std::getline(in, l);) {
            if (l.rfind("member = ", 0) == 0) {
                members.push_back(l);
                continue;
            }
            if (!members.empty() && !placed) {
                for (auto it = members.rbegin(); it != members.rend(); ++it) out += *it + "\n";
                placed = true;
            }
            out += l + "\n";
        }
        reversed = out + "no_such_key = 1\n";
    }
    write_file(env.config_path(), reversed, 0600);
    auto status_before = sock.count("STATUS=");
    REQUIRE(::kill(d.pid(), SIGHUP) == 0);
    REQUIRE_D(d, d.wait_log("reload refused", 10s));
    CHECK(d.log().find("no_such_key") != std::string::npos);  // names what is wrong
    // Still running and polling.
    REQUIRE_D(d, sock.wait_for(
                     [&](const auto& l) {
                         return NotifySocket::count_in(l, "STATUS=") >= status_before + 2;
                     },
                     10s));
    CHECK(d.running());
    env.deliver(report("Eve <eve@example.net>", "Third distinct problem").str());
    auto cases_from_copy = [&] {
        auto r = run({built_binary("embargoctl"), "--config", good_copy, "cases", "--json"});
        REQUIRE(r.exit_code == 0);
        return json::parse(r.out);
    };
    REQUIRE_D(d, eventually([&] { return cases_from_copy().size() == 3; }, 15s));
    CHECK(leads(cases_from_copy()) ==
          std::vector<std::string>{"alice@example.org", "frank@example.org", "bob@example.org"});
    // embargoctl refuses the broken file with FILE:LINE: key.
    auto bad = env.ctl({"rotation"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find(env.config_path() + ":") != std::string::npos);
    CHECK(bad.err.find("no_such_key") != std::string::npos);

    write_file(env.config_path(), with_frank, 0600);
    REQUIRE(::kill(d.pid(), SIGTERM) == 0);
    auto code = d.wait_exit(10s);
    REQUIRE(code);
    CHECK(*code == 0);
}

TEST_CASE("embargoctl backup copies the live database consistently") {
    DaemonEnv env;
    NotifySocket sock(env.dir() + "/notify");
    LiveDaemon d = start_daemon(env, sock);
    REQUIRE_D(d, sock.wait_for([](const auto& l) { return has_line(l, "READY=1"); }, 20s));
    for (int i = 0; i < 3; ++i)
        env.deliver(report("R" + std::to_string(i) + " <r" + std::to_string(i) + "@example.net>",
                           "Distinct problem number " + std::to_string(i))
                        .str());
    REQUIRE_D(d, eventually([&] { return env.cases().size() == 3; }, 20s));

    // Taken while embargod runs (and keeps polling, holding the WAL open).
    const std::string backup = env.dir() + "/backup.db";
    auto r = env.ctl({"backup", backup});
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(backup) != std::string::npos);
    CHECK(d.running());
    struct stat st {};
    REQUIRE(::stat(backup.c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);  // as private as the database itself

    {
        SQLite::Database db(backup, SQLite::OPEN_READONLY);
        CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    }
    // The same cases, read through embargoctl with the backup as database.
    const std::string now = test_iso(0, "12:00:00");
    std::string conf = read_file(env.config_path());
    const std::string backup_conf = env.dir() + "/backup.conf";
    write_file(backup_conf, replace_line(conf, "database = ", "database = " + backup), 0600);
    auto from_backup = run({built_binary("embargoctl"), "--config", backup_conf, "cases", "--all",
                            "--json", "--now", now});
    REQUIRE(from_backup.exit_code == 0);
    auto live = env.ctl_json({"cases", "--all", "--now", now});
    CHECK(json::parse(from_backup.out) == live);
    CHECK(json::parse(from_backup.out).size() == 3);
    auto audit = run({built_binary("embargoctl"), "--config", backup_conf, "audit"});
    CHECK(audit.exit_code == 0);

    // A target that cannot be written: exit 1, naming the command.
    auto bad = env.ctl({"backup", env.dir() + "/no/such/dir/b.db"});
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("embargoctl backup") != std::string::npos);
    // No target: usage error.
    CHECK(env.ctl({"backup"}).exit_code == 2);

    REQUIRE(::kill(d.pid(), SIGTERM) == 0);
    auto code = d.wait_exit(10s);
    REQUIRE(code);
    CHECK(*code == 0);
}

TEST_CASE("embargoctl check: every part ok, and a FAIL line naming IMAP when it is down") {
    DaemonEnv env;
    auto r = env.ctl({"check"});
    INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.exit_code == 0);
    std::istringstream in(r.out);
    int lines = 0;
    std::set<std::string> parts;
    for (std::string l; std::getline(in, l); ++lines) {
        CHECK(l.rfind("ok    ", 0) == 0);
        parts.insert(l.substr(6, l.find(' ', 6) - 6));
    }
    // configuration, database, team key, 3 member keys, IMAP, SMTP
    CHECK(lines == 8);
    CHECK(parts ==
          std::set<std::string>{"configuration", "database", "team", "member", "IMAP", "SMTP"});

    env.imap().stop();
    auto down = env.ctl({"check"});
    INFO("stdout:\n" << down.out << "stderr:\n" << down.err);
    CHECK(down.exit_code == 1);
    CHECK(down.out.find("FAIL  IMAP " + env.imap().url()) != std::string::npos);
    // Everything else is still reported, and still fine.
    CHECK(down.out.find("ok    SMTP ") != std::string::npos);
    CHECK(down.out.find("ok    database ") != std::string::npos);
}

namespace {

// A TCP port that completes the handshake (the kernel's backlog) but never
// answers: an IMAP or SMTP server that hangs before its greeting.
class StalledListener {
  public:
    StalledListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~StalledListener() { ::close(fd_); }
    StalledListener(const StalledListener&) = delete;
    StalledListener& operator=(const StalledListener&) = delete;
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace

TEST_CASE("embargoctl check gives up on stalled servers after the configured timeouts") {
    DaemonEnv env;
    StalledListener imap, smtp;
    std::string imap_url = "imap://127.0.0.1:" + std::to_string(imap.port());
    std::string smtp_url = "smtp://127.0.0.1:" + std::to_string(smtp.port());
    std::string conf = read_file(env.config_path());
    conf = replace_once(conf, "url = " + env.imap().url() + "\n",
                        "url = " + imap_url + "\ntimeout = 2s\n");
    conf = replace_once(conf, "url = " + env.smtp().url() + "\n",
                        "url = " + smtp_url + "\ntimeout = 2s\n");
    write_file(env.config_path(), conf, 0600);

    auto start = std::chrono::steady_clock::now();
    auto r = env.ctl({"check"});
    auto took = std::chrono::steady_clock::now() - start;
    INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("FAIL  IMAP " + imap_url) != std::string::npos);
    CHECK(r.out.find("FAIL  SMTP " + smtp_url) != std::string::npos);
    // Two 2 s timeouts, not the 20 s each check used to force; generous
    // margin for gpg and a loaded machine.
    CHECK(took >= 3s);
    CHECK(took < 15s);
}

namespace {

// The system calls a SystemCallFilter= group stands for, nested groups expanded.
std::set<std::string> expand_group(const std::string& group) {
    auto r = run({"systemd-analyze", "syscall-filter", "--no-pager", group});
    REQUIRE(r.exit_code == 0);
    std::set<std::string> out;
    std::istringstream in(r.out);
    bool first = true;
    for (std::string l; std::getline(in, l);) {
        if (first) {  // the group's own name
            first = false;
            continue;
        }
        auto b = l.find_first_not_of(' ');
        if (b == std::string::npos) break;
        std::string item = l.substr(b);
        if (item[0] == '#') continue;
        if (item[0] == '@') {
            auto sub = expand_group(item);
            out.insert(sub.begin(), sub.end());
        } else {
            out.insert(item);
        }
    }
    return out;
}

// What a unit's SystemCallFilter= lines allow: the first (allow) list minus
// every later ~ list, as systemd combines them.
std::set<std::string> unit_allowed_syscalls(const std::string& unit_text) {
    std::set<std::string> allowed;
    bool have_allow = false;
    std::istringstream in(unit_text);
    for (std::string l; std::getline(in, l);) {
        if (l.rfind("SystemCallFilter=", 0) != 0) continue;
        std::string v = l.substr(std::strlen("SystemCallFilter="));
        bool deny = !v.empty() && v[0] == '~';
        if (deny) v.erase(0, 1);
        REQUIRE((deny || !have_allow));  // one allow list, then deny lists
        std::istringstream items(v);
        for (std::string item; items >> item;) {
            auto set = item[0] == '@' ? expand_group(item) : std::set<std::string>{item};
            for (const auto& s : set) {
                if (deny)
                    allowed.erase(s);
                else
                    allowed.insert(s);
            }
        }
        have_allow = have_allow || !deny;
    }
    REQUIRE(have_allow);
    return allowed;
}

// Absolute path of a program in PATH, empty when it is not installed.
std::string find_tool(const std::string& name) {
    auto r = run({"sh", "-c", "command -v " + name});
    if (r.exit_code != 0) return {};
    while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == ' ')) r.out.pop_back();
    return r.out;
}

}  // namespace

TEST_CASE("a full cycle with gpg and gpg-agent stays inside the unit's system-call sandbox") {
    const std::string strace = find_tool("strace");
    if (strace.empty() || find_tool("systemd-analyze").empty()) {
        WARN("strace or systemd-analyze missing: system-call sandbox check skipped");
        return;
    }
    if (run({"strace", "-f", "-qq", "-o", "/dev/null", "true"}).exit_code != 0) {
        WARN("strace cannot trace here (ptrace not permitted): check skipped");
        return;
    }
    DaemonEnv env;
    // An encrypted report and a plain one: decryption, then encrypted and
    // signed notices to every member, so gpg and gpg-agent both work.
    Mail enc = report("Eve <eve@example.net>", "Encrypted problem");
    enc.body = env.people().encrypt("The parser overflows on long lines.\n", env.team_fpr());
    env.deliver(enc.str());
    env.deliver(report("Mallory <m@example.net>", "Plain problem").str());
    // The agent must start inside the trace, as it does under systemd.
    run({"gpgconf", "--homedir", env.team_home().path(), "--kill", "gpg-agent"});

    const std::string trace = env.dir() + "/trace";
    LiveDaemon traced({strace, "-f", "-q", "-o", trace, built_binary("embargod"), "--config",
                       env.config_path(), "--once"},
                      env.dir() + "/embargod.log",
                      // LeakSanitizer stops the world with ptrace, which fails under strace.
                      {{"ASAN_OPTIONS", "detect_leaks=0"}});
    // strace runs until gpg-agent, which outlives embargod, is gone: wait for
    // embargod itself (the first process in the trace), then stop the agent.
    auto main_exited = [&] {
        if (::access(trace.c_str(), R_OK) != 0) return false;
        std::string t = read_file(trace);
        auto pid_of = [&](std::size_t line_start) {
            return t.substr(line_start, t.find(' ', line_start) - line_start);
        };
        const std::string main_pid = pid_of(0);
        // strace pads the pid column ("2783  +++ exited", "24761 +++ exited").
        for (auto at = t.find("+++ "); at != std::string::npos; at = t.find("+++ ", at + 4)) {
            auto line_start = t.rfind('\n', at);
            line_start = line_start == std::string::npos ? 0 : line_start + 1;
            if (pid_of(line_start) == main_pid &&
                t.find_first_not_of(' ', line_start + main_pid.size()) == at)
                return true;
        }
        return false;
    };
    REQUIRE_D(traced, eventually(main_exited, 60s));
    run({"gpgconf", "--homedir", env.team_home().path(), "--kill", "gpg-agent"});
    auto code = traced.wait_exit(20s);
    REQUIRE(code);
    CHECK(*code == 0);
    auto cases = env.cases();
    REQUIRE(cases.size() == 2);
    CHECK(cases[0]["encrypted"] == true);

    std::string t = read_file(trace);
    CHECK(t.find("gpg-agent") != std::string::npos);  // the agent ran under the trace
    std::set<std::string> used;
    std::vector<std::string> wx_maps, families;
    std::regex call(R"(^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)(\(| resumed>))");
    std::regex family(R"(socket\((AF_[A-Z0-9]+))");
    std::istringstream in(t);
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (!std::regex_search(l, m, call)) continue;
        const std::string name = m[1];
        // SQLite chowns its journal files to the database's owner only when
        // running as root (robustFchown); the service never runs as root.
        if (::geteuid() == 0 && name == "fchown" && l.find(", 0, 0)") != std::string::npos)
            continue;
        used.insert(name);
        // What MemoryDenyWriteExecute= refuses.
        if ((name == "mmap" && l.find("PROT_WRITE") != std::string::npos &&
             l.find("PROT_EXEC") != std::string::npos) ||
            ((name == "mprotect" || name == "pkey_mprotect") &&
             l.find("PROT_EXEC") != std::string::npos))
            wx_maps.push_back(l);
        std::smatch f;
        if (name == "socket" && std::regex_search(l, f, family)) families.push_back(f[1]);
    }
    REQUIRE(used.count("execve"));
    REQUIRE(used.size() > 30);

    for (const char* unit : {"embargod.service", "embargod@.service"}) {
        INFO("unit " << unit);
        auto allowed =
            unit_allowed_syscalls(read_file(std::string(EMBARGO_SOURCE_DIR) + "/systemd/" + unit));
        std::vector<std::string> refused;
        for (const auto& s : used)
            if (!allowed.count(s)) refused.push_back(s);
        std::string list;
        for (const auto& s : refused) list += s + " ";
        INFO("system calls the filter refuses: " << list);
        CHECK(refused.empty());
    }
    std::string wx;
    for (const auto& l : wx_maps) wx += l + "\n";
    INFO("writable+executable mappings:\n" << wx);
    CHECK(wx_maps.empty());
    for (const auto& fam : families) {
        INFO("socket family " << fam);
        CHECK((fam == "AF_UNIX" || fam == "AF_INET" || fam == "AF_INET6"));
    }
}

TEST_CASE("under journald every log line carries its syslog priority") {
    DaemonEnv env;
    env.imap().stop();  // an error to log
    auto r = run({built_binary("embargod"), "--config", env.config_path(), "--once"},
                 {{"JOURNAL_STREAM", "8:12345"}});
    INFO("stderr:\n" << r.err);
    CHECK(r.exit_code == 1);
    std::istringstream in(r.err);
    std::set<std::string> priorities;
    for (std::string l; std::getline(in, l);) {
        // journald's SyslogLevelPrefix: "<N>" with the digit, no timestamp of ours.
        REQUIRE(l.size() > 3);
        CHECK(std::regex_search(l, std::regex("^<[0-7]>[^<]")));
        priorities.insert(l.substr(0, 3));
    }
    CHECK(priorities.count("<3>"));  // the mailbox error
    CHECK(priorities.count("<6>"));  // the cycle's status line
    // Without JOURNAL_STREAM: our own UTC timestamp and level name.
    auto plain = run({built_binary("embargod"), "--config", env.config_path(), "--once"});
    CHECK(std::regex_search(
        plain.err, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ embargod error: mailbox)",
                              std::regex::multiline)));
}
