// Text utilities: trimming, lower-casing, HTML to text.
#include "core/text.hpp"

#include <cctype>

namespace embargo {

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
    size_t i = 0;
    auto starts_ci = [&](size_t pos, std::string_view w) {
        if (pos + w.size() > html.size()) return false;
        for (size_t k = 0; k < w.size(); ++k)
            if (std::tolower(static_cast<unsigned char>(html[pos + k])) != w[k]) return false;
        return true;
    };
    while (i < html.size()) {
        char c = html[i];
        if (c == '<') {
            size_t close = html.find('>', i);
            if (close == std::string_view::npos) break;
            for (std::string_view skip : {"<script", "<style"}) {
                if (starts_ci(i, skip)) {
                    std::string end = "</" + std::string(skip.substr(1));
                    size_t e = i;
                    while (e < html.size() && !starts_ci(e, end)) ++e;
                    close = html.find('>', e);
                    if (close == std::string_view::npos) close = html.size() - 1;
                }
            }
            for (std::string_view blk : {"<br", "<p", "</p", "<div", "</div", "<tr", "<li", "<pre",
                                         "</pre", "<blockquote", "</blockquote", "<h"}) {
                if (starts_ci(i, blk)) {
                    out += '\n';
                    break;
                }
            }
            i = close + 1;
            continue;
        }
        if (c == '&') {
            static const std::pair<std::string_view, std::string_view> ents[] = {
                {"&lt;", "<"},   {"&gt;", ">"},   {"&amp;", "&"},  {"&quot;", "\""},
                {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}, {"&#43;", "+"}, {"&#47;", "/"}};
            bool done = false;
            for (const auto& [e, r] : ents)
                if (starts_ci(i, e)) {
                    out += r;
                    i += e.size();
                    done = true;
                    break;
                }
            if (done) continue;
        }
        if (c != '\r') out += c;
        ++i;
    }
    return out;
}

bool looks_like_email(std::string_view s) {
    auto at = s.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= s.size() || s.size() > 254) return false;
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
