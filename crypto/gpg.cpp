// GPGME-based OpenPGP operations (see gpg.hpp). Each operation gets its own
// context pointed at the configured homedir and is driven by our own poll()
// loop (GPGME's external event loop interface) so it can be cancelled at a
// deadline; output goes to callback sinks that refuse to grow past a cap.
// Every gpg process costs a fork+exec and a key-ring read, so none is run
// that the operation does not need: the home is GPGME's process default
// (no `gpg --version` per context) and key look-ups are cached (KeyCache).
#include "crypto/gpg.hpp"

#include <fcntl.h>
#include <gpgme.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <type_traits>

#include "crypto/gpg_helpers.hpp"
#include "crypto/openpgp.hpp"

namespace embargo::crypto {
namespace {

struct CtxDeleter {
    void operator()(gpgme_ctx_t c) const { gpgme_release(c); }
};
struct DataDeleter {
    void operator()(gpgme_data_t d) const { gpgme_data_release(d); }
};
struct KeyDeleter {
    void operator()(gpgme_key_t k) const { gpgme_key_unref(k); }
};
using CtxPtr = std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, CtxDeleter>;
using DataPtr = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, DataDeleter>;
using KeyPtr = std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter>;

std::string err_text(gpgme_error_t e) {
    return gpgme_strerror(e);
}

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

bool same_fpr(const char* a, const std::string& b) {
    return a && upper(a) == upper(b);
}

// Read-only view of caller memory; the caller keeps the bytes alive.
class Input {
  public:
    explicit Input(std::string_view bytes) {
        gpgme_data_t d = nullptr;
        gpgme_error_t e = gpgme_data_new_from_mem(&d, bytes.data(), bytes.size(), 0);
        if (e) throw GpgError("gpgme: cannot wrap input data: " + err_text(e));
        data_.reset(d);
    }
    gpgme_data_t get() const { return data_.get(); }

  private:
    DataPtr data_;
};

// Output that fails the write (and so the gpg operation) past `cap` bytes,
// instead of letting a compression bomb fill memory.
class Sink {
  public:
    explicit Sink(std::size_t cap) : cap_(cap) {
        cbs_.read = nullptr;
        cbs_.write = &Sink::write_cb;
        cbs_.seek = nullptr;
        cbs_.release = nullptr;
        gpgme_data_t d = nullptr;
        gpgme_error_t e = gpgme_data_new_from_cbs(&d, &cbs_, this);
        if (e) throw GpgError("gpgme: cannot create an output buffer: " + err_text(e));
        data_.reset(d);
    }
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;
    gpgme_data_t get() const { return data_.get(); }
    bool overflowed() const { return overflowed_; }
    std::string& bytes() { return buf_; }

  private:
    static ssize_t write_cb(void* handle, const void* buffer, size_t size) {
        auto* self = static_cast<Sink*>(handle);
        if (self->buf_.size() + size > self->cap_) {
            self->overflowed_ = true;
            errno = EFBIG;
            return -1;
        }
        self->buf_.append(static_cast<const char*>(buffer), size);
        return static_cast<ssize_t>(size);
    }

    std::size_t cap_;
    bool overflowed_ = false;
    std::string buf_;
    gpgme_data_cbs cbs_{};  // GPGME keeps a pointer to it: the Sink must not move
    DataPtr data_;
};

struct Outcome {
    gpgme_error_t err = 0;
    bool timed_out = false;
};

// GPGME's external event loop: GPGME registers the pipe fds of its gpg child
// with add(), we poll them and call back; at the deadline the operation is
// cancelled (GPGME closes the pipes, and gpg dies on its next read or write).
class Loop {
  public:
    explicit Loop(gpgme_ctx_t ctx) : ctx_(ctx) {
        gpgme_io_cbs cbs{};
        cbs.add = &Loop::add;
        cbs.add_priv = this;
        cbs.remove = &Loop::remove;
        cbs.event = &Loop::event;
        cbs.event_priv = this;
        gpgme_set_io_cbs(ctx, &cbs);
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    Outcome run(gpgme_error_t start_err, std::chrono::milliseconds timeout) {
        Outcome o;
        if (start_err) {
            o.err = start_err;
            return o;
        }
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::vector<pollfd> pfds;
        std::vector<Reg*> polled;
        while (!done_) {
            auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                o.timed_out = true;
                gpgme_cancel(ctx_);
                break;
            }
            pfds.clear();
            polled.clear();
            for (auto& r : regs_) {
                if (!r->active) continue;
                pfds.push_back(pollfd{r->fd, static_cast<short>(r->dir ? POLLIN : POLLOUT), 0});
                polled.push_back(r.get());
            }
            if (pfds.empty()) break;  // nothing left to wait for, yet no DONE: treated below
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
            int ms = static_cast<int>(std::clamp<long long>(left.count(), 1, 1000));
            int n = ::poll(pfds.data(), pfds.size(), ms);
            if (n < 0) {
                if (errno == EINTR) continue;
                o.err = gpgme_error_from_errno(errno);
                gpgme_cancel(ctx_);
                break;
            }
            for (std::size_t i = 0; i < pfds.size() && !done_; ++i) {
                if (!pfds[i].revents || !polled[i]->active) continue;
                polled[i]->fnc(polled[i]->fnc_data, polled[i]->fd);
            }
        }
        if (o.timed_out) {
            o.err = gpg_error(GPG_ERR_TIMEOUT);
        } else if (!o.err) {
            o.err = done_ ? done_err_ : gpg_error(GPG_ERR_GENERAL);
        }
        return o;
    }

  private:
    struct Reg {
        int fd;
        int dir;
        gpgme_io_cb_t fnc;
        void* fnc_data;
        bool active = true;
    };

