// Faults around the real embargod (SPEC 2, 4, 6): the IMAP server down,
// stalling or cutting the connection mid-fetch (through a TCP proxy in this
// test), the SMTP server refusing (451, 550), down or stalling, the database
// locked by another process or on a full disk, and the team's gpg-agent
// dying. Each fault gives a clear log line and the `--once` exit code SPEC 2
// asks for; nothing is lost and everything is processed once the fault ends.
#include <SQLiteCpp/SQLiteCpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/child.hpp"
#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo;
using namespace embargo::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kT0 = test_iso(0, "12:00:00");
// Notifications of one plain report with three members: ack + 3 new-case.
constexpr size_t kPerReport = 4;

std::string at(int seconds_after_t0) {
    auto t = parse_iso8601(kT0);
    REQUIRE(t);
    return format_iso8601(*t + std::chrono::seconds(seconds_after_t0));
}

Mail report(const std::string& who, const std::string& subject) {
    Mail m;
    m.from = who + " <" + who + "@reporters.test>";
    m.subject = subject;
    m.message_id = unique_message_id("fault");
    m.body = "A report about " + subject + ".\n";
    return m;
}

// Replaces one piece of the generated configuration (url, database path).
void edit_config(DaemonEnv& env, const std::string& from, const std::string& to) {
    std::string c = read_file(env.config_path());
    auto pos = c.find(from);
    REQUIRE(pos != std::string::npos);
    c.replace(pos, from.size(), to);
    write_file(env.config_path(), c, 0600);
}

DaemonEnvOptions options(const std::string& imap_smtp_timeouts = "") {
    DaemonEnvOptions o;
    // The digest goes out daily whatever happens; without it the counts below
    // are exactly the report's notifications.
    o.extra = "[timeline]\ndigest_time =\n" + imap_smtp_timeouts;
    return o;
}

std::set<std::string> message_ids(const std::vector<ReceivedMail>& mail) {
    std::set<std::string> ids;
    for (const auto& m : mail) ids.insert(m.header("Message-ID"));
    return ids;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Prints the first log line holding `needle`: what an operator would see.
void show_log_line(const std::string& fault, const std::string& log, const std::string& needle) {
    auto pos = log.find(needle);
    if (pos == std::string::npos) return;
    auto begin = log.rfind('\n', pos);
    begin = begin == std::string::npos ? 0 : begin + 1;
    auto end = log.find('\n', pos);
    std::cout << "daemon_fault_test: " << fault << ": " << log.substr(begin, end - begin)
              << std::endl;
}

// A TCP proxy between embargod and Dovecot that passes bytes through, or,
// after `after` bytes from the server on a connection, stops forwarding (a
// stalled server) or closes both sides (a dropped connection). The mode is
// taken per connection when it is accepted.
class TcpProxy {
  public:
    enum class Mode { Pass, Stall, Cut };

    explicit TcpProxy(int target_port) : target_(target_port) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(listen_fd_ >= 0);
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a = loopback(0);
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listen_fd_, 16) == 0);
        socklen_t len = sizeof a;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { loop(); });
    }
    ~TcpProxy() {
        stop_ = true;
        thread_.join();
        for (auto& p : pairs_) close_pair(p);
        ::close(listen_fd_);
    }
    TcpProxy(const TcpProxy&) = delete;
    TcpProxy& operator=(const TcpProxy&) = delete;

    int port() const { return port_; }
    void set(Mode m, size_t after = 0) {
        std::lock_guard<std::mutex> l(mu_);
        mode_ = m;
        after_ = after;
    }
    int faults() const { return faults_.load(); }  // connections stalled or cut so far

  private:
    struct Pair {
        int client = -1, server = -1;
        Mode mode = Mode::Pass;
        size_t after = 0, from_server = 0;
        bool stalled = false;
    };

    static sockaddr_in loopback(int port) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return a;
    }
    static bool send_all(int fd, const char* p, size_t n) {
        while (n > 0) {
            ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
            if (w <= 0) return false;
            p += w;
            n -= static_cast<size_t>(w);
        }
        return true;
    }
    static void close_pair(Pair& p) {
        if (p.client >= 0) ::close(p.client);
        if (p.server >= 0) ::close(p.server);
        p.client = p.server = -1;
    }

    void accept_one() {
        int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a = loopback(target_);
        if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(c);
            ::close(s);
            return;
        }
        Pair p;
        p.client = c;
        p.server = s;
        std::lock_guard<std::mutex> l(mu_);
        p.mode = mode_;
        p.after = after_;
        pairs_.push_back(p);
    }

    // Moves bytes one way; false when the pair is finished.
    bool pump(Pair& p, bool from_server) {
        char buf[16384];
        ssize_t n = ::recv(from_server ? p.server : p.client, buf, sizeof buf, 0);
        if (n <= 0) return false;
        size_t len = static_cast<size_t>(n);
        if (from_server && p.mode != Mode::Pass && p.from_server + len > p.after) {
            size_t keep = p.after - p.from_server;
            send_all(p.client, buf, keep);
            p.from_server += keep;
            ++faults_;
            if (p.mode == Mode::Cut) return false;
            p.stalled = true;  // keep both sockets open, forward nothing more
            return true;
        }
        if (from_server) p.from_server += len;
        return send_all(from_server ? p.client : p.server, buf, len);
    }

    void loop() {
        while (!stop_) {
            std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
            std::vector<std::pair<size_t, bool>> who{{0, false}};
            for (size_t i = 0; i < pairs_.size(); ++i) {
                if (pairs_[i].client < 0 || pairs_[i].stalled) continue;
                fds.push_back({pairs_[i].client, POLLIN, 0});
                who.emplace_back(i, false);
                fds.push_back({pairs_[i].server, POLLIN, 0});
                who.emplace_back(i, true);
            }
            if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
            if (fds[0].revents & POLLIN) accept_one();
            for (size_t k = 1; k < fds.size(); ++k) {
                if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                Pair& p = pairs_[who[k].first];
                if (p.client < 0 || p.stalled) continue;
                if (!pump(p, who[k].second)) close_pair(p);
            }
        }
    }

    int target_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> faults_{0};
    std::mutex mu_;
    Mode mode_ = Mode::Pass;
    size_t after_ = 0;
    std::vector<Pair> pairs_;  // touched by the proxy thread only (after creation)
};

