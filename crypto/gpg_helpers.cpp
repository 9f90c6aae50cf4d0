// Helper processes for signing and encryption (see gpg_helpers.hpp): the
// parent's pool of them and the helper's request loop. A frame is a 64-bit
// length and that many bytes; fields are 64-bit lengths and bytes.
#include "crypto/gpg_helpers.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "crypto/rnp_pgp.hpp"

extern char** environ;

namespace embargo::crypto {

namespace {

constexpr int kHelperFd = 3;
// Changes with the frame format: a helper from another build refuses to start.
constexpr const char* kProtocol = "embargo-gpg-helper-2";
enum Op : std::uint8_t { kEncryptSign = 1, kSignDetached = 2 };
enum Status : std::uint8_t { kOk = 0, kGpgError = 1, kOtherError = 2 };

// The helper went away or spoke nonsense: the call may be tried on a new one.
struct Broken : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void put_u64(std::string& out, std::uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}

void put_str(std::string& out, std::string_view s) {
    put_u64(out, s.size());
    out.append(s);
}

class Reader {
  public:
    explicit Reader(std::string_view d) : d_(d) {}
    std::uint64_t u64() {
        if (d_.size() - pos_ < 8) throw Broken("truncated frame");
        std::uint64_t v = 0;
        for (int k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(d_[pos_ + k]);
        pos_ += 8;
        return v;
    }
    std::uint8_t u8() {
        if (pos_ >= d_.size()) throw Broken("truncated frame");
        return static_cast<std::uint8_t>(d_[pos_++]);
    }
    std::string str() {
        std::uint64_t n = u64();
        if (n > d_.size() - pos_) throw Broken("field longer than its frame");
        std::string s(d_.substr(pos_, n));
        pos_ += n;
        return s;
    }

  private:
    std::string_view d_;
    std::size_t pos_ = 0;
};

std::string errno_text(int e) {
    return std::strerror(e);
}

// Waits until `fd` is readable or `deadline` passes (then Broken).
void wait_readable(int fd, std::chrono::steady_clock::time_point deadline, bool has_deadline) {
    for (;;) {
        int ms = -1;
        if (has_deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) throw Broken("no answer in time");
            ms = static_cast<int>(std::min<long long>(left.count(), 60'000));
        }
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, ms);
        if (r > 0) return;
        if (r < 0 && errno != EINTR) throw Broken("poll: " + errno_text(errno));
    }
}

// false on EOF before the first byte (when allowed); Broken otherwise.
bool read_exact(int fd, char* buf, std::size_t n, bool eof_ok,
                std::chrono::steady_clock::time_point deadline, bool has_deadline) {
    std::size_t got = 0;
    while (got < n) {
        wait_readable(fd, deadline, has_deadline);
        ssize_t r = ::read(fd, buf + got, n - got);
        if (r > 0) {
            got += static_cast<std::size_t>(r);
        } else if (r == 0) {
            if (got == 0 && eof_ok) return false;
            throw Broken("the other end closed the connection");
        } else if (errno != EINTR && errno != EAGAIN) {
            throw Broken("read: " + errno_text(errno));
        }
    }
    return true;
}

void write_frame(int fd, const std::string& payload) {
    std::string frame;
    frame.reserve(payload.size() + 8);
    put_u64(frame, payload.size());
    frame += payload;
    std::size_t sent = 0;
    while (sent < frame.size()) {
        ssize_t r = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (r > 0)
            sent += static_cast<std::size_t>(r);
        else if (r < 0 && errno != EINTR)
            throw Broken("send: " + errno_text(errno));
    }
}

// The next frame's payload; nullopt-like false on a clean EOF when allowed.
bool read_frame(int fd, std::string& out, std::uint64_t max, bool eof_ok,
                std::chrono::steady_clock::time_point deadline = {}, bool has_deadline = false) {
    char len[8];
    if (!read_exact(fd, len, 8, eof_ok, deadline, has_deadline)) return false;
    Reader r(std::string_view(len, 8));
    std::uint64_t n = r.u64();
    if (n > max) throw Broken("frame of " + std::to_string(n) + " bytes is over the limit");
    out.assign(n, '\0');
    if (n) read_exact(fd, out.data(), n, false, deadline, has_deadline);
    return true;
}

std::uint64_t frame_limit(const GpgOptions& o) {
    return 4 * static_cast<std::uint64_t>(o.max_output_bytes) + (16u << 20);
}

// The files gpg's judgement of a key comes from (keyring, trust database,
// secret keys) as stat(2) sees them: a rewrite, rename or removal changes it.
std::string keyring_stamp(const std::string& home) {
    std::string stamp;
    for (const char* name : {"pubring.kbx", "pubring.gpg", "trustdb.gpg", "private-keys-v1.d"}) {
        struct stat st {};
        if (::stat((home + "/" + name).c_str(), &st) != 0) {
            stamp += "-;";
            continue;
        }
        stamp += std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
                 std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
                 std::to_string(st.st_mtim.tv_nsec) + ";";
    }
    return stamp;
}

// The helper's librnp key store: each key exported from the GnuPG home once,
// after gpg has judged it usable for what it is asked (the same look-ups
// Gpg::encrypt_sign makes before a gpg run). A key gpg does not judge usable,
// or will not export (a passphrase, a card), is left to gpg, which then
// answers as it always has. The store outlives a key-cache generation (one
// per poll cycle) while the keyring files are unchanged, no key in it has
// expired and it is less than an hour old: re-exporting the same keys every
// cycle would cost two gpg runs per key and helper.
class InProcess {
  public:
    explicit InProcess(std::string home) : home_(std::move(home)) { forget(); }