    static gpgme_error_t add(void* data, int fd, int dir, gpgme_io_cb_t fnc, void* fnc_data,
                             void** tag) {
        auto* self = static_cast<Loop*>(data);
        self->regs_.push_back(std::make_unique<Reg>(Reg{fd, dir, fnc, fnc_data}));
        *tag = self->regs_.back().get();
        return 0;
    }
    static void remove(void* tag) { static_cast<Reg*>(tag)->active = false; }
    static void event(void* data, gpgme_event_io_t type, void* type_data) {
        auto* self = static_cast<Loop*>(data);
        if (type != GPGME_EVENT_DONE) return;
        self->done_ = true;
        auto* d = static_cast<gpgme_io_event_done_data_t>(type_data);
        if (d) self->done_err_ = d->err ? d->err : d->op_err;
    }

    gpgme_ctx_t ctx_;
    std::vector<std::unique_ptr<Reg>> regs_;  // stable addresses: they are GPGME's tags
    bool done_ = false;
    gpgme_error_t done_err_ = 0;
};

std::string seconds_text(std::chrono::milliseconds ms) {
    return std::to_string((ms.count() + 999) / 1000) + " s";
}

std::optional<TimePoint> time_of(unsigned long t) {
    if (t == 0) return std::nullopt;
    return TimePoint{Duration{static_cast<long long>(t)}};
}

std::string describe_sig_status(gpgme_error_t status) {
    switch (gpgme_err_code(status)) {
        case GPG_ERR_BAD_SIGNATURE:
            return "bad signature: the signed data was altered or the signature is not for it";
        case GPG_ERR_NO_PUBKEY:
            return "no public key for the signer in the GnuPG home";
        case GPG_ERR_KEY_EXPIRED:
            return "signed with an expired key";
        case GPG_ERR_SIG_EXPIRED:
            return "the signature has expired";
        case GPG_ERR_CERT_REVOKED:
            return "signed with a revoked key";
        default:
            return "signature not verified: " + err_text(status);
    }
}

int rank(const SignatureInfo& s) {
    return s.status == SignatureInfo::Status::Valid     ? 2
           : s.status == SignatureInfo::Status::Invalid ? 1
                                                        : 0;
}

}  // namespace

bool is_fingerprint(std::string_view s) {
    if (s.size() != 40 && s.size() != 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    });
}

namespace {

// The home made GPGME's default by the first Gpg of the process (set once,
// before any context exists for it; never changed after).
std::mutex g_home_mutex;
std::string g_default_home;

bool is_default_home(const std::string& homedir) {
    std::lock_guard<std::mutex> lock(g_home_mutex);
    return !g_default_home.empty() && g_default_home == homedir;
}

KeyPtr share(gpgme_key_t k) {
    if (k) gpgme_key_ref(k);
    return KeyPtr(k);
}

}  // namespace

// Key look-ups of one Gpg, shared by the threads using it. A look-up started
// before forget() is not stored after it (generation), so a key replaced in
// the meantime is never served stale.
struct KeyCache {
    std::mutex mutex;
    unsigned long generation = 0;
    std::map<std::string, KeyPtr> keys;                             // "S:"/"P:" + fpr; null: none
    std::map<std::string, std::optional<std::string>> primaries;    // (sub)key fpr -> primary
    std::map<std::string, std::optional<KeyInfo>> encryption_keys;  // email -> key
    // After a few look-ups by email in one generation, one listing of the
    // whole keyring answers the rest: a burst of new reporters (each needs a
    // look-up, most find nothing) then costs one gpg run, not one each.
    int email_lookups = 0;
    bool index_built = false;
    bool index_usable = false;  // built, complete and without error
    std::map<std::string, KeyInfo> index;

    void forget() {
        std::lock_guard<std::mutex> lock(mutex);
        ++generation;
        keys.clear();
        primaries.clear();
        encryption_keys.clear();
        email_lookups = 0;
        index_built = index_usable = false;
        index.clear();
    }
    unsigned long current() {
        std::lock_guard<std::mutex> lock(mutex);
        return generation;
    }
};

namespace {

struct Env {
    std::string homedir;
    std::chrono::milliseconds timeout;
    KeyCache* cache = nullptr;
    bool default_home = is_default_home(homedir);

    CtxPtr context(bool armor) const {
        gpgme_ctx_t c = nullptr;
        gpgme_error_t e = gpgme_new(&c);
        if (e) throw GpgError("gpgme: cannot create a context: " + err_text(e));
        CtxPtr ctx(c);
        e = gpgme_set_protocol(c, GPGME_PROTOCOL_OpenPGP);
        // Setting the home on a context makes GPGME run `gpg --version` again.
        if (!e && !default_home)
            e = gpgme_ctx_set_engine_info(c, GPGME_PROTOCOL_OpenPGP, nullptr, homedir.c_str());
        if (e)
            throw GpgError("gpgme: cannot use the GnuPG home " + homedir + ": " + err_text(e) +
                           " (check [gpg] homedir and that gpg is installed)");
        // Never wait for a passphrase prompt: the team key must be usable unattended.
        gpgme_set_pinentry_mode(c, GPGME_PINENTRY_MODE_CANCEL);
        gpgme_set_offline(c, 1);  // no keyserver or WKD lookups triggered by mail
        gpgme_set_armor(c, armor ? 1 : 0);
        gpgme_set_keylist_mode(c, GPGME_KEYLIST_MODE_LOCAL);
        return ctx;
    }

    std::string what_to_check() const {
        return "check that the GnuPG home " + homedir +
               " exists, belongs to this user with mode 0700, holds the key, and that its path "
               "is short enough for gpg-agent's socket";
    }

