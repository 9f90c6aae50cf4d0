// OpenPGP operations for embargo over the GPGME C API: decrypt, verify,
// encrypt+sign, detached signing, key import and key lookup in one GnuPG home.
// Every operation runs gpg under a deadline and with a cap on its output, so
// hostile input (key bombs, compression bombs, truncated armor) ends in a
// flagged result or a GpgError, never a hang or unbounded memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace embargo::crypto {

struct SignatureInfo {
    enum class Status { None, Valid, Invalid } status = Status::None;
    // Valid: the 40-hex fingerprint of the signer's primary key (also when a
    // signing subkey made the signature). Otherwise what gpg reported (a key
    // id or fingerprint), possibly empty.
    std::string fingerprint;
    std::optional<TimePoint> created;
    std::string error;  // why invalid (bad signature, no public key, ...)

    bool valid() const { return status == Status::Valid; }
};

struct DecryptResult {
    bool decrypted = false;
    bool no_secret_key = false;  // encrypted to keys we don't have
    // The input was an OpenPGP signed message, not an encrypted one: plaintext
    // and signatures come from verifying it (decrypted stays false).
    bool signed_only = false;
    std::string plaintext;  // never logged
    std::string error;
    std::vector<SignatureInfo> signatures;  // signed-inside-encrypted
};

struct KeyInfo {
    std::string fingerprint;          // primary key, 40 upper-case hex digits
    std::vector<std::string> emails;  // lower case, from user ids that are not revoked or invalid
    bool can_encrypt = false;         // the key as a whole (a usable subkey exists)
    bool can_sign = false;
    bool has_secret = false;
    bool revoked = false;
    bool expired = false;
    bool disabled = false;
    // When the key stops being usable for what it can do now: the primary key's
    // expiry, or earlier if every usable encryption subkey expires earlier.
    std::optional<TimePoint> expires;
};

struct ImportResult {
    std::vector<std::string> fingerprints;  // keys imported or already present and unchanged
    int considered = 0;
    int imported = 0;
    int unchanged = 0;
    std::vector<std::string> refused;  // why keys were not imported (no key material in here)
};

// Failures of the environment or of our own data (no such signing key, gpg
// missing, homedir unusable). Bad incoming data gives a result, not this.
class GpgError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct GpgOptions {
    // Wall-clock limit for one gpg run; the run is cancelled when it passes.
    std::chrono::milliseconds timeout{std::chrono::seconds{30}};
    // Largest decrypted or verified plaintext kept; beyond it the operation fails.
    std::size_t max_output_bytes = 64u * 1024u * 1024u;
    // Per-key limits for imports (key bombs).
    std::size_t max_user_ids_per_key = 100;
    std::size_t max_signatures_per_key = 1000;
    std::size_t max_subkeys_per_key = 50;
};

struct KeyCache;
class GpgHelpers;

class Gpg {
  public:
    // Checks the GPGME and gpg versions once per process and that `homedir`
    // is a directory. The first Gpg of a process makes `homedir` GPGME's
    // default home, so contexts for it need no engine set-up (which runs
    // `gpg --version`); a Gpg for another home sets it per context.
    explicit Gpg(std::string homedir, GpgOptions options = {});
    ~Gpg();
    Gpg(Gpg&&) noexcept;
    Gpg& operator=(Gpg&&) noexcept;

    // Key look-ups (by fingerprint, by email, signer of a signature) are
    // remembered until this is called or keys are imported through this
    // object: call it once per cycle and on reload, so keys changed by other
    // processes (embargoctl, gpg) are seen at the next cycle. Safe to call
    // while other threads use this object.
    void forget_keys();

    const std::string& homedir() const { return homedir_; }

    // From now on encrypt_sign and sign_detached run in up to `count` helper
    // processes (`exe --gpg-helper ...`, see gpg_helpers.hpp) instead of
    // forking gpg from this process; replaces helpers started before. With
    // `in_process` the helpers sign and encrypt with librnp (rnp_pgp.hpp)
    // whenever gpg exports the keys, and run gpg only for the rest.
    void use_helpers(const std::string& exe, std::size_t count, bool in_process = true);
    // Helper processes started so far (0 without use_helpers), and the running ones.
    std::size_t helpers_started() const;
    std::vector<int> helper_pids() const;

    // Armored or binary OpenPGP message. Never throws for bad input. Throws
    // GpgError when gpg keeps failing to use a secret key this home holds
    // (gpg-agent down): the message is fine, the environment is not.
    DecryptResult decrypt_verify(std::string_view ciphertext);

    // RFC 3156 detached signature over exactly `signed_data`.
    SignatureInfo verify_detached(std::string_view signed_data, std::string_view signature);

    // A cleartext-signed text (-----BEGIN PGP SIGNED MESSAGE-----) or an
    // inline-signed OpenPGP message. `signed_text` receives what the signature
    // covers (dash-unescaped), or "" when nothing verified.
    SignatureInfo verify_cleartext(std::string_view text, std::string* signed_text);

    // Armored; recipients are exact primary fingerprints and are trusted as
    // given (the configured fingerprint is the trust decision).
    std::string encrypt_sign(std::string_view plaintext,
                             const std::vector<std::string>& recipient_fprs,
                             const std::string& signer_fpr);

    // Armored detached signature for PGP/MIME signed; `micalg` receives the
    // micalg parameter for it ("pgp-sha256"). Like every operation here, safe
    // to call from several threads at once (each runs its own GPGME context).
    std::string sign_detached(std::string_view data, const std::string& signer_fpr,
                              std::string* micalg);
    // The same; last_micalg() then gives the micalg. Not for concurrent use.
    std::string sign_detached(std::string_view data, const std::string& signer_fpr);
    const std::string& last_micalg() const { return last_micalg_; }

    // Imports public keys only: the data is parsed first, secret key material
    // and keys over the per-key limits are refused, at most `max_keys` keys of
    // at most `max_bytes` input bytes are handed to gpg.
    ImportResult import_public_keys(std::string_view keydata, std::size_t max_keys,
                                    std::size_t max_bytes);

    // The key with exactly this primary fingerprint as binary OpenPGP
    // (export-minimal); secret: with its secret key material, which gpg-agent
    // gives only for a key without a passphrase (the helper signs in process
    // with it, see rnp_pgp.hpp). Throws GpgError when gpg exports nothing.
    // The caller wipes a secret export after use.
    std::string export_key(const std::string& fpr, bool secret);

    // The key with exactly this primary fingerprint (40 hex), or nullopt.
    std::optional<KeyInfo> key(const std::string& fpr, bool secret = false);

    // A usable (not expired, revoked, disabled or invalid; can encrypt) public
    // key with a user id of exactly that email address. With several, the one
    // with the most recent primary key is chosen.
    std::optional<KeyInfo> encryption_key_for(const std::string& email);

  private:
    std::string homedir_;
    GpgOptions options_;
    std::string last_micalg_;
    std::unique_ptr<KeyCache> cache_;
    std::unique_ptr<GpgHelpers> helpers_;
};

// Overwrites the bytes of `s` (secret key material) and empties it.
void wipe(std::string& s);

// 40 (v4) or 64 (v5) hex digits, either case.
bool is_fingerprint(std::string_view s);

// Makes `option` (a gpg.conf line such as "no-random-seed-file") part of
// HOMEDIR/gpg.conf, appending it (file mode 0600 when created) unless a line
// already says so. Returns false with `error` set when the file cannot be
// read or written; the home is then left as it was.
bool ensure_gpg_conf_option(const std::string& homedir, const std::string& option,
                            std::string* error);

}  // namespace embargo::crypto