    // The caller's key look-ups were forgotten.
    void new_generation() {
        if (keyring_stamp(home_) == stamp_ && Clock::now() < valid_until_) {
            std::erase_if(ready_, [](const auto& e) { return !e.second; });  // ask gpg again
            return;
        }
        forget();
    }

    // The signature or message, or nullopt: gpg is to do it.
    std::optional<std::string> encrypt_sign(Gpg& gpg, std::string_view data,
                                            const std::vector<std::string>& recipients,
                                            const std::string& signer) {
        if (!ready(gpg, signer, true)) return std::nullopt;
        for (const std::string& r : recipients)
            if (!ready(gpg, r, false)) return std::nullopt;
        try {
            return rnp_->encrypt_sign(data, recipients, signer);
        } catch (const RnpError&) {
            return std::nullopt;
        }
    }

    std::optional<std::string> sign_detached(Gpg& gpg, std::string_view data,
                                             const std::string& signer, std::string* micalg) {
        if (!ready(gpg, signer, true)) return std::nullopt;
        try {
            return rnp_->sign_detached(data, signer, micalg);
        } catch (const RnpError&) {
            return std::nullopt;
        }
    }

  private:
    bool ready(Gpg& gpg, const std::string& fpr, bool secret) {
        const std::string id = (secret ? "S:" : "P:") + fpr;
        auto it = ready_.find(id);
        if (it != ready_.end()) return it->second;
        bool ok = false;
        try {
            std::optional<KeyInfo> k = gpg.key(fpr, secret);
            ok = k && !k->revoked && !k->expired && !k->disabled &&
                 (secret ? k->has_secret && k->can_sign : k->can_encrypt);
            if (ok && k->expires)
                valid_until_ = std::min<Clock::time_point>(valid_until_, *k->expires);
            if (ok) {
                std::string bytes = gpg.export_key(fpr, secret);
                try {
                    rnp_->add_keys(bytes);
                } catch (const RnpError&) {
                    ok = false;
                }
                wipe(bytes);
                ok = ok && rnp_->has_key(fpr, secret);
            }
        } catch (const GpgError&) {
            ok = false;
        }
        ready_.emplace(id, ok);
        return ok;
    }

    // A new key store: the old one, and the key material in it, is destroyed.
    void forget() {
        stamp_ = keyring_stamp(home_);  // before any look-up: a change meanwhile shows next time
        valid_until_ = Clock::now() + std::chrono::hours(1);
        rnp_ = std::make_unique<RnpPgp>();
        ready_.clear();
    }

    std::string home_;
    std::string stamp_;
    Clock::time_point valid_until_;
    std::unique_ptr<RnpPgp> rnp_;
    std::map<std::string, bool> ready_;  // "S:"/"P:" + fingerprint as asked
};

}  // namespace

GpgHelpers::GpgHelpers(std::string exe, std::string homedir, GpgOptions options, std::size_t count,
                       bool in_process)
    : exe_(std::move(exe)),
      homedir_(std::move(homedir)),
      options_(options),
      in_process_(in_process),
      slots_(std::max<std::size_t>(count, 1)) {}

GpgHelpers::~GpgHelpers() {
    for (Slot& s : slots_)
        if (s.fd >= 0) ::close(s.fd);
    // On EOF a helper exits at once, or after the gpg run it is in.
    const auto until =
        std::chrono::steady_clock::now() + options_.timeout + std::chrono::seconds(2);
    for (Slot& s : slots_) {
        if (s.pid <= 0) continue;
        int status = 0;
        while (::waitpid(s.pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) {
                ::kill(s.pid, SIGKILL);
                ::waitpid(s.pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
}

std::size_t GpgHelpers::started() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_;
}

std::vector<pid_t> GpgHelpers::pids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<pid_t> out;
    for (const Slot& s : slots_)
        if (s.pid > 0) out.push_back(s.pid);
    return out;
}

std::size_t GpgHelpers::acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        // A running helper first: starting one costs an exec.
        std::size_t pick = slots_.size();
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            if (slots_[i].busy) continue;
            if (slots_[i].fd >= 0) {
                pick = i;
                break;
            }
            if (pick == slots_.size()) pick = i;
        }
        if (pick < slots_.size()) {
            slots_[pick].busy = true;
            return pick;
        }
        free_.wait(lock);
    }
}

void GpgHelpers::release(std::size_t i) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        slots_[i].busy = false;
    }
    free_.notify_one();
}