    // The key whose primary fingerprint is exactly `fpr` (secret: with its secret part).
    KeyPtr primary_key(const std::string& fpr, bool secret) const {
        if (!is_fingerprint(fpr)) return nullptr;
        const std::string id = (secret ? "S:" : "P:") + upper(fpr);
        unsigned long gen = 0;
        if (cache) {
            std::lock_guard<std::mutex> lock(cache->mutex);
            auto it = cache->keys.find(id);
            if (it != cache->keys.end()) return share(it->second.get());
            gen = cache->generation;
        }
        KeyPtr key = lookup_primary_key(fpr, secret);
        if (cache) {
            std::lock_guard<std::mutex> lock(cache->mutex);
            if (cache->generation == gen) cache->keys.emplace(id, share(key.get()));
        }
        return key;
    }

    KeyPtr lookup_primary_key(const std::string& fpr, bool secret) const {
        CtxPtr ctx = context(false);
        if (!secret)
            gpgme_set_keylist_mode(ctx.get(),
                                   GPGME_KEYLIST_MODE_LOCAL | GPGME_KEYLIST_MODE_WITH_SECRET);
        gpgme_key_t k = nullptr;
        gpgme_error_t e = gpgme_get_key(ctx.get(), upper(fpr).c_str(), &k, secret ? 1 : 0);
        KeyPtr key(k);
        if (e || !key || !key->subkeys || !same_fpr(key->subkeys->fpr, fpr)) return nullptr;
        return key;
    }

    // The primary fingerprint of the key owning the (sub)key `fpr`, exactly.
    std::optional<std::string> primary_of(const std::string& fpr) const {
        if (!is_fingerprint(fpr)) return std::nullopt;
        const std::string id = upper(fpr);
        unsigned long gen = 0;
        if (cache) {
            std::lock_guard<std::mutex> lock(cache->mutex);
            auto it = cache->primaries.find(id);
            if (it != cache->primaries.end()) return it->second;
            gen = cache->generation;
        }
        std::optional<std::string> primary = lookup_primary_of(fpr);
        if (cache) {
            std::lock_guard<std::mutex> lock(cache->mutex);
            if (cache->generation == gen) cache->primaries.emplace(id, primary);
        }
        return primary;
    }

    std::optional<std::string> lookup_primary_of(const std::string& fpr) const {
        CtxPtr ctx = context(false);
        gpgme_key_t k = nullptr;
        gpgme_error_t e = gpgme_get_key(ctx.get(), upper(fpr).c_str(), &k, 0);
        KeyPtr key(k);
        if (e || !key || !key->subkeys) return std::nullopt;
        for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next)
            if (same_fpr(sk->fpr, fpr)) return upper(key->subkeys->fpr);
        return std::nullopt;
    }

    // Whether this home holds the secret part of the (sub)key with this key id,
    // judged from the keyring and private-keys-v1.d alone: gpg-agent may be
    // the very thing that failed.
    bool holds_secret_for(const std::string& keyid) const {
        CtxPtr ctx = context(false);
        gpgme_set_keylist_mode(ctx.get(),
                               GPGME_KEYLIST_MODE_LOCAL | GPGME_KEYLIST_MODE_WITH_KEYGRIP);
        gpgme_key_t k = nullptr;
        gpgme_error_t e = gpgme_get_key(ctx.get(), keyid.c_str(), &k, 0);
        KeyPtr key(k);
        if (e || !key) return false;
        for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next) {
            if (!sk->keyid || !sk->keygrip || upper(sk->keyid) != upper(keyid)) continue;
            struct stat st {};
            std::string file = homedir + "/private-keys-v1.d/" + upper(sk->keygrip) + ".key";
            if (::stat(file.c_str(), &st) == 0) return true;
        }
        return false;
    }

    SignatureInfo from_signature(gpgme_signature_t sig) const {
        SignatureInfo info;
        info.created = time_of(sig->timestamp);
        info.fingerprint = sig->fpr ? upper(sig->fpr) : std::string();
        if (gpgme_err_code(sig->status) == GPG_ERR_NO_ERROR) {
            std::optional<std::string> primary = primary_of(info.fingerprint);
            if (primary) {
                info.status = SignatureInfo::Status::Valid;
                info.fingerprint = *primary;
            } else {
                info.status = SignatureInfo::Status::Invalid;
                info.error = "the signing key could not be identified exactly in the GnuPG home";
            }
        } else {
            info.status = SignatureInfo::Status::Invalid;
            info.error = describe_sig_status(sig->status);
            // gpg refuses a signature older than its key ("Time conflict"),
            // but GPGME reports that only as a general error: say why, since
            // it means a wrong clock or a forged signing time.
            // Not for the usual failures (no key, altered data): their
            // reason is known, and a look-up would cost a gpg run each.
            const gpgme_err_code_t code = gpgme_err_code(sig->status);
            std::optional<TimePoint> key_created;
            if (code != GPG_ERR_NO_PUBKEY && code != GPG_ERR_BAD_SIGNATURE)
                key_created = created_of(info.fingerprint);
            if (info.created && key_created && *info.created < *key_created)
                info.error = "the signature is dated " + format_iso8601(*info.created) +
                             ", before its key was created (" + format_iso8601(*key_created) +
                             "): a wrong clock or a forged signing time";
        }
        return info;
    }

    // When the (sub)key `id` (a fingerprint or key id) was created, from the keyring.
    std::optional<TimePoint> created_of(const std::string& id) const {
        if (id.empty()) return std::nullopt;
        CtxPtr ctx = context(false);
        gpgme_key_t k = nullptr;
        gpgme_error_t e = gpgme_get_key(ctx.get(), upper(id).c_str(), &k, 0);
        KeyPtr key(k);
        if (e || !key) return std::nullopt;
        // gpg names the signing (sub)key by fingerprint or key id: both end it.
        const std::string want = upper(id);
        for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next) {
            const std::string f = sk->fpr ? upper(sk->fpr) : std::string();
            if (f.size() >= want.size() &&
                f.compare(f.size() - want.size(), want.size(), want) == 0)
                return sk->timestamp > 0 ? time_of(static_cast<unsigned long>(sk->timestamp))
                                         : std::nullopt;
        }
        return std::nullopt;
    }

    std::vector<SignatureInfo> signatures(gpgme_verify_result_t vr) const {
        std::vector<SignatureInfo> out;
        if (!vr) return out;
        std::size_t n = 0;
        for (gpgme_signature_t s = vr->signatures; s && n < 16; s = s->next, ++n)
            out.push_back(from_signature(s));
        return out;
    }
};

