// Structured header fields for the MIME parser. Written here rather than
// taken from mimetic: mimetic's parameter splitter ignores quoting and
// comments (boundary="a;b" comes out as `"a`) and its address parser mangles
// comments, either of which would let two readers of one message disagree.
#include "parsers/mime_fields.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parsers/charset.hpp"
#include "parsers/mime.hpp"
#include "parsers/rfc2047.hpp"

namespace embargo::mime {
namespace detail {
namespace {

constexpr std::size_t kMaxContinuations = 1000;  // RFC 2231 name*N segments per parameter

bool is_wsp(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
    return s;
}

// RFC 2045 tspecials plus space and controls end a token.
bool is_token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f) return false;
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// Reads a structured field value left to right.
class Lexer {
  public:
    explicit Lexer(std::string_view s, std::size_t at = 0) : s_(s), i_(at) {}
    bool done() const { return i_ >= s_.size(); }
    std::size_t pos() const { return i_; }
    char peek() const { return s_[i_]; }
    void advance() { ++i_; }

    // Skips white space and (nested) comments.
    void skip_cfws() {
        while (i_ < s_.size()) {
            if (is_wsp(s_[i_])) {
                ++i_;
            } else if (s_[i_] == '(') {
                comment();
            } else {
                break;
            }
        }
    }
    // At "(": returns the comment text, unescaped; unterminated runs to the end.
    std::string comment() {
        std::string out;
        int depth = 0;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '\\' && i_ < s_.size()) {
                out += s_[i_++];
            } else if (c == '(') {
                if (depth++ > 0) out += c;
            } else if (c == ')') {
                if (--depth == 0) break;
                out += c;
            } else {
                out += c;
            }
        }
        return out;
    }
    // At '"': returns the content, unescaped; unterminated runs to the end.
    std::string quoted() {
        std::string out;
        ++i_;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '\\' && i_ < s_.size()) {
                out += s_[i_++];
            } else if (c == '"') {
                break;
            } else {
                out += c;
            }
        }
        return out;
    }
    std::string token() {
        const std::size_t b = i_;
        while (i_ < s_.size() && is_token_char(s_[i_])) ++i_;
        return std::string(s_.substr(b, i_ - b));
    }
    // An unquoted parameter value: up to the next ';', comments removed.
    std::string until_semicolon() {
        std::string out;
        while (i_ < s_.size() && s_[i_] != ';') {
            if (s_[i_] == '(') {
                comment();
            } else {
                out += s_[i_++];
            }
        }
        return std::string(trim(out));
    }
    // Skips to the next ';' outside quoted strings and comments.
    void skip_to_semicolon() {
        while (i_ < s_.size() && s_[i_] != ';') {
            if (s_[i_] == '"') {
                quoted();
            } else if (s_[i_] == '(') {
                comment();
            } else {
                ++i_;
            }
        }
    }

  private:
    std::string_view s_;
    std::size_t i_ = 0;
};

std::string percent_decode(std::string_view s) {
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct Segment {
    unsigned index = 0;
    bool encoded = false;
    std::string value;
};

// RFC 2231: joins name*0, name*1*, ... and decodes charset'lang'%XX values.
void merge_rfc2231(const std::vector<std::pair<std::string, std::string>>& raw,
                   std::map<std::string, std::string>& params) {
    std::map<std::string, std::vector<Segment>> extended;
    for (const auto& [name, value] : raw) {
        const std::size_t star = name.find('*');
        if (star == std::string::npos || star == 0) {
            params.emplace(name, value);  // the first of duplicates wins
            continue;
        }
        const std::string base = name.substr(0, star);
        std::string_view rest = std::string_view(name).substr(star + 1);
        Segment seg;
        seg.value = value;
        if (rest.empty()) {
            seg.encoded = true;  // name*=charset'lang'value
        } else {
            seg.encoded = rest.back() == '*';
            if (seg.encoded) rest.remove_suffix(1);
            if (rest.empty() || rest.size() > 4 ||
                !std::all_of(rest.begin(), rest.end(),
                             [](char c) { return c >= '0' && c <= '9'; })) {
                params.emplace(name, value);  // not RFC 2231 after all: keep as written
                continue;
            }
            for (const char c : rest) seg.index = seg.index * 10 + static_cast<unsigned>(c - '0');
        }
        auto& segs = extended[base];
        if (segs.size() < kMaxContinuations) segs.push_back(std::move(seg));
    }
    for (auto& [base, segs] : extended) {
        std::stable_sort(segs.begin(), segs.end(),
                         [](const Segment& a, const Segment& b) { return a.index < b.index; });
        std::string charset;
        std::string bytes;
        for (std::size_t k = 0; k < segs.size(); ++k) {
            if (k > 0 && segs[k].index == segs[k - 1].index) continue;  // duplicate segment
            std::string_view v = segs[k].value;
            if (k == 0 && segs[k].encoded) {
                // charset'language'data; without the quotes it is all data.
                const std::size_t q1 = v.find('\'');
                const std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
                if (q2 != std::string_view::npos) {
                    charset = std::string(v.substr(0, q1));
                    v = v.substr(q2 + 1);
                }
            }
            bytes += segs[k].encoded ? percent_decode(v) : std::string(v);
        }
        std::string text = charset.empty() ? header_text_to_utf8(bytes) : to_utf8(bytes, charset);
        blank_controls(text);
        params[base] = std::move(text);  // the RFC 2231 form wins over a plain fallback
    }
}

}  // namespace

