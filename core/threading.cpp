// Subject tags, case ids in text and subject normalisation.
#include "core/threading.hpp"

#include <algorithm>
#include <cctype>

namespace embargo {
namespace {
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Length of a case id with this prefix starting at s[pos], or 0.
size_t case_id_length_at(std::string_view s, size_t pos, std::string_view prefix) {
    if (s.substr(pos, prefix.size()) != prefix) return 0;
    size_t p = pos + prefix.size();
    if (p >= s.size() || s[p] != '-') return 0;
    size_t y = ++p;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
    if (p - y != 4 || p >= s.size() || s[p] != '-') return 0;
    size_t n = ++p;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
    if (p - n < 4 || p - n > 9) return 0;
    if (p < s.size() && (std::isalnum(static_cast<unsigned char>(s[p])))) return 0;
    if (pos > 0 && std::isalnum(static_cast<unsigned char>(s[pos - 1]))) return 0;
    return p - pos;
}
}  // namespace

std::optional<std::string> subject_case_tag(std::string_view subject, std::string_view prefix) {
    for (size_t i = 0; i + 1 < subject.size(); ++i) {
        if (subject[i] != '[') continue;
        size_t len = case_id_length_at(subject, i + 1, prefix);
        if (len && i + 1 + len < subject.size() && subject[i + 1 + len] == ']') {
            auto id = std::string(subject.substr(i + 1, len));
            if (CaseId::parse(id, prefix)) return id;
        }
    }
    return std::nullopt;
}

std::vector<std::string> case_ids_in_text(std::string_view text, std::string_view prefix) {
    std::vector<std::string> out;
    if (prefix.empty()) return out;
    for (size_t i = text.find(prefix); i != std::string_view::npos; i = text.find(prefix, i + 1)) {
        size_t len = case_id_length_at(text, i, prefix);
        if (!len) continue;
        std::string id(text.substr(i, len));
        if (CaseId::parse(id, prefix) && std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(id);
    }
    return out;
}

std::string normalise_subject(std::string_view subject) {
    std::string s = lower_ascii(subject);
    // Strip leading reply/forward markers and [tags], repeatedly.
    static const char* kPrefixes[] = {"re", "fwd", "fw", "aw", "wg", "sv", "tr", "vs", "antw"};
    bool changed = true;
    while (changed) {
        changed = false;
        size_t p = 0;
        while (p < s.size() && is_blank(s[p])) ++p;
        if (p < s.size() && s[p] == '[') {
            size_t close = s.find(']', p);
            if (close != std::string::npos) {
                s.erase(0, close + 1);
                changed = true;
                continue;
            }
        }
        for (const char* pre : kPrefixes) {
            std::string_view pv = pre;
            if (s.compare(p, pv.size(), pv) != 0) continue;
            size_t q = p + pv.size();
            if (q < s.size() && s[q] == '[') {  // "Re[2]:"
                size_t close = s.find(']', q);
                if (close == std::string::npos) continue;
                q = close + 1;
            }
            while (q < s.size() && is_blank(s[q])) ++q;
            if (q < s.size() && s[q] == ':') {
                s.erase(0, q + 1);
                changed = true;
                break;
            }
        }
    }
    // Remove any remaining [tags] (e.g. a case tag in the middle) and fold blanks.
    std::string out;
    bool blank = false;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '[') {
            size_t close = s.find(']', i);
            if (close != std::string::npos && close - i < 64) {
                i = close;
                blank = true;
                continue;
            }
        }
        if (is_blank(s[i])) {
            blank = true;
            continue;
        }
        if (blank && !out.empty()) out += ' ';
        blank = false;
        out += s[i];
    }
    return out;
}

std::vector<std::string> thread_candidates(const std::string& in_reply_to,
                                           const std::vector<std::string>& references) {
    std::vector<std::string> out;
    auto add = [&](const std::string& id) {
        if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    };
    add(in_reply_to);
    for (auto it = references.rbegin(); it != references.rend(); ++it) add(*it);
    return out;
}

}  // namespace embargo
