// Charset conversion to UTF-8 for mail text (mime::to_utf8): UTF-8 and ASCII
// are validated in place, everything else goes through glibc iconv; whatever
// cannot be converted becomes U+FFFD so one bad byte never loses a whole part.
#include "parsers/charset.hpp"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>

#include "parsers/mime.hpp"

namespace embargo::mime {
namespace detail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

bool is_utf8_label(std::string_view n) {
    return n == "utf-8" || n == "utf8" || n == "unicode-1-1-utf-8" || n == "x-unicode20utf8";
}

bool is_ascii_label(std::string_view n) {
    return n == "us-ascii" || n == "ascii" || n == "ansi_x3.4-1968" || n == "iso646-us" ||
           n == "us" || n == "csascii" || n == "iso-ir-6";
}

// Labels that mail uses but glibc spells differently or that, as in every
// browser (WHATWG encoding standard), mean a superset in practice: mail
// labelled ISO-8859-1 routinely carries Windows-1252 quotes and dashes.
std::string iconv_name(const std::string& n) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> aliases{{
        {"iso-8859-1", "WINDOWS-1252"},
        {"iso8859-1", "WINDOWS-1252"},
        {"iso_8859-1", "WINDOWS-1252"},
        {"latin1", "WINDOWS-1252"},
        {"latin-1", "WINDOWS-1252"},
        {"l1", "WINDOWS-1252"},
        {"cp819", "WINDOWS-1252"},
        {"ibm819", "WINDOWS-1252"},
        {"csisolatin1", "WINDOWS-1252"},
        {"ks_c_5601-1987", "CP949"},
        {"ks_c_5601", "CP949"},
        {"gb2312", "GB18030"},
        {"gbk", "GB18030"},
        {"x-gbk", "GB18030"},
        {"iso-8859-8-i", "ISO-8859-8"},
        {"x-mac-roman", "MACINTOSH"},
        {"x-sjis", "SHIFT_JIS"},
    }};
    for (const auto& [label, name] : aliases) {
        if (n == label) return std::string(name);
    }
    return n;
}

// One iconv conversion descriptor to UTF-8; closed on destruction.
class Iconv {
  public:
    explicit Iconv(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
    ~Iconv() {
        if (ok()) iconv_close(cd_);
    }
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;
    bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    iconv_t get() const { return cd_; }

  private:
    iconv_t cd_;
};

// Converts with iconv, replacing undecodable input bytes one at a time.
// Returns false when anything was replaced.
bool convert(const Iconv& cd, std::string_view in, std::string& out) {
    bool clean = true;
    std::string raw;  // iconv output, validated once at the end
    raw.reserve(in.size() + in.size() / 2);
    std::array<char, 8192> buf{};
    // iconv's API takes a non-const input pointer but never writes through it.
    char* inp = const_cast<char*>(in.data());
    std::size_t inleft = in.size();
    while (inleft > 0) {
        char* outp = buf.data();
        std::size_t outleft = buf.size();
        const std::size_t r = iconv(cd.get(), &inp, &inleft, &outp, &outleft);
        raw.append(buf.data(), static_cast<std::size_t>(outp - buf.data()));
        if (r != static_cast<std::size_t>(-1)) continue;
        if (errno == E2BIG) continue;  // buffer full: drained above, go on
        clean = false;
        raw.append(kReplacement);
        if (errno == EILSEQ) {
            ++inp;
            --inleft;
            continue;
        }
        break;  // EINVAL (truncated sequence at the end) or anything unexpected
    }
    char* outp = buf.data();
    std::size_t outleft = buf.size();
    iconv(cd.get(), nullptr, nullptr, &outp, &outleft);  // return to the initial shift state
    raw.append(buf.data(), static_cast<std::size_t>(outp - buf.data()));
    if (!append_valid_utf8(out, raw)) clean = false;
    return clean;
}

}  // namespace

void append_code_point(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool append_valid_utf8(std::string& out, std::string_view in) {
    bool clean = true;
    out.reserve(out.size() + in.size());
    std::size_t i = 0;
    const std::size_t n = in.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c > 0 && c < 0x80) {
            std::size_t j = i + 1;
            while (j<n&& static_cast<unsigned char>(in[j])> 0 &&
                   static_cast<unsigned char>(in[j]) < 0x80) {
                ++j;
            }
            out.append(in.substr(i, j - i));
            i = j;
            continue;
        }
        std::size_t len = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        }
        bool good = len != 0 && i + len <= n;
        for (std::size_t k = 1; good && k < len; ++k) {
            const auto b = static_cast<unsigned char>(in[i + k]);
            if ((b & 0xC0) != 0x80) good = false;
            cp = (cp << 6) | (b & 0x3F);
        }
        if (good && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) good = false;
        if (!good) {
            // NUL, a stray byte or a broken sequence: replace one byte and
            // resynchronise on the next.
            out.append(kReplacement);
            clean = false;
            ++i;
            continue;
        }
        out.append(in.substr(i, len));
        i += len;
    }
    return clean;
}

std::string normalize_charset(std::string_view label) {
    std::string_view s = trim(label);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = trim(s.substr(1, s.size() - 2));
    if (const auto star = s.find('*'); star != std::string_view::npos) s = s.substr(0, star);
    if (s.empty() || s.size() > 64) return {};
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':' ||
                           c == '+' || c == '(' || c == ')';
        // No '/' on purpose: iconv would read "//IGNORE"-style suffixes.
        if (!plain) return {};
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

bool charset_known(std::string_view label) {
    if (trim(label).empty()) return true;
    const std::string n = normalize_charset(label);
    if (n.empty()) return false;
    if (is_utf8_label(n) || is_ascii_label(n)) return true;
    return Iconv(iconv_name(n)).ok();
}

std::string printable_charset(std::string_view label) {
    std::string n = normalize_charset(label);
    if (n.empty() || n.size() > 40) return "(unreadable)";
    return n;
}

}  // namespace detail

std::string to_utf8(std::string_view bytes, std::string_view charset, bool* ok) {
    std::string out;
    bool clean = true;
    const std::string n = detail::normalize_charset(charset);
    if (detail::trim(charset).empty() || detail::is_utf8_label(n) || detail::is_ascii_label(n)) {
        // US-ASCII is the default; 8-bit bytes in such parts are UTF-8 in
        // practice, so valid UTF-8 is kept rather than replaced.
        clean = detail::append_valid_utf8(out, bytes);
    } else {
        std::optional<detail::Iconv> cd;
        if (!n.empty()) cd.emplace(detail::iconv_name(n));
        if (cd && cd->ok()) {
            clean = detail::convert(*cd, bytes, out);
        } else {
            detail::append_valid_utf8(out, bytes);
            clean = false;  // unknown charset: even ASCII-looking text is a guess
        }
    }
    if (ok != nullptr) *ok = clean;
    return out;
}

}  // namespace embargo::mime