SignatureInfo best_of(const std::vector<SignatureInfo>& sigs) {
    SignatureInfo best;
    for (const SignatureInfo& s : sigs)
        if (rank(s) > rank(best)) best = s;
    return best;
}

struct Verified {
    std::vector<SignatureInfo> sigs;
    std::string text;  // plain output (cleartext or inline-signed), when asked for
    gpgme_error_t err = 0;
    bool timed_out = false;
    bool overflowed = false;
};

// One gpg verification: detached when `signed_data` is given, else of a
// cleartext-signed or inline-signed message whose text is collected.
Verified run_verify(const Env& env, std::size_t max_output, std::string_view signature,
                    const std::string_view* signed_data) {
    Verified v;
    // Data objects outlive the context that used them.
    Input sig(signature);
    std::optional<Input> data;
    std::optional<Sink> plain;
    if (signed_data)
        data.emplace(*signed_data);
    else
        plain.emplace(max_output);
    CtxPtr ctx = env.context(false);
    Loop loop(ctx.get());
    Outcome o = loop.run(gpgme_op_verify_start(ctx.get(), sig.get(), data ? data->get() : nullptr,
                                               plain ? plain->get() : nullptr),
                         env.timeout);
    v.err = o.err;
    v.timed_out = o.timed_out;
    v.overflowed = plain && plain->overflowed();
    if (v.timed_out || v.overflowed) return v;
    v.sigs = env.signatures(gpgme_op_verify_result(ctx.get()));
    if (plain && !o.err) v.text = std::move(plain->bytes());
    return v;
}

// The verdict on a verification: the best signature, downgraded when gpg
// failed the run as a whole.
SignatureInfo verdict(const Verified& v, std::chrono::milliseconds timeout,
                      std::size_t max_output) {
    SignatureInfo info;
    if (v.timed_out || v.overflowed) {
        info.status = SignatureInfo::Status::Invalid;
        info.error =
            v.timed_out
                ? "gpg did not finish verifying within " + seconds_text(timeout) + "; cancelled"
                : "the signed text exceeds the limit of " + std::to_string(max_output) + " bytes";
        return info;
    }
    info = best_of(v.sigs);
    if (info.status == SignatureInfo::Status::None) {
        info.status = SignatureInfo::Status::Invalid;
        info.error = "no usable signature found: " + err_text(v.err);
    } else if (v.err && info.status == SignatureInfo::Status::Valid) {
        // gpg failed the data as a whole (e.g. trailing garbage): do not trust the good part.
        info.status = SignatureInfo::Status::Invalid;
        info.error = "verification failed: " + err_text(v.err);
    }
    return info;
}

std::once_flag g_init_once;
std::string g_init_error;

void init_gpgme() {
    std::call_once(g_init_once, [] {
        // Also makes GPGME ignore SIGPIPE, which a dying gpg child would raise.
        if (!gpgme_check_version("1.12.0")) {
            g_init_error = "GPGME 1.12 or later is required (found " +
                           std::string(gpgme_check_version(nullptr)) + ")";
            return;
        }
        gpgme_error_t e = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
        if (e)
            g_init_error = "gpg (GnuPG 2.1 or later) was not found or is too old: " + err_text(e) +
                           "; install gnupg";
    });
    if (!g_init_error.empty()) throw GpgError(g_init_error);
}

}  // namespace