void GpgHelpers::spawn(Slot& s) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        throw GpgError("cannot start a gpg helper: socketpair: " + errno_text(errno));
    int child = sv[1];
    if (child == kHelperFd) {  // dup2 onto itself would keep FD_CLOEXEC
        child = ::fcntl(sv[1], F_DUPFD_CLOEXEC, kHelperFd + 1);
        ::close(sv[1]);
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, child, kHelperFd);
    posix_spawn_file_actions_addclosefrom_np(&fa, kHelperFd + 1);
    // Pool threads block every signal; the helper starts with none blocked.
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    const std::string timeout = std::to_string(options_.timeout.count());
    const std::string max_out = std::to_string(options_.max_output_bytes);
    const std::string parent = std::to_string(::getpid());
    std::vector<char*> argv{const_cast<char*>(exe_.c_str()),
                            const_cast<char*>("--gpg-helper"),
                            const_cast<char*>(homedir_.c_str()),
                            const_cast<char*>(timeout.c_str()),
                            const_cast<char*>(max_out.c_str()),
                            const_cast<char*>(parent.c_str()),
                            const_cast<char*>(kProtocol),
                            const_cast<char*>(in_process_ ? "rnp" : "gpg"),
                            nullptr};
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, exe_.c_str(), &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(child);
    if (rc != 0) {
        ::close(sv[0]);
        throw GpgError("cannot start the gpg helper " + exe_ + ": " + errno_text(rc));
    }
    s.pid = pid;
    s.fd = sv[0];
    std::lock_guard<std::mutex> lock(mutex_);
    ++started_;
}

void GpgHelpers::discard(Slot& s) {
    if (s.fd >= 0) ::close(s.fd);
    s.fd = -1;
    if (s.pid > 0) {
        ::kill(s.pid, SIGKILL);
        int status = 0;
        ::waitpid(s.pid, &status, 0);
    }
    s.pid = -1;
}

std::string GpgHelpers::call(const std::string& request, std::string* micalg) {
    // A gpg run, its key look-ups and the transfer; past this the helper is stuck.
    const auto allowed = 4 * options_.timeout + std::chrono::seconds(10);
    std::string last_problem;
    // Helpers that died since their last call (killed, or gone with the
    // thread that started them) are replaced as found; a new one failing
    // twice means something is wrong with starting them.
    int fresh_failures = 0;
    for (std::size_t round = 0; fresh_failures < 2 && round < slots_.size() + 2; ++round) {
        const std::size_t i = acquire();
        Slot& s = slots_[i];
        std::string reply;
        bool fresh = false;
        try {
            if (s.fd < 0) {
                spawn(s);
                fresh = true;
            }
            write_frame(s.fd, request);
            read_frame(s.fd, reply, frame_limit(options_), false,
                       std::chrono::steady_clock::now() + allowed, true);
        } catch (const Broken& e) {
            last_problem = std::string(e.what()) + " (helper pid " + std::to_string(s.pid) + ")";
            discard(s);
            release(i);
            if (fresh) ++fresh_failures;
            continue;  // a helper killed or stuck: again on a new one
        } catch (...) {
            release(i);
            throw;
        }
        release(i);
        Reader r(reply);
        std::uint8_t status = 0;
        std::string body, alg, error;
        try {
            status = r.u8();
            body = r.str();
            alg = r.str();
            error = r.str();
        } catch (const Broken& e) {
            throw GpgError(std::string("gpg helper: malformed answer: ") + e.what());
        }
        if (status == kOk) {
            if (micalg) *micalg = alg;
            return body;
        }
        throw GpgError(status == kGpgError ? error : "gpg helper: " + error);
    }
    throw GpgError("the gpg helper processes kept failing (" + last_problem + "); check that " +
                   exe_ +
                   " runs, belongs to this embargod (restart embargod after an upgrade) and the "
                   "system's process limits");
}

