// RFC 2047 encoded-word decoding for header values ("=?UTF-8?B?...?="),
// lenient the way mail clients are (words inside quoted strings or glued to
// text are decoded too) but linear in the input however it is crafted.
#include "parsers/rfc2047.hpp"

#include <string>
#include <string_view>

#include "parsers/charset.hpp"
#include "parsers/mime.hpp"
#include "parsers/mime_codec.hpp"

namespace embargo::mime {
namespace detail {
namespace {

constexpr std::size_t kMaxCharsetLength = 64;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string decode_q(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// Finds the "?=" that closes an encoded word starting its text at `from`.
// Remembers the last answer: every position in [from_, at_] has the same
// answer, so a crafted value full of unterminated "=?" openers is still
// scanned only a bounded number of times.
class CloseFinder {
  public:
    explicit CloseFinder(std::string_view v) : v_(v) {}
    std::size_t find(std::size_t from) {
        if (valid_ && from >= from_ && from <= at_) return at_;
        if (valid_ && from < from_) {
            for (std::size_t k = from; k < from_; ++k) {
                if (closes_at(k)) return k;
            }
            return at_;
        }
        std::size_t k = from;
        while (k < v_.size() && !closes_at(k)) ++k;
        valid_ = true;
        from_ = from;
        at_ = k;
        return k;
    }

  private:
    bool closes_at(std::size_t k) const {
        return k + 1 < v_.size() && v_[k] == '?' && v_[k + 1] == '=';
    }
    std::string_view v_;
    bool valid_ = false;
    std::size_t from_ = 0;
    std::size_t at_ = 0;  // v_.size() when there is none
};

struct Word {
    std::string charset;  // normalized
    std::string bytes;    // decoded, still in `charset`
    std::size_t end = 0;  // just past "?="
};

bool parse_word(std::string_view v, std::size_t at, CloseFinder& finder, Word& w) {
    const std::size_t p = at + 2;
    std::size_t q = p;
    while (q < v.size() && q - p <= kMaxCharsetLength && v[q] != '?' &&
           static_cast<unsigned char>(v[q]) > ' ' && v[q] != 0x7f) {
        ++q;
    }
    if (q == p || q + 2 >= v.size() || v[q] != '?' || v[q + 2] != '?') return false;
    const char enc = v[q + 1];
    if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return false;
    const std::size_t text_begin = q + 3;
    const std::size_t text_end = finder.find(text_begin);
    if (text_end >= v.size()) return false;
    const std::string_view text = v.substr(text_begin, text_end - text_begin);
    // A word running into the next "=?" was never closed: let that one win.
    if (text.find("=?") != std::string_view::npos) return false;
    w.charset = normalize_charset(v.substr(p, q - p));
    if (w.charset.empty()) w.charset = "(unreadable)";  // converted as an unknown charset
    w.bytes = (enc == 'B' || enc == 'b') ? decode_base64(text) : decode_q(text);
    w.end = text_end + 2;
    return true;
}

bool all_blank(std::string_view s) {
    for (const char c : s) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
    }
    return true;
}

}  // namespace

void blank_controls(std::string& s) {
    for (char& c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) c = ' ';
    }
}

std::string header_text_to_utf8(std::string_view raw) {
    std::string out;
    append_valid_utf8(out, raw);
    blank_controls(out);
    return out;
}

}  // namespace detail

std::string decode_header_words(std::string_view value) {
    std::string out;
    detail::CloseFinder finder(value);
    std::string pending;  // bytes of adjacent words in one charset, converted together
    std::string pending_charset;
    bool have_pending = false;
    bool last_was_word = false;
    const auto flush = [&] {
        if (!have_pending) return;
        out += to_utf8(pending, pending_charset);
        pending.clear();
        have_pending = false;
    };
    std::size_t literal_begin = 0;
    std::size_t i = 0;
    while (true) {
        const std::size_t at = value.find("=?", i);
        if (at == std::string_view::npos) break;
        detail::Word w;
        if (!detail::parse_word(value, at, finder, w)) {
            i = at + 1;
            continue;
        }
        const std::string_view literal = value.substr(literal_begin, at - literal_begin);
        // RFC 2047 6.2: white space between adjacent encoded words is dropped.
        if (!(last_was_word && detail::all_blank(literal))) {
            flush();
            detail::append_valid_utf8(out, literal);
        }
        // Joining the bytes of same-charset neighbours first keeps characters
        // that an encoder split across two words.
        if (have_pending && pending_charset != w.charset) flush();
        pending_charset = w.charset;
        pending += w.bytes;
        have_pending = true;
        last_was_word = true;
        i = literal_begin = w.end;
    }
    flush();
    detail::append_valid_utf8(out, value.substr(literal_begin));
    detail::blank_controls(out);
    return out;
}

}  // namespace embargo::mime
