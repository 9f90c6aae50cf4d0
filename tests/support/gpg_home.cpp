// GnuPG home fixture for tests, driving the gpg CLI (see gpg_home.hpp).
#include "tests/support/gpg_home.hpp"

#include <sys/stat.h>

#include <chrono>
#include <sstream>
#include <stdexcept>

#include "tests/support/test_clock.hpp"

namespace embargo::test {

GpgHome::GpgHome() {
    ::chmod(dir_.path().c_str(), 0700);
    // Loopback pinentry so that no prompt can ever block a test.
    write_file(dir_ / "gpg-agent.conf", "allow-loopback-pinentry\n", 0600);
    write_file(dir_ / "gpg.conf", "pinentry-mode loopback\n", 0600);
}

GpgHome::~GpgHome() {
    try {
        run({"gpgconf", "--kill", "gpg-agent"}, {{"GNUPGHOME", dir_.path()}});
    } catch (...) {
        // The temp dir is removed anyway; a stray agent exits when its socket goes.
    }
}

RunResult GpgHome::gpg(const std::vector<std::string>& args, const std::string& input, bool check) {
    std::vector<std::string> argv{"gpg", "--batch", "--no-tty"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = run(argv, {{"GNUPGHOME", dir_.path()}}, input);
    if (check && r.exit_code != 0) {
        std::string cmd;
        for (const auto& a : args) cmd += " " + a;
        throw std::runtime_error("gpg" + cmd + " failed (" + std::to_string(r.exit_code) +
                                 "): " + r.err);
    }
    return r;
}

std::string GpgHome::make_key(const std::string& uid) {
    // Back-dated, so that tests may sign at any time of their timeline
    // (test_clock.hpp) without it predating the key; the clock runs on from
    // there (no "!"), and the key never expires.
    const auto created =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) - kKeyBackdate;
    RunResult r = gpg({"--status-fd", "1", "--faked-system-time",
                       std::to_string(created.time_since_epoch().count()), "--passphrase", "",
                       "--quick-gen-key", uid, "future-default", "default", "never"});
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        // [GNUPG:] KEY_CREATED B <fpr>
        if (line.rfind("[GNUPG:] KEY_CREATED ", 0) == 0) return line.substr(line.rfind(' ') + 1);
    }
    throw std::runtime_error("gpg --quick-gen-key printed no KEY_CREATED status: " + r.out);
}

std::string GpgHome::make_many_keys(int count, const std::string& prefix) {
    std::string params;
    for (int i = 0; i < count; ++i) {
        params += "%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nName-Real: " + prefix +
                  std::to_string(i) + "\nName-Email: " + prefix + std::to_string(i) +
                  "@bulk.test\nExpire-Date: 0\n%commit\n";
    }
    std::string file = dir_ / "bulk-params";
    write_file(file, params, 0600);
    gpg({"--gen-key", file});
    return gpg({"--armor", "--export"}).out;
}

std::string GpgHome::export_public(const std::string& fpr) {
    return gpg({"--armor", "--export", fpr}).out;
}

std::string GpgHome::export_secret(const std::string& fpr) {
    return gpg({"--passphrase", "", "--armor", "--export-secret-keys", fpr}).out;
}

void GpgHome::import(const std::string& data) {
    gpg({"--import"}, data);
}

std::string GpgHome::encrypt(const std::string& plaintext, const std::string& recipient_fpr,
                             const std::string& sign_fpr) {
    std::vector<std::string> args{"--trust-model", "always", "--armor", "--recipient",
                                  recipient_fpr};
    if (!sign_fpr.empty()) {
        args.insert(args.end(), {"--passphrase", "", "--local-user", sign_fpr, "--sign"});
    }
    args.push_back("--encrypt");
    return gpg(args, plaintext).out;
}

std::string GpgHome::clearsign(const std::string& text, const std::string& fpr) {
    return gpg({"--passphrase", "", "--local-user", fpr, "--clearsign"}, text).out;
}

std::string GpgHome::sign_inline(const std::string& text, const std::string& fpr) {
    return gpg({"--passphrase", "", "--local-user", fpr, "--armor", "--sign"}, text).out;
}

std::string GpgHome::detach_sign(const std::string& data, const std::string& fpr) {
    return gpg({"--passphrase", "", "--local-user", fpr, "--armor", "--detach-sign"}, data).out;
}

bool GpgHome::Decrypted::good_signature_by(const std::string& fpr) const {
    std::istringstream in(status);
    std::string line;
    while (std::getline(in, line)) {
        // [GNUPG:] VALIDSIG <sigfpr> <date> ... <primary-fpr>
        if (line.rfind("[GNUPG:] VALIDSIG ", 0) != 0) continue;
        if (line.substr(line.rfind(' ') + 1) == fpr) return true;
    }
    return false;
}

bool GpgHome::Decrypted::decryption_okay() const {
    return status.find("[GNUPG:] DECRYPTION_OKAY") != std::string::npos;
}

GpgHome::Decrypted GpgHome::decrypt(const std::string& ciphertext) {
    RunResult r = gpg({"--status-fd", "2", "--decrypt"}, ciphertext, false);
    return Decrypted{r.exit_code, r.out, r.err};
}

GpgHome::Decrypted GpgHome::verify_detached(const std::string& data, const std::string& signature) {
    std::string sig = dir_ / "verify.sig";
    std::string dat = dir_ / "verify.dat";
    write_file(sig, signature, 0600);
    write_file(dat, data, 0600);
    RunResult r = gpg({"--status-fd", "2", "--verify", sig, dat}, {}, false);
    return Decrypted{r.exit_code, r.out, r.err};
}

}  // namespace embargo::test
