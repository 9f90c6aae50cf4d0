// Background children with their resource usage, for crash and bounds tests.
#include "tests/support/child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace embargo::test {
namespace {

// VmRSS of this process (kB), from /proc/self/status.
long current_rss_kb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

}  // namespace

Child::Child(const std::vector<std::string>& argv, const std::string& output_file,
             const std::map<std::string, std::string>& env, ChildLimits limits)
    : output_file_(output_file) {
    if (argv.empty()) throw std::invalid_argument("Child: empty argv");
    int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error("Child: cannot open " + output_file + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) == 0) output_offset_ = st.st_size;
    // Everything the child needs is prepared before fork: only async-signal-safe
    // calls happen in between fork and exec.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // The whole environment is built here: putenv/setenv may allocate, which
    // is unsafe after fork in a program that runs threads (the tests' proxies).
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        std::string entry = *e;
        if (!env.count(entry.substr(0, entry.find('=')))) env_strings.push_back(entry);
    }
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    started_ = std::chrono::steady_clock::now();
    inherited_rss_kb_ = current_rss_kb();
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(fd);
        throw std::runtime_error("Child: fork failed: " + std::string(std::strerror(errno)));
    }
    if (pid_ == 0) {
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, 0);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        if (limits.max_file_bytes > 0) {
            ::signal(SIGXFSZ, SIG_IGN);  // ignored dispositions survive exec
            struct rlimit rl {
                static_cast<rlim_t>(limits.max_file_bytes),
                    static_cast<rlim_t>(limits.max_file_bytes)
            };
            ::setrlimit(RLIMIT_FSIZE, &rl);
        }
        ::execvpe(args[0], args.data(), envp.data());
        const char msg[] = "Child: exec failed\n";
        (void)!::write(2, msg, sizeof msg - 1);
        ::_exit(127);
    }
    ::close(fd);
}

Child::~Child() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

void Child::signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
}

ChildResult Child::wait() {
    auto r = reap(0);
    return std::move(*r);
}

std::optional<ChildResult> Child::try_wait() {
    return reap(WNOHANG);
}

std::optional<ChildResult> Child::reap(int options) {
    ChildResult r;
    if (pid_ <= 0) throw std::logic_error("Child: not running");
    int status = 0;
    struct rusage ru {};
    pid_t got;
    while ((got = ::wait4(pid_, &status, options, &ru)) < 0) {
        if (errno != EINTR)
            throw std::runtime_error("wait4 failed: " + std::string(std::strerror(errno)));
    }
    if (got == 0) return std::nullopt;
    pid_ = -1;
    r.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.max_rss_kb = ru.ru_maxrss;  // Linux: kilobytes
    r.inherited_rss_kb = inherited_rss_kb_;
    std::ifstream in(output_file_, std::ios::binary);
    in.seekg(output_offset_);
    std::ostringstream ss;
    ss << in.rdbuf();
    r.output = ss.str();
    return r;
}

ChildResult run_measured(const std::vector<std::string>& argv, const std::string& output_file,
                         const std::map<std::string, std::string>& env, ChildLimits limits) {
    const char* time_bin = "/usr/bin/time";
    if (::access(time_bin, X_OK) != 0) {
        Child c(argv, output_file, env, limits);
        return c.wait();
    }
    // %M: the child's maximum RSS in kB; time itself is a small process, so
    // the child it forks inherits next to nothing.
    const std::string report = output_file + ".rusage";
    std::vector<std::string> timed{time_bin, "-f", "%M", "-o", report, "--"};
    timed.insert(timed.end(), argv.begin(), argv.end());
    Child c(timed, output_file, env, limits);
    ChildResult r = c.wait();
    std::ifstream in(report);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;  // "Command exited with non-zero status N" comes first
    r.max_rss_kb = std::atol(last.c_str());
    r.inherited_rss_kb = 0;
    return r;
}

}  // namespace embargo::test