Gpg::Gpg(std::string homedir, GpgOptions options)
    : homedir_(std::move(homedir)), options_(options), cache_(std::make_unique<KeyCache>()) {
    init_gpgme();
    struct stat st {};
    if (homedir_.empty() || ::stat(homedir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw GpgError("GnuPG home '" + homedir_ +
                       "' is not a directory: create it (mode 0700) or fix [gpg] homedir");
    std::lock_guard<std::mutex> lock(g_home_mutex);
    if (g_default_home.empty()) {
        // Once per process: GPGME checks the engine here, not per context.
        gpgme_error_t e = gpgme_set_engine_info(GPGME_PROTOCOL_OpenPGP, nullptr, homedir_.c_str());
        if (e)
            throw GpgError("gpgme: cannot use the GnuPG home " + homedir_ + ": " + err_text(e) +
                           " (check [gpg] homedir and that gpg is installed)");
        g_default_home = homedir_;
    }
}

Gpg::~Gpg() = default;
Gpg::Gpg(Gpg&&) noexcept = default;
Gpg& Gpg::operator=(Gpg&&) noexcept = default;

void Gpg::forget_keys() {
    cache_->forget();
}

bool ensure_gpg_conf_option(const std::string& homedir, const std::string& option,
                            std::string* error) {
    const std::string path = homedir + "/gpg.conf";
    std::string text;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        std::ifstream in(path, std::ios::binary);
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            if (error) *error = "cannot read " + path;
            return false;
        }
    } else if (errno != ENOENT) {
        if (error) *error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto first = line.find_first_not_of(" \t");
        const auto last = line.find_last_not_of(" \t\r");
        if (first != std::string::npos && line.compare(first, last - first + 1, option) == 0)
            return true;
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (error) *error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    std::string add = (text.empty() || text.back() == '\n' ? "" : "\n") + option + "\n";
    const bool ok = ::write(fd, add.data(), add.size()) == static_cast<ssize_t>(add.size());
    const int saved = errno;
    ::close(fd);
    if (!ok && error) *error = "cannot write " + path + ": " + std::strerror(saved);
    return ok;
}

void Gpg::use_helpers(const std::string& exe, std::size_t count, bool in_process) {
    helpers_.reset();  // the old ones end first (they serve nobody now)
    helpers_ = std::make_unique<GpgHelpers>(exe, homedir_, options_, count, in_process);
}

std::size_t Gpg::helpers_started() const {
    return helpers_ ? helpers_->started() : 0;
}

std::vector<int> Gpg::helper_pids() const {
    std::vector<int> out;
    if (helpers_)
        for (pid_t p : helpers_->pids()) out.push_back(static_cast<int>(p));
    return out;
}

namespace {

// Errors of gpg's surroundings rather than of the data: what gpg reports when
// gpg-agent dies or restarts under it (broken pipe, connection reset, end of
// file, a line cut off on the agent's socket, "no secret key" for a key the
// home holds).
bool environment_error(gpgme_error_t e) {
    gpgme_err_code_t c = gpgme_err_code(e);
    return c == GPG_ERR_NO_SECKEY || c == GPG_ERR_NO_AGENT || c == GPG_ERR_AGENT ||
           c == GPG_ERR_EOF || c == GPG_ERR_INV_RESPONSE ||
           (c >= GPG_ERR_ASS_GENERAL && c <= GPG_ERR_ASS_UNKNOWN_INQUIRE) ||
           gpgme_err_code_to_errno(c) != 0;
}

// Why one gpg run failed for a recipient key whose secret part this home
// holds. A damaged message fails after that key's session key was recovered
// (status 0) and with a data error, so a failure on the key itself is either
// gpg-agent going away (Agent) or, rarely, a malformed session-key packet
// (Unclear: whatever the agent said, asked again it says the same).
enum class HeldKeyFailure { None, Unclear, Agent };

DecryptResult decrypt_once(const Env& env, const GpgOptions& options, std::string_view ciphertext,
                           HeldKeyFailure& held_key) {
    DecryptResult r;
    Input in(ciphertext);
    Sink out(options.max_output_bytes);
    CtxPtr ctx = env.context(false);
    Loop loop(ctx.get());
    Outcome o =
        loop.run(gpgme_op_decrypt_verify_start(ctx.get(), in.get(), out.get()), options.timeout);
    gpgme_decrypt_result_t dr = gpgme_op_decrypt_result(ctx.get());
    gpgme_error_t code = gpgme_err_code(o.err);

    if (o.timed_out) {
        r.error =
            "gpg did not finish decrypting within " + seconds_text(options.timeout) + "; cancelled";
    } else if (out.overflowed()) {
        r.error = "the decrypted data exceeds the limit of " +
                  std::to_string(options.max_output_bytes) + " bytes";
    } else if (code == GPG_ERR_NO_ERROR) {
        r.decrypted = true;
        r.plaintext = std::move(out.bytes());
        r.signatures = env.signatures(gpgme_op_verify_result(ctx.get()));
    } else if (code == GPG_ERR_NO_DATA) {
        // Not encrypted. A signed message is verified again on its own: after
        // this error GPGME stops reading gpg's output, so its text may be cut.
        Verified v = run_verify(env, options.max_output_bytes, ciphertext, nullptr);
        if (!v.sigs.empty() && !v.timed_out && !v.overflowed) {
            r.signed_only = true;
            r.plaintext = std::move(v.text);
            r.signatures = std::move(v.sigs);
            if (v.err)
                for (SignatureInfo& si : r.signatures)
                    if (si.valid()) {
                        si.status = SignatureInfo::Status::Invalid;
                        si.error = "verification failed: " + err_text(v.err);
                    }
        } else {
            r.error = "no encrypted OpenPGP data found (damaged or truncated armor?)";
        }
    } else if (code == GPG_ERR_NO_SECKEY) {
        r.no_secret_key = true;
        std::string ids;
        for (gpgme_recipient_t rc = dr ? dr->recipients : nullptr; rc; rc = rc->next) {
            if (!ids.empty()) ids += ", ";
            ids += rc->keyid ? rc->keyid : "?";
        }
        r.error = "encrypted to key(s) " + (ids.empty() ? std::string("(hidden)") : ids) +
                  " but no matching secret key is in the GnuPG home";
    } else if (code == GPG_ERR_DECRYPT_FAILED || code == GPG_ERR_BAD_DATA ||
               code == GPG_ERR_INV_PACKET || code == GPG_ERR_TRUNCATED) {
        r.error =
            "decryption failed: damaged, truncated or tampered data (" + err_text(o.err) + ")";
    } else if (code == GPG_ERR_CANCELED || code == GPG_ERR_BAD_PASSPHRASE) {
        r.error =
            "decryption needs a passphrase (symmetric encryption or a protected key); "
            "only unattended keys are usable";
    } else {
        r.error = "decryption failed: " + err_text(o.err);
    }
    if (!r.decrypted && !r.signed_only) r.plaintext.clear();  // never hand out partial plaintext
    if (!r.decrypted && !r.signed_only && !o.timed_out && !out.overflowed()) {
        for (gpgme_recipient_t rc = dr ? dr->recipients : nullptr; rc; rc = rc->next) {
            bool agent = environment_error(o.err) || environment_error(rc->status);
            if (!rc->keyid || (!agent && rc->status == 0) || !env.holds_secret_for(rc->keyid))
                continue;
            if (agent)
                held_key = HeldKeyFailure::Agent;
            else if (held_key == HeldKeyFailure::None)
                held_key = HeldKeyFailure::Unclear;
        }
    }
    return r;
}

}  // namespace

DecryptResult Gpg::decrypt_verify(std::string_view ciphertext) {
    Env env{homedir_, options_.timeout, cache_.get()};
    if (ciphertext.empty()) {
        DecryptResult r;
        r.error = "no OpenPGP data";
        return r;
    }
    // A message for our key is never "undecryptable" because gpg-agent was
    // gone for a moment (the reporter would be told to encrypt to the key he
    // did encrypt to): try again shortly (the next gpg restarts the agent),
    // and if that fails too, fail the message so the poller retries it later.
    // A failure on our key with an error that names no agent trouble is asked
    // again as well (an agent killed mid-answer can say odd things); only if
    // it never looked like the agent is the message itself at fault.
    constexpr int kAttempts = 3;
    bool agent_seen = false;
    for (int attempt = 1;; ++attempt) {
        HeldKeyFailure held_key = HeldKeyFailure::None;
        DecryptResult r = decrypt_once(env, options_, ciphertext, held_key);
        if (held_key == HeldKeyFailure::None) return r;
        agent_seen = agent_seen || held_key == HeldKeyFailure::Agent;
        if (attempt == kAttempts && !agent_seen) return r;
        if (attempt == kAttempts)
            throw GpgError("gpg could not use the team's secret key in " + homedir_ + " (" +
                           r.error + ") " + std::to_string(kAttempts) +
                           " times: is gpg-agent able to start? The message will be retried");
        std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt * attempt));
    }
}

