// Subject tags, case ids in text and subject normalisation.
#include "core/threading.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace embargo {
namespace {
bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

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
    std::set<std::string> seen;
    if (prefix.empty()) return out;
    for (size_t i = text.find(prefix); i != std::string_view::npos; i = text.find(prefix, i + 1)) {
        size_t len = case_id_length_at(text, i, prefix);
        if (!len) continue;
        std::string id(text.substr(i, len));
        if (CaseId::parse(id, prefix) && seen.insert(id).second) out.push_back(id);
    }
    return out;
}

std::vector<std::string> cases_on_case_lines(std::string_view text, std::string_view prefix) {
    std::vector<std::string> own, quoted;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        // Quote markers as mail clients write them: ">", "> >", ">>".
        size_t p = 0;
        bool is_quoted = false;
        while (p < line.size() && (line[p] == '>' || is_blank(line[p]))) {
            if (line[p] == '>') is_quoted = true;
            ++p;
        }
        line.remove_prefix(p);
        if (line.size() < 5 || lower_ascii(line.substr(0, 5)) != "case:") continue;
        auto& into = is_quoted ? quoted : own;
        for (auto& id : case_ids_in_text(line.substr(5), prefix))
            if (std::find(into.begin(), into.end(), id) == into.end()) into.push_back(id);
    }
    return own.empty() ? quoted : own;
}

namespace {
// One linear pass: strip leading reply/forward markers and [tags], drop
// [tags] elsewhere, fold blanks.
std::string normalise_once(std::string_view subject) {
    std::string s = lower_ascii(subject);
    static const char* kPrefixes[] = {"re", "fwd", "fw", "aw", "wg", "sv", "tr", "vs", "antw"};
    size_t p = 0;
    for (;;) {
        while (p < s.size() && is_blank(s[p])) ++p;
        if (p < s.size() && s[p] == '[') {
            size_t close = s.find(']', p);
            if (close == std::string::npos) break;
            p = close + 1;
            continue;
        }
        bool stripped = false;
        for (const char* pre : kPrefixes) {
            std::string_view pv = pre;
            if (s.compare(p, pv.size(), pv) != 0) continue;
            size_t q = p + pv.size();
            while (q < s.size() && is_blank(s[q])) ++q;
            // "Re[2]:", "Re [tag]:", "Re [a][b]:"
            bool open_tag = false;
            while (q < s.size() && s[q] == '[') {
                size_t close = s.find(']', q);
                if (close == std::string::npos) {
                    open_tag = true;
                    break;
                }
                q = close + 1;
                while (q < s.size() && is_blank(s[q])) ++q;
            }
            if (open_tag) continue;
            if (q < s.size() && s[q] == ':') {
                p = q + 1;
                stripped = true;
                break;
            }
        }
        if (!stripped) break;
    }
    // Where the next ']' is, so "[[[[..." stays linear.
    std::vector<size_t> next_close(s.size() + 1, std::string::npos);
    for (size_t i = s.size(); i-- > p;) next_close[i] = s[i] == ']' ? i : next_close[i + 1];
    std::string out;
    bool blank = false;
    for (size_t i = p; i < s.size(); ++i) {
        if (s[i] == '[') {
            size_t close = next_close[i];
            if (close != std::string::npos) {
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
}  // namespace

std::string normalise_subject(std::string_view subject) {
    // Removing a tag can expose a prefix ("re [x]: y"): repeat until stable,
    // a bounded number of times so hostile subjects stay linear.
    std::string cur = normalise_once(subject);
    for (int i = 0; i < 4; ++i) {
        std::string next = normalise_once(cur);
        if (next == cur) break;
        cur = std::move(next);
    }
    return cur;
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