// A tmpfs of the given size at `dir`, unmounted on destruction. Needs root
// (CAP_SYS_ADMIN); ok() says whether it worked.
class Tmpfs {
  public:
    Tmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
        std::filesystem::create_directories(dir);
        std::string opts = "size=" + size + ",mode=0700";
        mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
        if (!mounted_) error_ = std::strerror(errno);
    }
    ~Tmpfs() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    bool ok() const { return mounted_; }
    const std::string& error() const { return error_; }
    bool resize(const std::string& size) {
        std::string opts = "size=" + size + ",mode=0700";
        return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, opts.c_str()) == 0;
    }

  private:
    std::string dir_, error_;
    bool mounted_ = false;
};

long long failures_recorded(const std::string& db_path) {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COUNT(*) FROM failures").getInt64();
}

}  // namespace

TEST_CASE("IMAP server down: exit 1 naming the server, then the next run processes everything") {
    DaemonEnv env(options());
    env.imap().stop();
    for (int i = 0; i < 3; ++i)
        env.deliver(report("down" + std::to_string(i), "Issue " + std::to_string(i)).str(),
                    test_iso(0, "10:00:00"));
    auto r = env.run_once(kT0, 1);
    const std::string server = "127.0.0.1:" + std::to_string(env.imap().port());
    CHECK(contains(r.err, server));
    CHECK(contains(r.err, "mailbox"));
    CHECK(env.cases(true).empty());
    show_log_line("IMAP down", r.err, server);

    env.imap().start();
    env.run_once(kT0);
    CHECK(env.cases(true).size() == 3);
    REQUIRE(env.smtp().wait_for(3 * kPerReport, 10s));
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE("IMAP stalling or dropping the connection mid-fetch: timeout, exit 1, then recovery") {
    DaemonEnv env(options("[imap]\ntimeout = 2s\n"));
    TcpProxy proxy(env.imap().port());
    edit_config(env, env.imap().url(),
                "imap://127.0.0.1:" + std::to_string(proxy.port()) + "/INBOX");
    // 300 kB: the fault hits in the middle of the fetch, far past the greeting,
    // STATUS and SEARCH answers.
    Mail big = report("slow", "Large attachment");
    big.content_type = "multipart/mixed; boundary=\"BB\"";
    std::string blob;
    for (int i = 0; i < 4000; ++i)
        blob += "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\n";
    big.body =
        "--BB\nContent-Type: text/plain\n\nSee the attachment.\n--BB\nContent-Type: "
        "application/octet-stream\nContent-Transfer-Encoding: base64\n\n" +
        blob + "--BB--\n";
    env.deliver(big.str(), test_iso(0, "10:00:00"));

    const std::string server = "127.0.0.1:" + std::to_string(proxy.port());
    SECTION("stalled") {
        proxy.set(TcpProxy::Mode::Stall, 100000);
        auto started = std::chrono::steady_clock::now();
        auto r = env.run_once(kT0, 1);
        auto took = std::chrono::steady_clock::now() - started;
        std::cout << "IMAP stalled mid-fetch: embargod gave up after "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms"
                  << std::endl;
        CHECK(proxy.faults() >= 1);
        CHECK(took < 40s);  // 2 s timeout, not the 60 s default nor forever
        CHECK(contains(r.err, server));
        show_log_line("IMAP stalled", r.err, server);
    }
    SECTION("cut") {
        proxy.set(TcpProxy::Mode::Cut, 100000);
        auto r = env.run_once(kT0, 1);
        CHECK(proxy.faults() >= 1);
        CHECK(contains(r.err, server));
        show_log_line("IMAP connection cut", r.err, server);
    }
    // Nothing half-read was stored.
    CHECK(env.cases(true).empty());
    CHECK(env.ctl_json({"quarantine"}).empty());

    proxy.set(TcpProxy::Mode::Pass);
    env.run_once(kT0);
    auto cases = env.cases(true);
    REQUIRE(cases.size() == 1);
    CHECK(cases[0]["flags"].empty());
    CHECK(cases[0]["messages"] == 1);
}

TEST_CASE("SMTP 451: retried with backoff, each notification delivered once") {
    DaemonEnv env(options());
    env.smtp().start(SmtpSink::Options{.refuse_code = 451, .fault_count = 2});
    env.deliver(report("eve", "Temporary refusal").str(), test_iso(0, "10:00:00"));

    auto r1 = env.run_once(at(0));
    CHECK(contains(r1.err, "451"));
    CHECK(contains(r1.err, "will retry"));
    show_log_line("SMTP 451", r1.err, "451");
    auto box = env.ctl_json({"outbox"});
    REQUIRE(box.size() == kPerReport);
    CHECK(box[0]["attempts"] == 1);
    CHECK(contains(box[0]["last_error"].get<std::string>(), "451"));
    CHECK(box[0]["next_attempt"] == at(60));  // first backoff: one minute
    CHECK(box[1]["attempts"] == 0);           // the server refuses: the rest waits

    // 30 s later the first is still backing off; the second is tried and refused.
    env.run_once(at(30));
    CHECK(env.smtp().messages().empty());
    // Again at 30 s: both refused ones back off, the other two go out.
    env.run_once(at(30));
    CHECK(env.smtp().messages().size() == 2);
    env.run_once(at(61));
    CHECK(env.smtp().messages().size() == 3);
    env.run_once(at(91));
    auto mail = env.smtp().messages();
    CHECK(mail.size() == kPerReport);
    CHECK(message_ids(mail).size() == kPerReport);
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE("SMTP 550: parked, listed by embargoctl outbox with the error, never resent") {
    DaemonEnv env(options());
    env.smtp().start(SmtpSink::Options{.refuse_code = 550, .fault_count = 1});
    env.deliver(report("eve", "Permanent refusal").str(), test_iso(0, "10:00:00"));
    auto r = env.run_once(at(0));
    CHECK(contains(r.err, "parked"));
    show_log_line("SMTP 550", r.err, "parked");
    CHECK(contains(r.err, "550"));
    // A permanent refusal is about that message: the others still go out.
    CHECK(env.smtp().messages().size() == kPerReport - 1);
    auto box = env.ctl_json({"outbox"});
    REQUIRE(box.size() == 1);
    CHECK(box[0]["attempts"] == 1);
    CHECK(contains(box[0]["last_error"].get<std::string>(), "550"));
    CHECK(box[0]["case"] == test_case_id("EMST", 1));

    env.run_once(at(7200));
    CHECK(env.smtp().messages().size() == kPerReport - 1);
    CHECK(env.ctl_json({"outbox"}).size() == 1);
}

TEST_CASE("SMTP down: exit 0 (the mailbox worked), queued, delivered once it is back") {
    DaemonEnv env(options());
    env.smtp().stop();
    env.deliver(report("eve", "Outage").str(), test_iso(0, "10:00:00"));
    auto r = env.run_once(at(0));
    const std::string server = "127.0.0.1:" + std::to_string(env.smtp().port());
    CHECK(contains(r.err, server));
    CHECK(contains(r.err, "will retry"));
    show_log_line("SMTP down", r.err, server);
    auto box = env.ctl_json({"outbox"});
    REQUIRE(box.size() == kPerReport);
    CHECK(contains(box[0]["last_error"].get<std::string>(), server));
    CHECK(env.cases().size() == 1);

    env.smtp().start({});
    env.run_once(at(61));
    auto mail = env.smtp().messages();
    CHECK(mail.size() == kPerReport);
    CHECK(message_ids(mail).size() == kPerReport);
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE(
    "SMTP stalling: the send times out and is retried, each notification under one "
    "Message-ID") {
    DaemonEnv env(options("[smtp]\ntimeout = 2s\n"));
    env.smtp().start(SmtpSink::Options{.stall_seconds = 5, .fault_count = 1});
    env.deliver(report("eve", "Slow server").str(), test_iso(0, "10:00:00"));
    auto started = std::chrono::steady_clock::now();
    auto r = env.run_once(at(0));
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(took < 30s);
    CHECK(contains(r.err, "no answer within 2 s"));
    show_log_line("SMTP stalled", r.err, "no answer within");
    auto box = env.ctl_json({"outbox"});
    REQUIRE(box.size() == kPerReport);
    CHECK(box[0]["attempts"] == 1);

    // aiosmtpd drops a transaction whose client went away; a server that
    // stores it anyway makes the one resend SPEC 6 allows (same Message-ID).
    std::this_thread::sleep_for(4s);
    env.run_once(at(61));
    auto mail = env.smtp().messages();
    CHECK(message_ids(mail).size() == kPerReport);
    // The one unavoidable resend (SPEC 6): same Message-ID, once.
    CHECK(mail.size() <= kPerReport + 1);
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE("database locked by another process past the busy timeout: exit 1, nothing lost") {
    DaemonEnv env(options());
    env.run_once(kT0);  // creates the database
    env.deliver(report("eve", "Locked database").str(), test_iso(0, "10:00:00"));
    RunResult r;
    {
        // Another process's write lock, held longer than embargod waits (10 s).
        SQLite::Database other(env.db_path(), SQLite::OPEN_READWRITE);
        other.exec("BEGIN EXCLUSIVE");
        auto started = std::chrono::steady_clock::now();
        r = env.embargod({"--once", "--now", kT0});
        std::cout << "database locked: embargod exited " << r.exit_code << " after "
                  << std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now() - started)
                         .count()
                  << " s" << std::endl;
        other.exec("ROLLBACK");
    }
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, env.db_path()));
    CHECK(contains(r.err, "locked"));
    show_log_line("database locked", r.err, "locked");
    // A lock is nobody's fault: not a failed attempt of the message.
    CHECK(failures_recorded(env.db_path()) == 0);
    CHECK(env.cases(true).empty());

    env.run_once(kT0);
    CHECK(env.cases(true).size() == 1);
    REQUIRE(env.smtp().wait_for(kPerReport, 10s));
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE("disk full under the database: exit 1 naming it, processed once there is room") {
    DaemonEnv env(options());
    Tmpfs fs(env.dir() + "/small", "1m");
    if (!fs.ok()) {
        WARN("cannot mount a tmpfs (" << fs.error() << "; needs root): disk-full test skipped");
        return;
    }
    const std::string db = env.dir() + "/small/embargo.db";
    edit_config(env, "database = " + env.db_path(), "database = " + db);
    env.deliver(report("eve", "Small first report").str(), test_iso(0, "10:00:00"));
    env.run_once(kT0);
    REQUIRE(env.cases(true).size() == 1);

    // 2 MB of report cannot be stored on what is left of 1 MB.
    Mail big = report("zed", "Large report");
    big.body = std::string(2000, 'x') + "\n";
    for (int i = 0; i < 1000; ++i) big.body += std::string(2000, 'a' + i % 26) + "\n";
    env.deliver(big.str(), test_iso(0, "10:01:00"));
    auto r = env.embargod({"--once", "--now", kT0});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, db));
    CHECK(contains(r.err, "full"));
    show_log_line("disk full", r.err, "full");
    CHECK(env.cases(true).size() == 1);
    CHECK(failures_recorded(db) == 0);

    REQUIRE(fs.resize("64m"));
    env.run_once(kT0);
    auto cases = env.cases(true);
    REQUIRE(cases.size() == 2);
    CHECK(env.ctl_json({"quarantine"}).empty());
    REQUIRE(env.smtp().wait_for(2 * kPerReport, 10s));
    CHECK(env.ctl_json({"outbox"}).empty());
}

