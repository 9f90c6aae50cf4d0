// Private Dovecot instance for tests: config generation, start/stop of the
// master in its own process group, and direct Maildir delivery.
#include "tests/support/dovecot.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/process.hpp"

namespace embargo::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string find_binary(const std::string& name) {
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}) {
        std::string p = std::string(dir) + "/" + name;
        if (::access(p.c_str(), X_OK) == 0) return p;
    }
    return {};
}

bool port_accepts(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

std::string tail(const std::string& path, std::size_t n = 1500) {
    try {
        std::string s = read_file(path);
        return s.size() > n ? s.substr(s.size() - n) : s;
    } catch (const std::exception&) {
        return {};
    }
}

struct Ids {
    uid_t uid;
    gid_t gid;
    std::string user, group;
};

// Root: mail belongs to the dovecot user (Dovecot refuses uid 0 for mail).
// Otherwise every process runs as the caller.
Ids mail_ids(bool root) {
    if (root) {
        const passwd* pw = ::getpwnam("dovecot");
        if (!pw)
            throw std::runtime_error("Dovecot fixture: no 'dovecot' user; install dovecot-core");
        return {pw->pw_uid, pw->pw_gid, "dovecot", "dovecot"};
    }
    const passwd* pw = ::getpwuid(::geteuid());
    const group* gr = ::getgrgid(::getegid());
    if (!pw || !gr) throw std::runtime_error("Dovecot fixture: cannot name the current user/group");
    return {pw->pw_uid, gr->gr_gid, pw->pw_name, gr->gr_name};
}

// True while a process of the group is alive. Zombies do not count: orphaned
// children are reaped by init whenever it gets to it, and they hold no ports.
bool group_alive(pid_t pgid) {
    if (::kill(-pgid, 0) != 0) return false;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename().string();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        std::string stat;
        try {
            stat = read_file(e.path() / "stat");
        } catch (const std::exception&) {
            continue;  // exited meanwhile
        }
        // "pid (comm) S ppid pgrp ...": comm may contain spaces, so parse after ')'.
        auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        char state = 0;
        long ppid = 0, pgrp = 0;
        if (std::sscanf(stat.c_str() + close + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3)
            continue;
        if (pgrp == pgid && state != 'Z' && state != 'X') return true;
    }
    return false;
}

void make_dir(const std::string& path, const Ids& ids, bool root) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        throw std::runtime_error("Dovecot fixture: mkdir " + path + ": " + std::strerror(errno));
    }
    if (root && ::chown(path.c_str(), ids.uid, ids.gid) != 0) {
        throw std::runtime_error("Dovecot fixture: chown " + path + ": " + std::strerror(errno));
    }
}

}  // namespace

bool Dovecot::available() {
    return !find_binary("dovecot").empty() && !find_binary("doveadm").empty();
}

Dovecot::Dovecot(DovecotOptions options) : options_(options), root_(::geteuid() == 0) {
    if (!available()) throw std::runtime_error("Dovecot fixture: dovecot/doveadm not installed");
    // Dovecot's unprivileged processes must reach the mail and the sockets.
    ::chmod(dir_.path().c_str(), 0755);
    Ids ids = mail_ids(root_);
    make_dir(dir_ / "mail", ids, root_);
    make_dir(dir_ / "mail/secalert", ids, root_);
    std::string md = maildir("INBOX");
    make_dir(md, ids, root_);
    for (const char* sub : {"tmp", "new", "cur"}) make_dir(md + "/" + sub, ids, root_);
    write_file(password_file(), password(), 0600);
    if (options_.tls) {
        RunResult r = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir_ / "key.pem",
                           "-out", dir_ / "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
                           "-addext", "subjectAltName=IP:127.0.0.1"});
        if (r.exit_code != 0)
            throw std::runtime_error("Dovecot fixture: openssl req failed: " + r.err);
    }
    // free_port() can race with other tests: retry with fresh ports.
    std::string error;
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        tls_port_ = options_.tls ? free_port() : 0;
        write_config();
        if (try_start(error)) return;
    }
    throw std::runtime_error("Dovecot fixture: cannot start dovecot: " + error);
}

Dovecot::~Dovecot() {
    try {
        stop();
    } catch (...) {
        // Destructors must not throw; the process group is killed either way.
    }
}

std::string Dovecot::url(const std::string& mailbox) const {
    return "imap://127.0.0.1:" + std::to_string(port_) + "/" + mailbox;
}

std::string Dovecot::imaps_url(const std::string& mailbox) const {
    return "imaps://127.0.0.1:" + std::to_string(tls_port_) + "/" + mailbox;
}

