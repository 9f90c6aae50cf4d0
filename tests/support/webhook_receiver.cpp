// The webhook receiver fixture: starts webhook_receiver.py under
// /usr/bin/python3, waits until it listens, and reads back the posts it stored.
#include "tests/support/webhook_receiver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace embargo::test {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kPython = "/usr/bin/python3";

bool port_accepts(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

std::string read_or_empty(const std::string& path) {
    try {
        return read_file(path);
    } catch (const std::exception&) {
        return {};
    }
}

}  // namespace

WebhookReceiver::WebhookReceiver(Options o) {
    // free_port() can race with another fixture: a lost race is a server
    // that exits before listening, so try a few ports.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        if (launch(o)) return;
    }
    throw std::runtime_error("webhook receiver: no free port after 5 attempts; see " + dir_.path() +
                             "/receiver-*.log");
}

WebhookReceiver::~WebhookReceiver() {
    stop();
}

std::string WebhookReceiver::url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::start(Options o) {
    stop();
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!launch(o)) {
        if (Clock::now() > deadline)
            throw std::runtime_error("webhook receiver: cannot restart on port " +
                                     std::to_string(port_));
        std::this_thread::sleep_for(milliseconds(100));
    }
}

bool WebhookReceiver::launch(const Options& o) {
    tls_ = !o.tls_cert.empty();
    std::string log = dir_ / ("receiver-" + std::to_string(++launches_) + ".log");
    std::vector<std::string> args = {
        kPython,  std::string(EMBARGO_SOURCE_DIR) + "/tests/support/webhook_receiver.py",
        "--port", std::to_string(port_),
        "--dir",  dir_ / "posts"};
    if (o.fail_code) args.insert(args.end(), {"--fail-code", std::to_string(o.fail_code)});
    if (o.fail_count) args.insert(args.end(), {"--fail-count", std::to_string(o.fail_count)});
    if (tls_) args.insert(args.end(), {"--tls-cert", o.tls_cert, "--tls-key", o.tls_key});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("webhook receiver: fork failed");
    if (pid == 0) {
        // Only async-signal-safe calls until exec; never outlive the test.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(1);
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::close(fd);
        }
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::execv(kPython, argv.data());
        ::_exit(127);
    }
    pid_ = pid;

    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            std::string out = read_or_empty(log);
            if (out.find("ddress already in use") != std::string::npos) return false;
            throw std::runtime_error("webhook receiver exited before listening: " + out);
        }
        if (read_or_empty(log).find("webhook_receiver listening") != std::string::npos &&
            port_accepts(port_))
            return true;
        std::this_thread::sleep_for(milliseconds(10));
    }
    stop();
    throw std::runtime_error("webhook receiver did not listen within 20 s; log: " +
                             read_or_empty(log));
}

void WebhookReceiver::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
    pid_ = -1;
}

std::vector<ReceivedPost> WebhookReceiver::posts() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_ / "posts", ec)) {
        std::string n = e.path().filename().string();
        if (n.size() == 11 && n.ends_with(".json")) names.push_back(n.substr(0, 6));
    }
    std::sort(names.begin(), names.end());
    std::vector<ReceivedPost> out;
    for (const auto& n : names) {
        auto j = nlohmann::json::parse(read_file(dir_ / ("posts/" + n + ".json")));
        ReceivedPost p;
        p.path = j.at("path").get<std::string>();
        p.content_type = j.at("content_type").get<std::string>();
        p.status = j.at("status").get<int>();
        p.body = read_file(dir_ / ("posts/" + n + ".body"));
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<ReceivedPost> WebhookReceiver::accepted() const {
    std::vector<ReceivedPost> out;
    for (auto& p : posts())
        if (p.status == 200) out.push_back(std::move(p));
    return out;
}

bool WebhookReceiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        if (posts().size() >= n) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(milliseconds(20));
    }
}

}  // namespace embargo::test