ContentField parse_content_field(std::string_view value, bool with_subtype) {
    ContentField f;
    Lexer lx(value);
    lx.skip_cfws();
    f.type = lowered(lx.token());
    lx.skip_cfws();
    if (with_subtype) {
        if (!lx.done() && lx.peek() == '/') {
            lx.advance();
            lx.skip_cfws();
            f.subtype = lowered(lx.token());
            lx.skip_cfws();
        }
        f.ok = !f.type.empty() && !f.subtype.empty();
    } else {
        f.ok = !f.type.empty();
    }
    std::vector<std::pair<std::string, std::string>> raw;
    while (true) {
        lx.skip_to_semicolon();
        if (lx.done()) break;
        lx.advance();  // ';'
        lx.skip_cfws();
        std::string name = lowered(lx.token());
        lx.skip_cfws();
        if (name.empty() || lx.done() || lx.peek() != '=') continue;
        lx.advance();
        lx.skip_cfws();
        std::string v;
        if (!lx.done() && lx.peek() == '"') {
            v = lx.quoted();
        } else {
            v = lx.until_semicolon();
        }
        raw.emplace_back(std::move(name), std::move(v));
    }
    merge_rfc2231(raw, f.params);
    // Many mailers put RFC 2047 words into file names despite RFC 2047 5.
    for (const char* key : {"name", "filename"}) {
        auto it = f.params.find(key);
        if (it == f.params.end()) continue;
        it->second = decode_header_words(it->second);
    }
    return f;
}

std::string parse_token(std::string_view value) {
    Lexer lx(value);
    lx.skip_cfws();
    return lowered(lx.token());
}

std::vector<std::string> parse_message_ids(std::string_view value) {
    std::vector<std::string> ids;
    const auto add = [&](std::string_view raw) {
        std::string id;
        for (const char c : raw) {
            if (!is_wsp(c)) id += c;
        }
        id = header_text_to_utf8(id);
        if (!id.empty()) ids.push_back(std::move(id));
    };
    std::size_t i = 0;
    while (i < value.size()) {
        const char c = value[i];
        if (c == '<') {
            std::size_t j = value.find('>', i + 1);
            if (j == std::string_view::npos) j = value.size();
            add(value.substr(i + 1, j - i - 1));
            i = j + 1;
        } else if (c == '(' || c == '"') {
            // Comments and quoted strings ("Your message of <date>") hold no id.
            Lexer skip(value, i);
            if (c == '(') {
                skip.comment();
            } else {
                skip.quoted();
            }
            i = skip.pos();
        } else {
            ++i;
        }
    }
    if (ids.empty()) {
        std::size_t b = 0;
        while (b < value.size()) {
            while (b < value.size() && (is_wsp(value[b]) || value[b] == ',')) ++b;
            std::size_t e = b;
            while (e < value.size() && !is_wsp(value[e]) && value[e] != ',') ++e;
            const std::string_view word = value.substr(b, e - b);
            if (word.find('@') != std::string_view::npos) add(word);
            b = e;
        }
    }
    return ids;
}

}  // namespace detail

