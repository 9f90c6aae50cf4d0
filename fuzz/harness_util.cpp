// Helpers shared by the fuzz harnesses: a UTF-8 check independent of the
// parsers under test, and temp directories for harnesses that need files.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "fuzz/harness.hpp"

namespace embargo::fuzz {

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

std::string make_temp_dir(std::string_view tag) {
    std::string tmpl =
        "/tmp/ebfz-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-XXXXXX";
    if (!::mkdtemp(tmpl.data()))
        throw std::runtime_error("fuzz harness: cannot create a temp dir " + tmpl +
                                 "; check that /tmp is writable");
    return tmpl;
}

void remove_tree(const std::string& path) noexcept {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

}  // namespace embargo::fuzz
