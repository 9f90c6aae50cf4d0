// In-process signing and encryption with librnp, for the gpg helper
// (issue 13). A gpg run costs ~10 ms before it does any cryptography on
// the 2-core VMs embargo is measured on (exec, dynamic linking, gpg-agent
// round trips): 19 ms for one sign+encrypt, against 0.3 ms for the same
// operation here. gpg stays the key store and the only reader of mail:
// keys reach this object as OpenPGP bytes exported from the GnuPG home
// (Gpg::export_key), already judged usable by gpg, and anything this cannot
// do is done by gpg as before (gpg_helpers.cpp).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace embargo::crypto {

// librnp refused an operation or a key; the caller falls back to gpg.
class RnpError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class RnpPgp {
  public:
    RnpPgp();
    ~RnpPgp();
    RnpPgp(const RnpPgp&) = delete;
    RnpPgp& operator=(const RnpPgp&) = delete;

    // Adds the keys in `keydata` (binary OpenPGP transferable keys, public
    // or secret); of secret keys only those that can sign are kept. The
    // caller wipes `keydata` afterwards.
    void add_keys(std::string_view keydata);
    // Whether a key with this primary fingerprint is loaded (secret: with
    // usable, unprotected secret key material).
    bool has_key(const std::string& fpr, bool secret) const;

    // Armored OpenPGP message signed by `signer_fpr` and encrypted to each of
    // `recipient_fprs` (primary fingerprints; their newest usable encryption
    // subkey is used), AES-256, SHA-256.
    std::string encrypt_sign(std::string_view plaintext,
                             const std::vector<std::string>& recipient_fprs,
                             const std::string& signer_fpr);
    // Armored detached binary signature (SHA-256) over exactly `data`;
    // `micalg` receives "pgp-sha256".
    std::string sign_detached(std::string_view data, const std::string& signer_fpr,
                              std::string* micalg);

  private:
    struct Ffi;
    std::unique_ptr<Ffi> ffi_;
};

}  // namespace embargo::crypto