namespace {

enum class Kind { Word, Quoted, Comment, Special };

struct Token {
    Kind kind;
    std::string text;  // Special: the one character
};

std::vector<Token> tokenize_addresses(std::string_view v) {
    std::vector<Token> toks;
    std::size_t i = 0;
    while (i < v.size()) {
        const char c = v[i];
        if (detail::is_wsp(c)) {
            ++i;
        } else if (c == '(' || c == '"') {
            detail::Lexer lx(v, i);
            std::string text = c == '(' ? lx.comment() : lx.quoted();
            toks.push_back({c == '(' ? Kind::Comment : Kind::Quoted, std::move(text)});
            i = lx.pos();
        } else if (std::string_view("<>@,:;").find(c) != std::string_view::npos) {
            toks.push_back({Kind::Special, std::string(1, c)});
            ++i;
        } else if (c == '[') {
            std::size_t j = v.find(']', i);
            j = j == std::string_view::npos ? v.size() : j + 1;
            toks.push_back({Kind::Word, std::string(v.substr(i, j - i))});
            i = j;
        } else {
            std::size_t j = i;
            while (j < v.size() && !detail::is_wsp(v[j]) &&
                   std::string_view("()<>@,:;\"[").find(v[j]) == std::string_view::npos) {
                ++j;
            }
            if (j == i) {
                ++i;  // a stray ")": skip it (and always make progress)
                continue;
            }
            toks.push_back({Kind::Word, std::string(v.substr(i, j - i))});
            i = j;
        }
    }
    return toks;
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        if (w.empty()) continue;
        if (!out.empty()) out += ' ';
        out += w;
    }
    return out;
}

// local@domain in lower case, or "" when it does not look like one.
std::string clean_address(std::string_view a) {
    const std::size_t at = a.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == a.size()) return {};
    std::string out = detail::header_text_to_utf8(a);
    for (char& c : out) c = detail::lower(c);
    if (out.find(' ') != std::string::npos) return {};  // controls were in it
    return out;
}

}  // namespace

std::vector<Address> parse_addresses(std::string_view value) {
    std::vector<Address> out;
    const std::vector<Token> toks = tokenize_addresses(value);

    std::vector<std::string> phrase;    // words before "<", the display name
    std::vector<std::string> comments;  // the name in "a@x (Name)"
    std::string bare;                   // tokens run together: a bare address
    std::string angle;
    bool has_angle = false;
    bool saw_at = false;
    const auto reset = [&] {
        phrase.clear();
        comments.clear();
        bare.clear();
        angle.clear();
        has_angle = saw_at = false;
    };
    const auto emit = [&] {
        Address a;
        if (has_angle) {
            a.name = join(phrase);
            a.address = clean_address(angle);
        } else if (saw_at) {
            a.name = join(comments);
            a.address = clean_address(bare);
        } else {
            a.name = join(phrase);
        }
        a.name = std::string(detail::trim(decode_header_words(a.name)));
        if (!a.name.empty() || !a.address.empty()) out.push_back(std::move(a));
        reset();
    };

    for (std::size_t i = 0; i < toks.size(); ++i) {
        const Token& t = toks[i];
        switch (t.kind) {
            case Kind::Word:
                phrase.push_back(t.text);
                bare += t.text;
                break;
            case Kind::Quoted:
                phrase.push_back(t.text);
                bare += '"' + t.text + '"';
                break;
            case Kind::Comment:
                comments.push_back(t.text);
                break;
            case Kind::Special:
                switch (t.text[0]) {
                    case '@':
                        bare += '@';
                        saw_at = true;
                        break;
                    case '<': {
                        // Everything to ">" is the address; an obsolete route
                        // ("<@relay:a@x>") is dropped. Unterminated: to the end.
                        std::string inside;
                        for (++i; i < toks.size(); ++i) {
                            const Token& u = toks[i];
                            if (u.kind == Kind::Special && u.text == ">") break;
                            if (u.kind == Kind::Comment) continue;
                            inside += u.kind == Kind::Quoted ? '"' + u.text + '"' : u.text;
                        }
                        if (const std::size_t colon = inside.rfind(':');
                            colon != std::string::npos && !inside.empty() && inside[0] == '@') {
                            inside.erase(0, colon + 1);
                        }
                        angle = std::move(inside);
                        has_angle = true;
                        break;
                    }
                    case ',':
                        emit();
                        break;
                    case ':':
                        // "Group name:" starts a group; its name is not an address.
                        if (!has_angle) reset();
                        break;
                    case ';':
                        emit();
                        break;
                    default:  // a stray ">"
                        break;
                }
                break;
        }
    }
    emit();
    return out;
}

}  // namespace embargo::mime