std::string GpgHelpers::encrypt_sign(std::string_view plaintext,
                                     const std::vector<std::string>& recipients,
                                     const std::string& signer, std::uint64_t generation) {
    std::string req(1, static_cast<char>(kEncryptSign));
    put_u64(req, generation);
    put_str(req, signer);
    put_str(req, plaintext);
    put_u64(req, recipients.size());
    for (const auto& r : recipients) put_str(req, r);
    return call(req, nullptr);
}

std::string GpgHelpers::sign_detached(std::string_view data, const std::string& signer,
                                      std::string* micalg, std::uint64_t generation) {
    std::string req(1, static_cast<char>(kSignDetached));
    put_u64(req, generation);
    put_str(req, signer);
    put_str(req, data);
    put_u64(req, 0);
    return call(req, micalg);
}

int serve_gpg_helper(int argc, char** argv) {
    if (argc < 6 || std::string_view(argv[4]) != kProtocol) return 64;
    const std::string_view mode = argv[5];
    if (mode != "rnp" && mode != "gpg") return 64;
    // Dies with its parent; if that already happened, stop now.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (std::to_string(::getppid()) != argv[3]) return 0;
    // Ctrl-C, SIGTERM to the group and SIGHUP are for embargod: the helper
    // ends when embargod closes the socket.
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
    GpgOptions options;
    try {
        options.timeout = std::chrono::milliseconds(std::stoll(argv[1]));
        options.max_output_bytes = static_cast<std::size_t>(std::stoull(argv[2]));
    } catch (const std::exception&) {
        return 64;
    }
    // It may hold the team's secret key (librnp): no core dump, no ptrace
    // by other processes of the service user.
    ::prctl(PR_SET_DUMPABLE, 0);
    std::unique_ptr<Gpg> gpg;
    std::unique_ptr<InProcess> in_process;
    std::string setup_error;
    try {
        gpg = std::make_unique<Gpg>(argv[0], options);
    } catch (const std::exception& e) {
        setup_error = e.what();  // answered to every request
    }
    if (mode == "rnp") {
        try {
            in_process = std::make_unique<InProcess>(argv[0]);
        } catch (const RnpError& e) {
            std::fprintf(stderr, "embargo-gpg-helper: %s; signing and encrypting with gpg\n",
                         e.what());
        }
    }
    std::optional<std::uint64_t> generation;  // of the key look-ups the helper's Gpg holds
    std::string request;
    for (;;) {
        try {
            if (!read_frame(kHelperFd, request, frame_limit(options), true)) return 0;
        } catch (const Broken&) {
            return 1;
        }
        Status status = kOk;
        std::string body, micalg, error;
        try {
            Reader r(request);
            const std::uint8_t op = r.u8();
            const std::uint64_t gen = r.u64();
            const std::string signer = r.str();
            const std::string data = r.str();
            const std::uint64_t n = r.u64();
            if (n > 1000) throw Broken("too many recipients");
            std::vector<std::string> recipients;
            for (std::uint64_t k = 0; k < n; ++k) recipients.push_back(r.str());
            if (!gpg) throw GpgError(setup_error);
            if (generation && *generation != gen) {
                gpg->forget_keys();
                if (in_process) {
                    try {
                        in_process->new_generation();
                    } catch (const RnpError&) {
                        in_process.reset();  // librnp failed: gpg from now on
                    }
                }
            }
            generation = gen;
            std::optional<std::string> done;
            if (op == kEncryptSign) {
                if (in_process) done = in_process->encrypt_sign(*gpg, data, recipients, signer);
                body = done ? std::move(*done) : gpg->encrypt_sign(data, recipients, signer);
            } else if (op == kSignDetached) {
                if (in_process) done = in_process->sign_detached(*gpg, data, signer, &micalg);
                body = done ? std::move(*done) : gpg->sign_detached(data, signer, &micalg);
            } else {
                throw Broken("unknown operation " + std::to_string(op));
            }
        } catch (const Broken&) {
            return 1;  // not from embargod: nothing to answer
        } catch (const GpgError& e) {
            status = kGpgError;
            error = e.what();
        } catch (const std::exception& e) {
            status = kOtherError;
            error = e.what();
        }
        if (status != kOk) {
            body.clear();
            micalg.clear();
        }
        std::string reply(1, static_cast<char>(status));
        put_str(reply, body);
        put_str(reply, micalg);
        put_str(reply, error);
        try {
            write_frame(kHelperFd, reply);
        } catch (const Broken&) {
            return 1;
        }
    }
}

}  // namespace embargo::crypto
