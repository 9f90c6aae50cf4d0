// Text utilities: trimming, lower-casing, HTML to text.
#include "core/text.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

namespace embargo {
namespace {

// Named character references that matter in mail HTML.
std::optional<std::string> named_entity(std::string_view name) {
    static const std::pair<std::string_view, std::string_view> table[] = {
        {"amp", "&"},         {"lt", "<"},         {"gt", ">"},         {"quot", "\""},
        {"apos", "'"},        {"nbsp", " "},       {"ndash", "\u2013"}, {"mdash", "\u2014"},
        {"hellip", "\u2026"}, {"lsquo", "\u2018"}, {"rsquo", "\u2019"}, {"ldquo", "\u201C"},
        {"rdquo", "\u201D"},  {"copy", "\u00A9"},  {"shy", ""},         {"zwnj", ""},
    };
    for (const auto& [n, v] : table)
        if (n == name) return std::string(v);
    return std::nullopt;
}

void append_utf8(std::string& out, unsigned long cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
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

std::size_t find_ci(std::string_view hay, std::string_view needle, std::size_t from) {
    if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
    for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
        std::size_t k = 0;
        while (k < needle.size()) {
            char c = hay[i + k];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != needle[k]) break;
            ++k;
        }
        if (k == needle.size()) return i;
    }
    return std::string_view::npos;
}

}  // namespace

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string html_to_text(std::string_view html) {
    std::string out;
    out.reserve(html.size());
    auto newline = [&] {
        if (!out.empty() && out.back() != '\n') out += '\n';
    };
    std::size_t i = 0;
    while (i < html.size()) {
        char c = html[i];
        if (c == '<') {
            if (html.substr(i, 4) == "<!--") {
                std::size_t e = html.find("-->", i + 4);
                i = e == std::string_view::npos ? html.size() : e + 3;
                continue;
            }
            std::size_t gt = html.find('>', i + 1);
            if (gt == std::string_view::npos) break;
            std::string name;
            std::size_t k = i + 1;
            if (k < gt && html[k] == '/') name += html[k++];
            while (k < gt &&
                   ((html[k] >= 'a' && html[k] <= 'z') || (html[k] >= 'A' && html[k] <= 'Z') ||
                    (html[k] >= '0' && html[k] <= '9')))
                name += html[k++];
            name = to_lower(name);
            i = gt + 1;
            if (name == "script" || name == "style" || name == "head" || name == "title") {
                std::size_t close = find_ci(html, "</" + name, i);
                if (close == std::string_view::npos) {
                    i = html.size();
                } else {
                    std::size_t cgt = html.find('>', close);
                    i = cgt == std::string_view::npos ? html.size() : cgt + 1;
                }
                continue;
            }
            if (name == "br") {
                out += '\n';
            } else {
                std::string base = name.empty() || name[0] != '/' ? name : name.substr(1);
                static const char* blocks[] = {"p",     "div", "tr", "li", "h1",   "h2",
                                               "h3",    "h4",  "h5", "h6", "pre",  "blockquote",
                                               "table", "ul",  "ol", "hr", "body", "html"};
                for (const char* b : blocks)
                    if (base == b) newline();
            }
            continue;
        }
        if (c == '&') {
            // Entities are short: look no further than 12 bytes, so a text of
            // ampersands stays linear.
            std::size_t semi = html.substr(0, std::min(html.size(), i + 13)).find(';', i + 1);
            if (semi != std::string_view::npos && semi - i <= 12) {
                std::string_view ent = html.substr(i + 1, semi - i - 1);
                if (!ent.empty() && ent[0] == '#') {
                    unsigned long cp = 0;
                    bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
                    bool ok = ent.size() > (hex ? 2u : 1u);
                    for (std::size_t j = hex ? 2 : 1; j < ent.size() && ok; ++j) {
                        char d = ent[j];
                        int v = d >= '0' && d <= '9'          ? d - '0'
                                : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                                : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                                              : -1;
                        if (v < 0) ok = false;
                        cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(v < 0 ? 0 : v);
                        if (cp > 0x10FFFF) cp = 0x110000;
                    }
                    if (ok) {
                        append_utf8(out, cp == 0xA0 ? ' ' : cp);
                        i = semi + 1;
                        continue;
                    }
                } else if (auto v = named_entity(to_lower(ent))) {
                    out += *v;
                    i = semi + 1;
                    continue;
                }
            }
        }
        if (c == '\r') {
            ++i;
            continue;
        }
        out += c;
        ++i;
    }
    return out;
}

bool looks_like_email(std::string_view s) {
    auto at = s.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= s.size() || s.size() > 254)
        return false;
    if (s.find('@', at + 1) != std::string_view::npos) return false;
    for (char c : s)
        if (std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == ',' ||
            c == '"' || static_cast<unsigned char>(c) < 0x20)
            return false;
    return s.find('.', at) != std::string_view::npos;
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> out;
    size_t b = 0;
    while (b <= text.size()) {
        size_t e = text.find('\n', b);
        if (e == std::string_view::npos) e = text.size();
        std::string_view line = text.substr(b, e - b);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.emplace_back(line);
        if (e == text.size()) break;
        b = e + 1;
    }
    return out;
}

}  // namespace embargo