SignatureInfo Gpg::verify_detached(std::string_view signed_data, std::string_view signature) {
    Env env{homedir_, options_.timeout, cache_.get()};
    if (signature.empty()) {
        SignatureInfo info;
        info.status = SignatureInfo::Status::Invalid;
        info.error = "empty signature";
        return info;
    }
    Verified v = run_verify(env, options_.max_output_bytes, signature, &signed_data);
    return verdict(v, options_.timeout, options_.max_output_bytes);
}

SignatureInfo Gpg::verify_cleartext(std::string_view text, std::string* signed_text) {
    Env env{homedir_, options_.timeout, cache_.get()};
    if (signed_text) signed_text->clear();
    if (text.empty()) {
        SignatureInfo info;
        info.status = SignatureInfo::Status::Invalid;
        info.error = "no signed text";
        return info;
    }
    Verified v = run_verify(env, options_.max_output_bytes, text, nullptr);
    SignatureInfo info = verdict(v, options_.timeout, options_.max_output_bytes);
    if (signed_text && !v.sigs.empty()) *signed_text = std::move(v.text);
    return info;
}

std::string Gpg::encrypt_sign(std::string_view plaintext,
                              const std::vector<std::string>& recipient_fprs,
                              const std::string& signer_fpr) {
    if (recipient_fprs.empty()) throw GpgError("gpg encrypt: no recipient fingerprint given");
    if (helpers_)
        return helpers_->encrypt_sign(plaintext, recipient_fprs, signer_fpr, cache_->current());
    Env env{homedir_, options_.timeout, cache_.get()};
    Input in(plaintext);
    Sink out(options_.max_output_bytes + 4 * plaintext.size());
    CtxPtr ctx = env.context(true);
    KeyPtr signer = env.primary_key(signer_fpr, true);
    if (!signer || !signer->can_sign)
        throw GpgError("gpg encrypt+sign: no usable secret signing key " + signer_fpr + "; " +
                       env.what_to_check());
    gpgme_error_t e = gpgme_signers_add(ctx.get(), signer.get());
    if (e)
        throw GpgError("gpg encrypt+sign: cannot use signing key " + signer_fpr + ": " +
                       err_text(e));

    std::vector<KeyPtr> keys;
    std::vector<gpgme_key_t> raw;
    for (const std::string& fpr : recipient_fprs) {
        KeyPtr k = env.primary_key(fpr, false);
        if (!k)
            throw GpgError("gpg encrypt: recipient key " + fpr + " is not in the GnuPG home " +
                           homedir_ + " (import it)");
        if (!k->can_encrypt || k->revoked || k->expired || k->disabled || k->invalid)
            throw GpgError("gpg encrypt: recipient key " + fpr +
                           " cannot encrypt (expired, revoked, disabled or without an "
                           "encryption subkey)");
        raw.push_back(k.get());
        keys.push_back(std::move(k));
    }
    raw.push_back(nullptr);

    Loop loop(ctx.get());
    Outcome o =
        loop.run(gpgme_op_encrypt_sign_start(ctx.get(), raw.data(), GPGME_ENCRYPT_ALWAYS_TRUST,
                                             in.get(), out.get()),
                 options_.timeout);
    if (o.err) {
        std::string detail =
            o.timed_out ? "timed out after " + seconds_text(options_.timeout) : err_text(o.err);
        gpgme_encrypt_result_t er = gpgme_op_encrypt_result(ctx.get());
        if (er && er->invalid_recipients && er->invalid_recipients->fpr)
            detail += " (recipient " + std::string(er->invalid_recipients->fpr) + " unusable)";
        throw GpgError("gpg encrypt+sign failed: " + detail + "; " + env.what_to_check());
    }
    gpgme_sign_result_t sr = gpgme_op_sign_result(ctx.get());
    if (!sr || !sr->signatures || sr->invalid_signers)
        throw GpgError("gpg encrypt+sign: the message was not signed by " + signer_fpr + "; " +
                       env.what_to_check());
    return std::move(out.bytes());
}

std::string Gpg::sign_detached(std::string_view data, const std::string& signer_fpr) {
    return sign_detached(data, signer_fpr, &last_micalg_);
}

