// Test fixture: a throwaway GnuPG home with the real gpg CLI as the other
// party of every exchange (key generation, export, encrypt, sign, decrypt).
#pragma once

#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/tempdir.hpp"

namespace embargo::test {

class GpgHome {
  public:
    // A short temp dir (mode 0700): gpg-agent's sockets live in it.
    GpgHome();
    // Stops this home's gpg-agent (gpgconf --kill gpg-agent).
    ~GpgHome();
    GpgHome(const GpgHome&) = delete;
    GpgHome& operator=(const GpgHome&) = delete;

    const std::string& path() const { return dir_.path(); }

    // ed25519 (sign) + cv25519 (encrypt) key without passphrase; returns the
    // primary fingerprint (40 upper-case hex digits).
    std::string make_key(const std::string& uid);
    // Many sign-only ed25519 keys in one gpg run (about 50 a second), uids
    // "<prefix>N <prefix>N@bulk.test"; returns the armored export of all.
    std::string make_many_keys(int count, const std::string& prefix);

    std::string export_public(const std::string& fpr);  // armored
    std::string export_secret(const std::string& fpr);  // armored
    void import(const std::string& data);

    // Armored; signed too when sign_fpr is given. Trusts the recipient as given.
    std::string encrypt(const std::string& plaintext, const std::string& recipient_fpr,
                        const std::string& sign_fpr = {});
    std::string clearsign(const std::string& text, const std::string& fpr);
    std::string sign_inline(const std::string& text,
                            const std::string& fpr);  // armored, not encrypted
    std::string detach_sign(const std::string& data, const std::string& fpr);  // armored

    struct Decrypted {
        int exit_code = -1;
        std::string plaintext;
        std::string status;  // --status-fd output ([GNUPG:] lines) and gpg's messages
        bool good_signature_by(const std::string& fpr) const;  // VALIDSIG ... <fpr>
        bool decryption_okay() const;
    };
    Decrypted decrypt(const std::string& ciphertext);
    // Verifies a detached signature over data.
    Decrypted verify_detached(const std::string& data, const std::string& signature);

    // Runs gpg with this home (--batch added); throws when gpg fails and check is set.
    RunResult gpg(const std::vector<std::string>& args, const std::string& input = {},
                  bool check = true);

  private:
    TempDir dir_;
};

}  // namespace embargo::test
