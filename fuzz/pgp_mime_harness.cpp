// Fuzz harness for crypto::open_message: a raw mail parsed with mime::parse
// and opened against a GnuPG home holding the fixed fuzzing keys of
// fuzz/pgp_mime_keys.asc (team secret key to decrypt, member key to verify),
// set up once per process under /tmp. Slow per input (gpg runs per PGP
// block) but the structure handling around gpg is what is fuzzed.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <vector>

#include "crypto/gpg.hpp"
#include "crypto/pgp_mime.hpp"
#include "fuzz/harness.hpp"
#include "parsers/mime.hpp"

extern char** environ;

namespace embargo::fuzz {
namespace {

constexpr std::string_view kTeamFpr = "DE527CF62443EE94366AA8FAE577C80C58573C25";
constexpr std::string_view kMemberFpr = "4AEDBAE0AEAD940E7B35E6F3D516080CE6F75789";
constexpr std::size_t kMaxKeys = 5;

// Runs a program with its output discarded; returns its exit status.
int run_quietly(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void write(const std::string& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("fuzz harness: cannot write " + path);
}

// One GnuPG home per process, removed (agent stopped) at exit.
struct GpgEnv {
    std::string home;
    std::optional<crypto::Gpg> gpg;

    GpgEnv() : home(make_temp_dir("gpg")) {
        ::chmod(home.c_str(), 0700);
        write(home + "/gpg-agent.conf", "allow-loopback-pinentry\n");
        write(home + "/gpg.conf", "pinentry-mode loopback\n");
        if (run_quietly({"gpg", "--batch", "--no-tty", "--homedir", home, "--import",
                         EMBARGO_FUZZ_PGP_KEYS}) != 0)
            throw std::runtime_error(std::string("fuzz harness: gpg --import ") +
                                     EMBARGO_FUZZ_PGP_KEYS + " failed; check that gpg works");
        crypto::GpgOptions options;
        options.timeout = std::chrono::seconds{5};
        options.max_output_bytes = 4u * 1024u * 1024u;
        gpg.emplace(home, options);
    }
    ~GpgEnv() {
        gpg.reset();
        run_quietly({"gpgconf", "--homedir", home, "--kill", "gpg-agent"});
        remove_tree(home);
    }
    GpgEnv(const GpgEnv&) = delete;
    GpgEnv& operator=(const GpgEnv&) = delete;

    // Keys a message brought in are dropped again so every input meets the
    // same keyring (reproducible crashes).
    void forget(const std::vector<std::string>& fprs) {
        for (const std::string& f : fprs) {
            if (f == kTeamFpr || f == kMemberFpr || !crypto::is_fingerprint(f)) continue;
            run_quietly(
                {"gpg", "--batch", "--no-tty", "--yes", "--homedir", home, "--delete-keys", f});
        }
    }
};

}  // namespace

void fuzz_pgp_mime(const std::uint8_t* data, std::size_t size) {
    static GpgEnv env;
    const std::string_view raw = as_text(data, size);
    mime::Limits limits;
    limits.max_parts = 100;
    limits.max_depth = 10;
    limits.max_header_bytes = 65536;
    const mime::Message msg = mime::parse(raw, limits);
    const crypto::OpenedMessage o =
        crypto::open_message(*env.gpg, msg, raw, limits, kMaxKeys, 65536);
    env.forget(o.imported_keys);

    require(is_valid_utf8(o.text), "pgp_mime: text is not UTF-8");
    require(!o.undecryptable || o.encrypted, "pgp_mime: undecryptable but not encrypted");
    require(o.signed_text.empty() || o.signature.valid(),
            "pgp_mime: signed_text without a Valid signature");
    require(!o.protected_subject_signed || (o.protected_subject && o.signature.valid()),
            "pgp_mime: protected subject marked signed without a Valid signature");
    if (o.signature.valid())
        require(o.signature.fingerprint.size() == 40 || o.signature.fingerprint.size() == 64,
                "pgp_mime: Valid signature without a primary fingerprint");
    require(o.imported_keys.size() <= kMaxKeys, "pgp_mime: more keys imported than max_keys");
    require(o.problems.size() <= 200, "pgp_mime: unbounded number of problems");
}

}  // namespace embargo::fuzz