std::string Gpg::sign_detached(std::string_view data, const std::string& signer_fpr,
                               std::string* micalg) {
    if (helpers_) {
        std::string alg;
        std::string sig = helpers_->sign_detached(data, signer_fpr, &alg, cache_->current());
        if (micalg) *micalg = alg;
        return sig;
    }
    Env env{homedir_, options_.timeout, cache_.get()};
    Input in(data);
    Sink out(1024 * 1024);
    CtxPtr ctx = env.context(true);
    KeyPtr signer = env.primary_key(signer_fpr, true);
    if (!signer || !signer->can_sign)
        throw GpgError("gpg sign: no usable secret signing key " + signer_fpr + "; " +
                       env.what_to_check());
    gpgme_error_t e = gpgme_signers_add(ctx.get(), signer.get());
    if (e) throw GpgError("gpg sign: cannot use signing key " + signer_fpr + ": " + err_text(e));
    Loop loop(ctx.get());
    Outcome o = loop.run(gpgme_op_sign_start(ctx.get(), in.get(), out.get(), GPGME_SIG_MODE_DETACH),
                         options_.timeout);
    if (o.err)
        throw GpgError(
            "gpg sign failed: " +
            (o.timed_out ? "timed out after " + seconds_text(options_.timeout) : err_text(o.err)) +
            "; " + env.what_to_check());
    gpgme_sign_result_t sr = gpgme_op_sign_result(ctx.get());
    if (!sr || !sr->signatures || sr->invalid_signers)
        throw GpgError("gpg sign: no signature was made by " + signer_fpr + "; " +
                       env.what_to_check());
    const char* algo = gpgme_hash_algo_name(sr->signatures->hash_algo);
    if (micalg) *micalg = "pgp-" + lower(algo ? algo : "sha256");
    return std::move(out.bytes());
}

ImportResult Gpg::import_public_keys(std::string_view keydata, std::size_t max_keys,
                                     std::size_t max_bytes) {
    Env env{homedir_, options_.timeout, cache_.get()};
    ImportResult result;
    openpgp::KeyLimits limits;
    limits.max_keys = max_keys;
    limits.max_bytes = max_bytes;
    limits.max_user_ids = options_.max_user_ids_per_key;
    limits.max_signatures = options_.max_signatures_per_key;
    limits.max_subkeys = options_.max_subkeys_per_key;
    openpgp::KeyScan scan = openpgp::scan_public_keys(keydata, limits);
    result.refused = std::move(scan.refused);
    if (scan.keys.empty()) return result;

    // gpg sees exactly the packets checked above, never the original input.
    std::string packets;
    for (const std::string& k : scan.keys) packets += k;
    Input in(packets);
    CtxPtr ctx = env.context(false);
    Loop loop(ctx.get());
    Outcome o = loop.run(gpgme_op_import_start(ctx.get(), in.get()), options_.timeout);
    cache_->forget();  // whatever gpg took in changes what look-ups find
    if (o.timed_out) {
        result.refused.push_back("gpg did not finish importing within " +
                                 seconds_text(options_.timeout) + "; cancelled");
        return result;
    }
    gpgme_import_result_t ir = gpgme_op_import_result(ctx.get());
    if (o.err && !ir) {
        result.refused.push_back("gpg refused the key data: " + err_text(o.err));
        return result;
    }
    if (!ir) return result;
    result.considered = ir->considered;
    result.imported = ir->imported;
    result.unchanged = ir->unchanged;
    for (gpgme_import_status_t s = ir->imports; s; s = s->next) {
        std::string fpr = s->fpr ? upper(s->fpr) : std::string();
        if (s->result) {
            result.refused.push_back("key " + (fpr.empty() ? std::string("?") : fpr) +
                                     ": gpg refused it: " + err_text(s->result));
            continue;
        }
        if (!fpr.empty() && std::find(result.fingerprints.begin(), result.fingerprints.end(),
                                      fpr) == result.fingerprints.end())
            result.fingerprints.push_back(fpr);
    }
    if (ir->not_imported > 0 && result.refused.empty())
        result.refused.push_back(std::to_string(ir->not_imported) +
                                 " keys were not imported by gpg (no valid self-signature?)");
    return result;
}

namespace {

KeyInfo to_info(gpgme_key_t key) {
    KeyInfo info;
    info.fingerprint = upper(key->subkeys && key->subkeys->fpr ? key->subkeys->fpr : "");
    for (gpgme_user_id_t uid = key->uids; uid; uid = uid->next) {
        if (uid->revoked || uid->invalid || !uid->email || !*uid->email) continue;
        std::string e = lower(uid->email);
        if (std::find(info.emails.begin(), info.emails.end(), e) == info.emails.end())
            info.emails.push_back(e);
    }
    info.can_encrypt = key->can_encrypt;
    info.can_sign = key->can_sign;
    info.has_secret = key->secret;
    info.revoked = key->revoked;
    info.expired = key->expired;
    info.disabled = key->disabled;
    long long primary = key->subkeys ? key->subkeys->expires : 0;
    long long until = primary;
    if (info.can_encrypt) {
        long long latest_enc = -1;  // -1: none seen; 0: one never expires
        for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next) {
            if (!sk->can_encrypt || sk->revoked || sk->expired || sk->disabled || sk->invalid)
                continue;
            if (sk->expires == 0)
                latest_enc = 0;
            else if (latest_enc != 0)
                latest_enc = std::max<long long>(latest_enc, sk->expires);
        }
        if (latest_enc > 0 && (until == 0 || latest_enc < until)) until = latest_enc;
    }
    if (until > 0) info.expires = TimePoint{Duration{until}};
    return info;
}

// The newest usable encryption key with a user id of exactly `want`.
std::optional<KeyInfo> lookup_encryption_key(const Env& env, const std::string& want) {
    CtxPtr ctx = env.context(false);
    gpgme_error_t e = gpgme_op_keylist_start(ctx.get(), ("<" + want + ">").c_str(), 0);
    if (e) throw GpgError("gpg key listing failed: " + err_text(e) + "; " + env.what_to_check());
    KeyPtr best;
    // Bounded: a keyring flooded with keys for one address must not stall us.
    for (int n = 0; n < 500; ++n) {
        gpgme_key_t k = nullptr;
        e = gpgme_op_keylist_next(ctx.get(), &k);
        if (e) break;
        KeyPtr key(k);
        if (key->revoked || key->expired || key->disabled || key->invalid || !key->can_encrypt ||
            !key->subkeys)
            continue;
        bool match = false;
        for (gpgme_user_id_t uid = key->uids; uid && !match; uid = uid->next)
            match = !uid->revoked && !uid->invalid && uid->email && lower(uid->email) == want;
        if (!match) continue;
        if (!best || key->subkeys->timestamp > best->subkeys->timestamp) best = std::move(key);
    }
    gpgme_op_keylist_end(ctx.get());
    if (!best) return std::nullopt;
    return to_info(best.get());
}

