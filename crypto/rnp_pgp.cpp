// librnp behind RAII handles: one ffi object (its own key store in memory,
// nothing read from or written to disk), inputs and outputs in memory.
#include "crypto/rnp_pgp.hpp"

#include <fcntl.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>
#include <unistd.h>

#include <memory>
#include <type_traits>

namespace embargo::crypto {

namespace {

// unique_ptr for an rnp handle type and its destroy function.
template <auto Destroy>
struct Destroyer {
    template <class T>
    void operator()(T* p) const {
        Destroy(p);
    }
};
template <class Handle, auto Destroy>
using Owned = std::unique_ptr<std::remove_pointer_t<Handle>, Destroyer<Destroy>>;
using FfiPtr = Owned<rnp_ffi_t, rnp_ffi_destroy>;
using InputPtr = Owned<rnp_input_t, rnp_input_destroy>;
using OutputPtr = Owned<rnp_output_t, rnp_output_destroy>;
using KeyPtr = Owned<rnp_key_handle_t, rnp_key_handle_destroy>;
using EncryptPtr = Owned<rnp_op_encrypt_t, rnp_op_encrypt_destroy>;
using SignPtr = Owned<rnp_op_sign_t, rnp_op_sign_destroy>;

void check(rnp_result_t r, const char* what) {
    if (r != RNP_SUCCESS)
        throw RnpError(std::string("librnp: ") + what + ": " + rnp_result_to_string(r));
}

InputPtr memory_input(std::string_view data) {
    rnp_input_t in = nullptr;
    check(rnp_input_from_memory(&in, reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                false),
          "input");
    return InputPtr(in);
}

OutputPtr memory_output() {
    rnp_output_t out = nullptr;
    check(rnp_output_to_memory(&out, 0), "output");
    return OutputPtr(out);
}

std::string output_bytes(rnp_output_t out) {
    uint8_t* buf = nullptr;
    size_t len = 0;
    check(rnp_output_memory_get_buf(out, &buf, &len, false), "output");
    return std::string(reinterpret_cast<const char*>(buf), len);
}

}  // namespace

struct RnpPgp::Ffi {
    FfiPtr ffi;

    KeyPtr key(const std::string& fpr) const {
        rnp_key_handle_t k = nullptr;  // hex in either case
        if (rnp_locate_key(ffi.get(), "fingerprint", fpr.c_str(), &k) != RNP_SUCCESS || !k)
            throw RnpError("librnp: key " + fpr + " is not loaded");
        return KeyPtr(k);
    }
};

RnpPgp::RnpPgp() : ffi_(std::make_unique<Ffi>()) {
    rnp_ffi_t f = nullptr;
    check(rnp_ffi_create(&f, "GPG", "GPG"), "create");
    ffi_->ffi.reset(f);
    // The ffi's own diagnostics: our callers report what failed, and fall
    // back to gpg, themselves. (Key-validation warnings, such as "Insecure
    // hash algorithm", still go to stderr: librnp 0.16 has no switch for them.)
    int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0 && rnp_ffi_set_log_fd(f, null) != RNP_SUCCESS) ::close(null);
}

RnpPgp::~RnpPgp() = default;

void RnpPgp::add_keys(std::string_view keydata) {
    InputPtr in = memory_input(keydata);
    check(rnp_load_keys(ffi_->ffi.get(), "GPG", in.get(),
                        RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS),
          "load keys");
    // Only signing needs a secret here: the secret half of a decryption-only
    // (sub)key, exported with the team key, is dropped at once, so reading
    // mail stays gpg-agent's alone.
    rnp_identifier_iterator_t it = nullptr;
    check(rnp_identifier_iterator_create(ffi_->ffi.get(), &it, "fingerprint"), "key listing");
    std::vector<std::string> fprs;
    for (const char* id = nullptr;
         rnp_identifier_iterator_next(it, &id) == RNP_SUCCESS && id != nullptr;)
        fprs.emplace_back(id);
    rnp_identifier_iterator_destroy(it);
    for (const std::string& fpr : fprs) {
        KeyPtr k = ffi_->key(fpr);
        bool secret = false, encrypt = false, sign = false;
        if (rnp_key_have_secret(k.get(), &secret) != RNP_SUCCESS || !secret) continue;
        rnp_key_allows_usage(k.get(), "encrypt", &encrypt);
        rnp_key_allows_usage(k.get(), "sign", &sign);
        if (encrypt && !sign)
            check(rnp_key_remove(k.get(), RNP_KEY_REMOVE_SECRET), "dropping a decryption key");
    }
}

bool RnpPgp::has_key(const std::string& fpr, bool secret) const {
    try {
        KeyPtr k = ffi_->key(fpr);
        if (!secret) return true;
        bool have = false, prot = true;
        return rnp_key_have_secret(k.get(), &have) == RNP_SUCCESS && have &&
               rnp_key_is_protected(k.get(), &prot) == RNP_SUCCESS && !prot;
    } catch (const RnpError&) {
        return false;
    }
}

std::string RnpPgp::encrypt_sign(std::string_view plaintext,
                                 const std::vector<std::string>& recipient_fprs,
                                 const std::string& signer_fpr) {
    if (recipient_fprs.empty()) throw RnpError("librnp: no recipients");
    InputPtr in = memory_input(plaintext);
    OutputPtr out = memory_output();
    rnp_op_encrypt_t raw = nullptr;
    check(rnp_op_encrypt_create(&raw, ffi_->ffi.get(), in.get(), out.get()), "encrypt");
    EncryptPtr op(raw);
    for (const std::string& fpr : recipient_fprs) {
        KeyPtr k = ffi_->key(fpr);
        check(rnp_op_encrypt_add_recipient(op.get(), k.get()), ("recipient " + fpr).c_str());
    }
    KeyPtr signer = ffi_->key(signer_fpr);
    check(rnp_op_encrypt_add_signature(op.get(), signer.get(), nullptr),
          ("signing key " + signer_fpr).c_str());
    check(rnp_op_encrypt_set_cipher(op.get(), "AES256"), "cipher");
    check(rnp_op_encrypt_set_hash(op.get(), "SHA256"), "hash");
    check(rnp_op_encrypt_set_armor(op.get(), true), "armor");
    check(rnp_op_encrypt_execute(op.get()), "encrypt+sign");
    return output_bytes(out.get());
}

std::string RnpPgp::sign_detached(std::string_view data, const std::string& signer_fpr,
                                  std::string* micalg) {
    InputPtr in = memory_input(data);
    OutputPtr out = memory_output();
    rnp_op_sign_t raw = nullptr;
    check(rnp_op_sign_detached_create(&raw, ffi_->ffi.get(), in.get(), out.get()), "sign");
    SignPtr op(raw);
    KeyPtr signer = ffi_->key(signer_fpr);
    check(rnp_op_sign_add_signature(op.get(), signer.get(), nullptr),
          ("signing key " + signer_fpr).c_str());
    check(rnp_op_sign_set_hash(op.get(), "SHA256"), "hash");
    check(rnp_op_sign_set_armor(op.get(), true), "armor");
    check(rnp_op_sign_execute(op.get()), "sign");
    if (micalg) *micalg = "pgp-sha256";
    return output_bytes(out.get());
}

}  // namespace embargo::crypto
