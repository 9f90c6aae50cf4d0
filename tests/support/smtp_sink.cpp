// The SMTP sink fixture: starts smtp_sink.py under /usr/bin/python3, waits
// until it listens, and reads back the messages it stored.
#include "tests/support/smtp_sink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace embargo::test {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with python3-aiosmtpd

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

// Just enough JSON for the sidecar smtp_sink.py writes with json.dump
// (ensure_ascii): one object of strings, integers and arrays of strings.
class SidecarParser {
  public:
    explicit SidecarParser(const std::string& s) : s_(s) {}

    ReceivedMail parse() {
        ReceivedMail m;
        expect('{');
        if (peek() == '}') return m;
        for (;;) {
            std::string key = string();
            expect(':');
            if (key == "mail_from") {
                m.mail_from = string();
            } else if (key == "rcpt_tos") {
                expect('[');
                if (peek() == ']') {
                    ++i_;
                } else {
                    for (;;) {
                        m.rcpts.push_back(string());
                        if (peek() == ']') {
                            ++i_;
                            break;
                        }
                        expect(',');
                    }
                }
            } else if (key == "peer_port") {
                m.peer_port = integer();
            } else {
                fail("unknown key " + key);
            }
            if (peek() == '}') break;
            expect(',');
        }
        return m;
    }

  private:
    [[noreturn]] void fail(const std::string& why) const {
        throw std::runtime_error("smtp sink sidecar JSON: " + why + " at offset " +
                                 std::to_string(i_));
    }
    char peek() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
        if (i_ >= s_.size()) fail("unexpected end");
        return s_[i_];
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++i_;
    }
    int integer() {
        peek();
        std::size_t start = i_;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
        if (start == i_) fail("expected a number");
        return std::stoi(s_.substr(start, i_ - start));
    }
    unsigned hex4() {
        if (i_ + 4 > s_.size()) fail("short \\u escape");
        unsigned v = static_cast<unsigned>(std::stoul(s_.substr(i_, 4), nullptr, 16));
        i_ += 4;
        return v;
    }
    static void utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    std::string string() {
        if (peek() == 'n' && s_.compare(i_, 4, "null") == 0) {
            i_ += 4;
            return {};
        }
        expect('"');
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) fail("dangling escape");
            char e = s_[i_++];
            switch (e) {
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00 && s_.compare(i_, 2, "\\u") == 0) {
                        i_ += 2;
                        unsigned lo = hex4();
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    utf8(out, cp);
                    break;
                }
                default:
                    out += e;
            }
        }
        if (i_ >= s_.size()) fail("unterminated string");
        ++i_;
        return out;
    }

    const std::string& s_;
    std::size_t i_ = 0;
};

}  // namespace

std::string ReceivedMail::header(const std::string& name) const {
    auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    const std::string want = lower(name);
    std::size_t pos = 0;
    while (pos < raw.size()) {
        std::size_t eol = raw.find('\n', pos);
        if (eol == std::string::npos) eol = raw.size();
        std::string line = raw.substr(pos, eol - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) return {};  // end of the header block
        std::size_t colon = line.find(':');
        if (colon != std::string::npos && line[0] != ' ' && line[0] != '\t' &&
            lower(line.substr(0, colon)) == want) {
            std::string value = line.substr(colon + 1);
            // Unfold: continuation lines start with a blank; only the line break goes.
            std::size_t next = eol + 1;
            while (next < raw.size() && (raw[next] == ' ' || raw[next] == '\t')) {
                std::size_t e2 = raw.find('\n', next);
                if (e2 == std::string::npos) e2 = raw.size();
                std::string cont = raw.substr(next, e2 - next);
                if (!cont.empty() && cont.back() == '\r') cont.pop_back();
                value += cont;
                next = e2 + 1;
            }
            value.erase(0, value.find_first_not_of(" \t"));
            return value;
        }
        pos = eol + 1;
    }
    return {};
}

SmtpSink::SmtpSink(Options o) {
    // free_port() can race with another fixture; a lost race shows up as a
    // server that exits before listening, so try a few ports.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        if (launch(o)) return;
    }
    throw std::runtime_error("smtp sink: could not start on a free port after 5 attempts; see " +
                             dir_.path() + "/sink-*.log");
}

SmtpSink::~SmtpSink() {
    stop();
}

std::string SmtpSink::url() const {
    return "smtp://127.0.0.1:" + std::to_string(port_);
}

void SmtpSink::start(Options o) {
    stop();
    // The old process may leave the port in TIME_WAIT/closing for a moment.
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!launch(o)) {
        if (Clock::now() > deadline)
            throw std::runtime_error("smtp sink: cannot restart on port " + std::to_string(port_));
        std::this_thread::sleep_for(milliseconds(100));
    }
}

bool SmtpSink::launch(const Options& o) {
    std::string log = dir_ / ("sink-" + std::to_string(++launches_) + ".log");
    std::vector<std::string> args = {
        kPython,  std::string(EMBARGO_SOURCE_DIR) + "/tests/support/smtp_sink.py",
        "--port", std::to_string(port_),
        "--dir",  dir_ / "mail"};
    if (!o.auth_user.empty()) {
        args.insert(args.end(), {"--auth-user", o.auth_user, "--auth-password", o.auth_password});
    }
    if (o.refuse_code) args.insert(args.end(), {"--refuse-code", std::to_string(o.refuse_code)});
    if (o.stall_seconds) args.insert(args.end(), {"--stall", std::to_string(o.stall_seconds)});
    if (o.fault_count) args.insert(args.end(), {"--fault-count", std::to_string(o.fault_count)});
    if (!o.tls_cert.empty())
        args.insert(args.end(), {"--tls-cert", o.tls_cert, "--tls-key", o.tls_key});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("smtp sink: fork failed");
    if (pid == 0) {
        // Only async-signal-safe calls until exec. The sink must not outlive a
        // crashed test.
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
            throw std::runtime_error("smtp sink exited before listening: " + out);
        }
        // The script prints this after aiosmtpd's Controller has verified it
        // listens; the connect makes sure the port is the sink's and not a stranger's.
        if (read_or_empty(log).find("smtp_sink listening") != std::string::npos &&
            port_accepts(port_))
            return true;
        std::this_thread::sleep_for(milliseconds(10));
    }
    stop();
    throw std::runtime_error("smtp sink did not listen within 20 s; log: " + read_or_empty(log));
}

void SmtpSink::stop() {
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

std::vector<ReceivedMail> SmtpSink::messages() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_ / "mail", ec)) {
        std::string n = e.path().filename().string();
        if (n.size() == 11 && n.ends_with(".json")) names.push_back(n.substr(0, 6));
    }
    std::sort(names.begin(), names.end());
    std::vector<ReceivedMail> out;
    for (const auto& n : names) {
        std::string json = read_file(dir_ / ("mail/" + n + ".json"));
        ReceivedMail m = SidecarParser(json).parse();
        m.raw = read_file(dir_ / ("mail/" + n + ".eml"));
        out.push_back(std::move(m));
    }
    return out;
}

bool SmtpSink::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        if (messages().size() >= n) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(milliseconds(20));
    }
}

}  // namespace embargo::test
