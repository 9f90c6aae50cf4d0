// Signing and encryption in small helper processes (issue 13). GPGME starts
// every gpg with two fork()s of the calling process. From embargod (a few
// threads, tens of MB) each fork leaves the parent's memory copy-on-write:
// the writes that follow fault page by page, each fault flushing the TLB of
// the other cores. Measured on a 2-core VM that cost embargod ~14 ms of CPU
// per gpg run, about as much as gpg itself. A helper is embargod exec'd
// again (one thread, little memory), which runs the GPGME calls for it:
// its forks cost what a shell's do. Plaintext travels over a socketpair,
// in memory only, and a helper ends with its parent (EOF, PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/gpg.hpp"

namespace embargo::crypto {

class GpgHelpers {
  public:
    // `exe` is run as `exe --gpg-helper HOME TIMEOUT_MS MAX_OUTPUT PARENT
    // PROTOCOL MODE` with the socket on fd 3 (embargo-gpg-helper, or embargod
    // itself). Up to `count` helpers run at once, each one operation at a
    // time; they start when first needed. `in_process` (MODE "rnp"): the
    // helper signs and encrypts with librnp where it can (rnp_pgp.hpp).
    GpgHelpers(std::string exe, std::string homedir, GpgOptions options, std::size_t count,
               bool in_process = true);
    // Closes the sockets (helpers exit on EOF) and reaps them.
    ~GpgHelpers();
    GpgHelpers(const GpgHelpers&) = delete;
    GpgHelpers& operator=(const GpgHelpers&) = delete;

    // As Gpg::encrypt_sign / sign_detached, run by a helper; `generation`
    // changes whenever the caller's key look-ups are forgotten, and the
    // helper forgets its own then. Throw GpgError as those do, also when a
    // helper cannot be started or dies twice in a row during one call.
    std::string encrypt_sign(std::string_view plaintext, const std::vector<std::string>& recipients,
                             const std::string& signer, std::uint64_t generation);
    std::string sign_detached(std::string_view data, const std::string& signer, std::string* micalg,
                              std::uint64_t generation);

    // How many helper processes were started so far, and the running ones (tests).
    std::size_t started() const;
    std::vector<pid_t> pids() const;

  private:
    struct Slot {
        pid_t pid = -1;
        int fd = -1;
        bool busy = false;
    };
    std::string call(const std::string& request, std::string* micalg);
    std::size_t acquire();
    void release(std::size_t i);
    void spawn(Slot& s);
    void discard(Slot& s);

    std::string exe_;
    std::string homedir_;
    GpgOptions options_;
    bool in_process_ = true;
    mutable std::mutex mutex_;
    std::condition_variable free_;
    std::vector<Slot> slots_;
    std::size_t started_ = 0;
};

// The helper's side: `argv` as given after --gpg-helper (HOME TIMEOUT_MS
// MAX_OUTPUT PARENT PROTOCOL MODE); serves requests on fd 3 until EOF.
// Returns the exit status (64 when started by anything but a GpgHelpers).
int serve_gpg_helper(int argc, char** argv);

}  // namespace embargo::crypto