TEST_CASE("configuration errors in the new timeouts exit 2 naming file, line and key") {
    DaemonEnv env(options("[imap]\ntimeout = 0s\n"));
    auto r = env.embargod({"--once"});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, env.config_path() + ":"));
    CHECK(contains(r.err, "imap.timeout"));
}

namespace {

// The pid of the gpg-agent serving `home`, 0 when none runs.
pid_t agent_pid(const std::string& home) {
    auto r =
        run({"gpg-connect-agent", "--no-autostart", "getinfo pid", "/bye"}, {{"GNUPGHOME", home}});
    auto pos = r.out.find("D ");
    if (r.exit_code != 0 || pos == std::string::npos) return 0;
    return static_cast<pid_t>(std::atol(r.out.c_str() + pos + 2));
}

Mail encrypted_report(DaemonEnv& env, const std::string& who, const std::string& secret) {
    Mail m = report(who, "Encrypted report " + who);
    m.body = env.people().encrypt(secret + "\n", env.team_fpr());
    return m;
}

}  // namespace

TEST_CASE("gpg-agent killed between runs and during one: encrypted reports are still read") {
    DaemonEnv env(options());
    const std::string home = env.team_home().path();
    env.deliver(encrypted_report(env, "first", "The first secret text.").str(),
                test_iso(0, "10:00:00"));
    env.run_once(kT0);
    pid_t agent = agent_pid(home);
    REQUIRE(agent > 0);  // the decryption started it
    // SIGKILL, not a polite shutdown: the socket stays behind, stale.
    REQUIRE(::kill(agent, SIGKILL) == 0);
    for (int i = 0; i < 50 && ::kill(agent, 0) == 0; ++i) std::this_thread::sleep_for(20ms);

    env.deliver(encrypted_report(env, "second", "The second secret text.").str(),
                test_iso(0, "10:01:00"));
    env.run_once(kT0);
    CHECK(agent_pid(home) > 0);
    CHECK(agent_pid(home) != agent);

    // Now kill the agent over and over while a run decrypts ten reports.
    for (int i = 0; i < 10; ++i)
        env.deliver(
            encrypted_report(env, "busy" + std::to_string(i), "Secret " + std::to_string(i)).str(),
            test_iso(0, "10:02:00"));
    int killed = 0;
    std::optional<ChildResult> busy;
    {
        Child d({built_binary("embargod"), "--config", env.config_path(), "--once", "--now", kT0},
                env.dir() + "/agent-kills.log");
        auto until = std::chrono::steady_clock::now() + 90s;
        while (!busy && std::chrono::steady_clock::now() < until) {
            if (pid_t p = agent_pid(home); p > 0 && ::kill(p, SIGKILL) == 0) ++killed;
            std::this_thread::sleep_for(30ms);
            busy = d.try_wait();
        }
    }
    REQUIRE(busy);
    auto count = [](const std::string& log, const std::string& what) {
        int n = 0;
        for (auto p = log.find(what); p != std::string::npos; p = log.find(what, p + 1)) ++n;
        return n;
    };
    std::cout << "daemon_fault_test: gpg-agent SIGKILLed " << killed
              << " times during one run: exit " << busy->exit_code << ", "
              << count(busy->output, ": opened EMST-") << " reports filed, "
              << count(busy->output, "processing failed") << " failed (retried next run)"
              << std::endl;
    show_log_line("gpg-agent killed", busy->output, "processing failed");
    CHECK(busy->exit_code == 0);
    // Whatever failed while the agent was gone is retried: a next run reads all.
    env.run_once(kT0);
    auto cases = env.cases(true);
    REQUIRE(cases.size() == 12);
    bool clean = true;
    for (const auto& c : cases) {
        INFO(c.dump());
        CHECK(c["encrypted"] == true);
        CHECK(c["flags"].empty());  // never "undecryptable" for an agent that died
        clean = clean && c["flags"].empty();
    }
    if (!clean) std::cout << "daemon_fault_test: log of the run with kills:\n" << busy->output;
    CHECK(env.ctl_json({"quarantine"}).empty());
}