std::string Dovecot::ca_file() const {
    return dir_ / "cert.pem";
}
std::string Dovecot::password_file() const {
    return dir_ / "imap.password";
}

std::string Dovecot::maildir(const std::string& mailbox) const {
    std::string base = dir_ / "mail/secalert/Maildir";
    bool inbox = mailbox.size() == 5 && ::strncasecmp(mailbox.c_str(), "INBOX", 5) == 0;
    return inbox ? base : base + "/." + mailbox;  // Maildir++ layout, '.' separator
}

void Dovecot::write_config() {
    const std::string& d = dir_.path();
    Ids ids = mail_ids(root_);
    std::string c;
    c += "protocols = imap\nlisten = 127.0.0.1\n";
    c += "base_dir = " + d + "/run\nstate_dir = " + d + "/state\n";
    c += "log_path = " + d + "/dovecot.log\ninfo_log_path = " + d + "/dovecot.log\n";
    c += "instance_name = " + fs::path(d).filename().string() + "\n";
    if (options_.tls) {
        c += "ssl = yes\nssl_cert = <" + d + "/cert.pem\nssl_key = <" + d + "/key.pem\n";
    } else {
        c += "ssl = no\n";
    }
    c += "disable_plaintext_auth = no\nauth_mechanisms = plain login\n";
    c += "mail_location = maildir:~/Maildir\nmail_fsync = never\nfirst_valid_uid = 0\n";
    c += "passdb {\n  driver = static\n  args = password=" + password() + "\n}\n";
    if (root_) {
        c += "userdb {\n  driver = static\n  args = uid=dovecot gid=dovecot home=" + d +
             "/mail/%u\n}\n";
    } else {
        c += "default_login_user = " + ids.user + "\ndefault_internal_user = " + ids.user +
             "\ndefault_internal_group = " + ids.group + "\n";
        c += "userdb {\n  driver = static\n  args = home=" + d + "/mail/%u\n}\n";
        c += "service anvil {\n  chroot =\n}\n";
    }
    c += "service imap-login {\n";
    if (!root_) c += "  chroot =\n";
    c += "  inet_listener imap {\n    address = 127.0.0.1\n    port = " + std::to_string(port_) +
         "\n  }\n";
    c += "  inet_listener imaps {\n    address = 127.0.0.1\n    port = " +
         std::to_string(tls_port_) + "\n  }\n}\n";
    write_file(dir_ / "dovecot.conf", c, 0644);
}

bool Dovecot::try_start(std::string& error) {
    static const std::string binary = find_binary("dovecot");
    std::string conf = dir_ / "dovecot.conf";
    std::string errlog = dir_ / "stderr.log";
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("Dovecot fixture: fork failed");
    if (pid == 0) {
        // Own process group: stop() kills the master and all its children at
        // once. PDEATHSIG: a crashed test must not leave a server behind.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(1);
        int in = ::open("/dev/null", O_RDONLY);
        int out = ::open(errlog.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in >= 0) ::dup2(in, 0);
        if (out >= 0) {
            ::dup2(out, 1);
            ::dup2(out, 2);
        }
        ::execl(binary.c_str(), "dovecot", "-F", "-c", conf.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also here, so stop() works even if it runs first
    pid_ = pid;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid_ = -1;
            error = "dovecot exited at startup: " + tail(errlog) + tail(dir_ / "dovecot.log");
            return false;
        }
        if (port_accepts(port_) && (tls_port_ == 0 || port_accepts(tls_port_))) return true;
        std::this_thread::sleep_for(2ms);
    }
    stop();
    error = "dovecot did not listen within 10 s: " + tail(dir_ / "dovecot.log");
    return false;
}

void Dovecot::stop() {
    if (pid_ <= 0) return;
    // SIGKILL, not SIGTERM: the master's orderly shutdown sleeps ~2 s. Test
    // mail survives: Maildir files and dovecot-uidlist are renamed into place.
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    // Wait until no process of the group runs any more, so the port is free
    // for start() and nothing is left behind.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (group_alive(pid_) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    pid_ = -1;
}

void Dovecot::start() {
    if (pid_ > 0) return;
    // A master killed mid-update leaves dotlocks (state/instances.lock,
    // dovecot-uidlist.lock) holding new content instead of a pid, so Dovecot
    // cannot tell they are stale and waits minutes. Nothing of the old
    // instance runs any more: remove them.
    for (const char* sub : {"state", "mail"}) {
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(dir_ / sub, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->path().extension() == ".lock") fs::remove(it->path(), ec);
        }
    }
    std::string error;
    for (int attempt = 0; attempt < 20; ++attempt) {
        if (try_start(error)) return;
        std::this_thread::sleep_for(50ms);  // port still held by a dying process
    }
    throw std::runtime_error("Dovecot fixture: cannot restart dovecot: " + error);
}