// Look-ups by email in one generation before the keyring is listed once.
constexpr int kLookupsBeforeIndex = 4;
// A keyring larger than this is not listed whole: look-ups go one by one.
constexpr int kMaxIndexedKeys = 20000;

// Every usable encryption key by email address (the choice of
// lookup_encryption_key for each address); nullopt when the listing failed
// or the keyring is larger than kMaxIndexedKeys.
std::optional<std::map<std::string, KeyInfo>> list_encryption_keys(const Env& env) {
    CtxPtr ctx = env.context(false);
    if (gpgme_op_keylist_start(ctx.get(), nullptr, 0)) return std::nullopt;
    std::map<std::string, KeyPtr> best;
    bool complete = false;
    for (int n = 0; n <= kMaxIndexedKeys; ++n) {
        gpgme_key_t k = nullptr;
        gpgme_error_t e = gpgme_op_keylist_next(ctx.get(), &k);
        if (e) {
            complete = gpgme_err_code(e) == GPG_ERR_EOF;
            break;
        }
        KeyPtr key(k);
        if (key->revoked || key->expired || key->disabled || key->invalid || !key->can_encrypt ||
            !key->subkeys)
            continue;
        for (gpgme_user_id_t uid = key->uids; uid; uid = uid->next) {
            if (uid->revoked || uid->invalid || !uid->email || !*uid->email) continue;
            KeyPtr& slot = best[lower(uid->email)];
            if (!slot || key->subkeys->timestamp > slot->subkeys->timestamp)
                slot = share(key.get());
        }
    }
    gpgme_op_keylist_end(ctx.get());
    if (!complete) return std::nullopt;
    std::map<std::string, KeyInfo> out;
    for (auto& [email, key] : best) out.emplace(email, to_info(key.get()));
    return out;
}

}  // namespace

std::string Gpg::export_key(const std::string& fpr, bool secret) {
    if (!is_fingerprint(fpr)) throw GpgError("gpg export: " + fpr + " is not a fingerprint");
    Env env{homedir_, options_.timeout, cache_.get()};
    Sink out(4u * 1024u * 1024u);
    // Reserved once: a key of up to 256 KiB (an export-minimal one is a few
    // KiB) never moves while it grows, so no copy of a secret export is left
    // behind in freed memory; the caller wipes the one it gets.
    out.bytes().reserve(256u * 1024u);
    CtxPtr ctx = env.context(false);
    gpgme_export_mode_t mode = GPGME_EXPORT_MODE_MINIMAL;
    if (secret) mode |= GPGME_EXPORT_MODE_SECRET;
    Loop loop(ctx.get());
    Outcome o = loop.run(gpgme_op_export_start(ctx.get(), upper(fpr).c_str(), mode, out.get()),
                         options_.timeout);
    if (o.err || out.bytes().empty()) {
        wipe(out.bytes());
        throw GpgError("gpg export of " + std::string(secret ? "secret " : "") + "key " + fpr +
                       " failed: " +
                       (o.err ? (o.timed_out ? "timed out after " + seconds_text(options_.timeout)
                                             : err_text(o.err))
                              : "no such key") +
                       "; " + env.what_to_check());
    }
    return std::move(out.bytes());
}

void wipe(std::string& s) {
    if (!s.empty()) ::explicit_bzero(s.data(), s.size());
    s.clear();
}

std::optional<KeyInfo> Gpg::key(const std::string& fpr, bool secret) {
    Env env{homedir_, options_.timeout, cache_.get()};
    KeyPtr k = env.primary_key(fpr, secret);
    if (!k) return std::nullopt;
    return to_info(k.get());
}

std::optional<KeyInfo> Gpg::encryption_key_for(const std::string& email) {
    Env env{homedir_, options_.timeout, cache_.get()};
    std::string want = lower(email);
    if (want.empty() || want.size() > 254 || want.find('@') == std::string::npos)
        return std::nullopt;
    for (char c : want)
        if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == 0x7F)
            return std::nullopt;
    const unsigned long gen = cache_->current();
    {
        std::lock_guard<std::mutex> lock(cache_->mutex);
        auto it = cache_->encryption_keys.find(want);
        if (it != cache_->encryption_keys.end()) return it->second;
    }
    bool build = false;
    {
        std::lock_guard<std::mutex> lock(cache_->mutex);
        build = !cache_->index_built && ++cache_->email_lookups > kLookupsBeforeIndex;
    }
    if (build) {
        auto index = list_encryption_keys(env);
        std::lock_guard<std::mutex> lock(cache_->mutex);
        if (cache_->generation == gen && !cache_->index_built) {
            cache_->index_built = true;
            cache_->index_usable = index.has_value();
            if (index) cache_->index = std::move(*index);
        }
    }
    {
        std::lock_guard<std::mutex> lock(cache_->mutex);
        if (cache_->index_usable && cache_->generation == gen) {
            auto it = cache_->index.find(want);
            std::optional<KeyInfo> found;
            if (it != cache_->index.end()) found = it->second;
            cache_->encryption_keys.emplace(want, found);
            return found;
        }
    }
    std::optional<KeyInfo> found = lookup_encryption_key(env, want);
    std::lock_guard<std::mutex> lock(cache_->mutex);
    if (cache_->generation == gen) cache_->encryption_keys.emplace(want, found);
    return found;
}

}  // namespace embargo::crypto
