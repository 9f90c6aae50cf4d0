// Fuzz harnesses: one function per parser, shared by the libFuzzer entry
// points (fuzz/*_fuzzer.cpp, clang only) and the corpus replay test that the
// normal build runs. A harness feeds the bytes to its parser, swallows only
// the errors the parser documents for bad input, and throws InvariantError
// when a result breaks a documented promise; anything else escaping is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace embargo::fuzz {

// A parser result that contradicts its header's contract.
class InvariantError : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

inline void require(bool condition, const char* what) {
    if (!condition) throw InvariantError(what);
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

bool is_valid_utf8(std::string_view s);

// mkdtemp under /tmp with a short name (gpg-agent sockets live in such
// directories and fail past ~87 characters). The process id in the name lets
// scripts/fuzz clean up after a fuzzer that died without running destructors.
std::string make_temp_dir(std::string_view tag);
void remove_tree(const std::string& path) noexcept;

// The harnesses. Names match fuzz/corpus/<name> and fuzz/regressions/<name>.
void fuzz_mime(const std::uint8_t* data, std::size_t size);
void fuzz_mime_header(const std::uint8_t* data, std::size_t size);
void fuzz_cvss(const std::uint8_t* data, std::size_t size);
void fuzz_commands(const std::uint8_t* data, std::size_t size);
void fuzz_config(const std::uint8_t* data, std::size_t size);
void fuzz_imap_response(const std::uint8_t* data, std::size_t size);
void fuzz_pgp_mime(const std::uint8_t* data, std::size_t size);
void fuzz_core_text(const std::uint8_t* data, std::size_t size);

}  // namespace embargo::fuzz