void Dovecot::deliver(const std::string& raw, std::optional<TimePoint> internaldate,
                      const std::string& mailbox) {
    Ids ids = mail_ids(root_);
    std::string md = maildir(mailbox);
    if (!fs::exists(md + "/cur")) {
        make_dir(md, ids, root_);
        for (const char* sub : {"tmp", "new", "cur"}) make_dir(md + "/" + sub, ids, root_);
        int fd = ::open((md + "/maildirfolder").c_str(), O_WRONLY | O_CREAT, 0644);
        if (fd >= 0) {
            if (root_ && ::fchown(fd, ids.uid, ids.gid) != 0) {
                ::close(fd);
                throw std::runtime_error("Dovecot fixture: chown maildirfolder failed");
            }
            ::close(fd);
        }
    }
    timeval now{};
    ::gettimeofday(&now, nullptr);
    std::string name = std::to_string(now.tv_sec) + ".M" + std::to_string(now.tv_usec) + "P" +
                       std::to_string(::getpid()) + "Q" + std::to_string(++counter_) + ".embargo";
    std::string tmp = md + "/tmp/" + name;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error("Dovecot fixture: create " + tmp + ": " + std::strerror(errno));
    std::size_t off = 0;
    while (off < raw.size()) {
        ssize_t n = ::write(fd, raw.data() + off, raw.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            throw std::runtime_error("Dovecot fixture: write " + tmp + " failed");
        }
        off += static_cast<std::size_t>(n);
    }
    // Dovecot's maildir INTERNALDATE is the file's mtime.
    TimePoint t = internaldate.value_or(
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
    timespec times[2] = {{static_cast<time_t>(to_unix(t)), 0},
                         {static_cast<time_t>(to_unix(t)), 0}};
    bool ok = ::futimens(fd, times) == 0 && (!root_ || ::fchown(fd, ids.uid, ids.gid) == 0);
    ::close(fd);
    if (!ok) throw std::runtime_error("Dovecot fixture: futimens/fchown " + tmp + " failed");
    if (::rename(tmp.c_str(), (md + "/new/" + name).c_str()) != 0) {
        throw std::runtime_error("Dovecot fixture: rename into new/ failed: " +
                                 std::string(std::strerror(errno)));
    }
}

std::size_t Dovecot::count(const std::string& mailbox) {
    std::size_t n = 0;
    for (const char* sub : {"/new", "/cur"}) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(maildir(mailbox) + sub, ec)) {
            if (e.is_regular_file() && e.path().filename().string().front() != '.') ++n;
        }
    }
    return n;
}

std::uint32_t Dovecot::uidvalidity(const std::string& mailbox) {
    RunResult r = run({find_binary("doveadm"), "-c", dir_ / "dovecot.conf", "mailbox", "status",
                       "-u", user(), "uidvalidity", mailbox});
    auto pos = r.out.find("uidvalidity=");
    if (r.exit_code != 0 || pos == std::string::npos) {
        throw std::runtime_error("Dovecot fixture: doveadm mailbox status failed: " + r.err);
    }
    return static_cast<std::uint32_t>(std::stoul(r.out.substr(pos + 12)));
}

std::uint32_t Dovecot::change_uidvalidity(const std::string& mailbox) {
    std::uint32_t next = uidvalidity(mailbox) + 1;
    if (next == 0) next = 1;
    RunResult r = run({find_binary("doveadm"), "-c", dir_ / "dovecot.conf", "mailbox", "update",
                       "-u", user(), "--uid-validity", std::to_string(next), mailbox});
    if (r.exit_code != 0) {
        throw std::runtime_error("Dovecot fixture: doveadm mailbox update failed: " + r.err);
    }
    return next;
}

void Dovecot::set_next_uid(std::uint32_t uid, const std::string& mailbox) {
    RunResult r = run({find_binary("doveadm"), "-c", dir_ / "dovecot.conf", "mailbox", "update",
                       "-u", user(), "--min-next-uid", std::to_string(uid), mailbox});
    if (r.exit_code != 0) {
        throw std::runtime_error("Dovecot fixture: doveadm mailbox update failed: " + r.err);
    }
}

}  // namespace embargo::test
