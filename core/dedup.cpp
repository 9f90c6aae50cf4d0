// Report de-duplication: text normalisation, shingles, MinHash, LSH bands.
#include "core/dedup.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "core/text.hpp"

namespace embargo::dedup {
namespace {

// splitmix64's finaliser: a cheap 64-bit mix with full avalanche.
std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

// One seed per MinHash function. Fixed forever: stored signatures depend on it.
const std::array<std::uint64_t, kSignatureSize>& seeds() {
    static const auto s = [] {
        std::array<std::uint64_t, kSignatureSize> a{};
        std::uint64_t state = 0x454d424152474f21ULL;
        for (auto& v : a) {
            state += 0x9e3779b97f4a7c15ULL;
            v = mix64(state);
        }
        return a;
    }();
    return s;
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string_view trim_view(std::string_view s) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && to_lower(s.substr(0, prefix.size())) == prefix;
}

bool is_word_byte(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

std::vector<std::string> words_of(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && !is_word_byte(static_cast<unsigned char>(s[i]))) ++i;
        size_t b = i;
        while (i < s.size() && is_word_byte(static_cast<unsigned char>(s[i]))) ++i;
        if (i > b) out.push_back(to_lower(s.substr(b, i - b)));
    }
    return out;
}

// Only mail that is HTML from its first character (or says so) is converted:
// a plain-text report may well quote HTML as its proof of concept.
bool looks_like_html(std::string_view text) {
    std::string head = to_lower(trim_view(text.substr(0, 4096)));
    if (head.find("<html") != std::string::npos || head.find("<body") != std::string::npos ||
        head.rfind("<!doctype html", 0) == 0)
        return true;
    return !head.empty() && head.front() == '<' && head.find("</") != std::string::npos;
}

struct Line {
    std::string_view content;  // without quote markers and surrounding blanks
    int depth = 0;             // number of '>' quote markers
};

Line split_quote(std::string_view raw) {
    size_t i = 0;
    int depth = 0;
    for (;;) {
        while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t')) ++i;
        if (i < raw.size() && raw[i] == '>') {
            ++depth;
            ++i;
            continue;
        }
        break;
    }
    return Line{trim_view(raw.substr(i)), depth};
}

bool is_forward_separator(std::string_view content) {
    std::string s = to_lower(content);
    auto deco = [](char c) { return c == '-' || c == '_' || c == '*' || c == '=' || c == ' '; };
    size_t b = 0, e = s.size();
    while (b < e && deco(s[b])) ++b;
    while (e > b && deco(s[e - 1])) --e;
    std::string_view core = std::string_view(s).substr(b, e - b);
    if (!core.empty() && core.back() == ':') core.remove_suffix(1);
    for (std::string_view sep :
         {"forwarded message", "original message", "begin forwarded message",
          "weitergeleitete nachricht", "ursprüngliche nachricht", "message transféré",
          "message d'origine", "mensaje reenviado", "mensaje original"})
        if (core == sep) return true;
    return false;
}

enum class HeaderRole { None, From, When, To, Subject, Other };

// The role of a mail-header-like line ("From: ...", "*Sent:* ...") as mail
// clients write them above forwarded or quoted mail.
HeaderRole header_role(std::string_view content) {
    auto colon = content.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 24) return HeaderRole::None;
    std::string key = to_lower(trim_view(content.substr(0, colon)));
    while (!key.empty() && key.front() == '*') key.erase(0, 1);
    while (!key.empty() && key.back() == '*') key.pop_back();
    for (std::string_view k : {"from", "von", "de"})
        if (key == k) return HeaderRole::From;
    for (std::string_view k : {"sent", "date", "gesendet", "datum", "envoyé", "enviado", "fecha"})
        if (key == k) return HeaderRole::When;
    for (std::string_view k : {"to", "cc", "bcc", "an", "à", "para"})
        if (key == k) return HeaderRole::To;
    for (std::string_view k : {"subject", "betreff", "objet", "asunto"})
        if (key == k) return HeaderRole::Subject;
    for (std::string_view k : {"reply-to", "importance", "message-id", "organization"})
        if (key == k) return HeaderRole::Other;
    return HeaderRole::None;
}

// A header block without a separator (Outlook's "From: / Sent: / To: /
// Subject:" above a quoted mail) starts at `i` when at least three header
// lines follow each other there, with a sender and a date or subject.
bool header_block_starts(const std::vector<Line>& lines, size_t i) {
    if (header_role(lines[i].content) != HeaderRole::From) return false;
    int count = 0;
    bool when_or_subject = false;
    for (size_t j = i; j < lines.size() && j < i + 8; ++j) {
        if (lines[j].depth != lines[i].depth) break;
        HeaderRole r = header_role(lines[j].content);
        if (r == HeaderRole::None) break;
        ++count;
        if (r == HeaderRole::When || r == HeaderRole::Subject) when_or_subject = true;
    }
    return count >= 3 && when_or_subject;
}

// "On Tue, 24 Nov 2026, Eve <eve@example.net> wrote:" and its translations.
bool is_attribution(std::string_view content) {
    if (content.size() > 300) return false;
    std::string s = to_lower(content);
    for (std::string_view end :
         {"wrote:", "wrote :", "schrieb:", "a écrit :", "a écrit:", "escribió:", "scritto:"})
        if (s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0)
            return true;
    // "Am 24.11.2026 um 10:00 schrieb Eve Reporter <eve@example.net>:"
    return s.rfind("am ", 0) == 0 && s.find(" schrieb ") != std::string::npos && s.back() == ':';
}

bool in_list(std::string_view w, std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), w) != list.end();
}

// "Hi team," / "Dear security team," / "Good morning all": carries no content
// and is the part a re-sent report most often changes.
bool is_greeting(const std::vector<std::string>& words) {
    if (words.empty() || words.size() > 6) return false;
    if (in_list(words[0], {"hi", "hello", "hey", "dear", "greetings", "hallo", "hiya", "howdy",
                           "bonjour", "morning", "hola"}))
        return true;
    return words[0] == "good" && words.size() > 1 &&
           in_list(words[1], {"morning", "afternoon", "evening", "day"});
}

// "Thanks," / "Best regards," / "Kind regards": likewise.
bool is_closing(const std::vector<std::string>& words) {
    if (words.empty() || words.size() > 4) return false;
    for (const auto& w : words)
        if (!in_list(w,
                     {"thanks",  "thank",        "you",       "many",       "best",      "regards",
                      "kind",    "warm",         "warmest",   "cheers",     "sincerely", "yours",
                      "truly",   "br",           "thx",       "all",        "the",       "with",
                      "wishes",  "respectfully", "greetings", "faithfully", "cordially", "in",
                      "advance", "again"}))
            return false;
    return true;
}

}  // namespace

std::string normalise(std::string_view text) {
    text = text.substr(0, kMaxTextBytes);
    std::string converted;
    if (looks_like_html(text)) {
        converted = html_to_text(text);
        text = converted;
    }
    std::vector<std::string> raw_lines = split_lines(text);
    std::vector<Line> lines;
    lines.reserve(raw_lines.size());
    for (const auto& l : raw_lines) lines.push_back(split_quote(l));

    enum class Mode { Text, Armor, ArmorHeaders, Headers, Signature } mode = Mode::Text;
    int sig_depth = 0;
    bool headers_seen = false;
    // Kept lines, as word lists, with the raw line index they came from.
    std::vector<std::pair<size_t, std::vector<std::string>>> kept;

    for (size_t i = 0; i < lines.size(); ++i) {
        std::string_view c = lines[i].content;
        const int depth = lines[i].depth;

        if (mode == Mode::Armor) {
            if (c.rfind("-----END PGP ", 0) == 0) mode = Mode::Text;
            continue;
        }
        if (mode == Mode::ArmorHeaders) {
            if (c.empty()) mode = Mode::Text;
            continue;
        }
        if (c.rfind("-----BEGIN PGP SIGNED MESSAGE-----", 0) == 0) {
            mode = Mode::ArmorHeaders;  // "Hash: SHA256" lines up to a blank line
            continue;
        }
        if (c.rfind("-----BEGIN PGP ", 0) == 0) {
            mode = Mode::Armor;  // signature, ciphertext or key: no report words
            continue;
        }
        if (mode == Mode::Headers) {
            if (header_role(c) != HeaderRole::None) {
                headers_seen = true;
                continue;
            }
            if (c.empty()) {
                if (headers_seen) mode = Mode::Text;
                continue;
            }
            // A folded header value continues on an indented line.
            const std::string& raw = raw_lines[i];
            if (headers_seen && depth == 0 && !raw.empty() && (raw[0] == ' ' || raw[0] == '\t'))
                continue;
            mode = Mode::Text;  // the forwarded text starts without a blank line
        }
        if (is_forward_separator(c)) {
            mode = Mode::Headers;
            headers_seen = false;
            continue;
        }
        if (header_block_starts(lines, i)) {
            mode = Mode::Headers;
            headers_seen = true;
            continue;
        }
        if (is_attribution(c)) {
            // A long "On DATE, NAME <ADDR>" wraps before "wrote:".
            if (!starts_with_ci(c, "on ") && !kept.empty() && kept.back().first + 1 == i &&
                lines[i - 1].depth == depth && starts_with_ci(lines[i - 1].content, "on "))
                kept.pop_back();
            if (mode == Mode::Signature) mode = Mode::Text;
            continue;
        }
        if (mode == Mode::Signature) {
            if (depth == sig_depth || c.empty()) continue;
            mode = Mode::Text;  // the quoted mail below a signature is content again
        }
        if (c == "--") {
            mode = Mode::Signature;
            sig_depth = depth;
            continue;
        }
        // OpenPGP cleartext signatures dash-escape lines starting with '-'.
        if (c.rfind("- -", 0) == 0) c.remove_prefix(2);
        auto words = words_of(c);
        if (words.empty() || is_greeting(words) || is_closing(words)) continue;
        kept.emplace_back(i, std::move(words));
    }

    std::string out;
    for (const auto& [index, words] : kept)
        for (const auto& w : words) {
            if (!out.empty()) out += ' ';
            out += w;
        }
    return out;
}

std::size_t word_count(std::string_view normalised) {
    if (normalised.empty()) return 0;
    return static_cast<std::size_t>(std::count(normalised.begin(), normalised.end(), ' ')) + 1;
}

std::vector<std::uint64_t> shingles(std::string_view normalised) {
    std::vector<std::uint64_t> words;
    size_t b = 0;
    while (b < normalised.size()) {
        size_t e = normalised.find(' ', b);
        if (e == std::string_view::npos) e = normalised.size();
        if (e > b) words.push_back(fnv1a(normalised.substr(b, e - b)));
        b = e + 1;
    }
    std::vector<std::uint64_t> out;
    if (words.empty()) return out;
    const size_t k = std::min(kShingleWords, words.size());
    out.reserve(words.size() - k + 1);
    for (size_t i = 0; i + k <= words.size(); ++i) {
        std::uint64_t h = 0x6a09e667f3bcc908ULL ^ k;
        for (size_t j = 0; j < k; ++j) h = mix64(h ^ words[i + j]);
        out.push_back(h);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Sketch make_sketch(const std::vector<std::uint64_t>& shingle_hashes) {
    std::array<std::uint64_t, kSignatureSize> mins;
    mins.fill(std::numeric_limits<std::uint64_t>::max());
    const auto& seed = seeds();
    for (std::uint64_t x : shingle_hashes)
        for (size_t i = 0; i < kSignatureSize; ++i) mins[i] = std::min(mins[i], mix64(x ^ seed[i]));
    Sketch s;
    // The upper 32 bits of each minimum: half the storage, and a false match
    // of one value has a probability of 2^-32.
    for (size_t i = 0; i < kSignatureSize; ++i)
        s.minhash[i] = static_cast<std::uint32_t>(mins[i] >> 32);
    s.shingles = static_cast<std::uint32_t>(
        std::min<std::size_t>(shingle_hashes.size(), std::numeric_limits<std::uint32_t>::max()));
    return s;
}

std::optional<Sketch> sketch_text(std::string_view text, std::size_t min_words) {
    std::string norm = normalise(text);
    if (norm.empty() || word_count(norm) < std::max<std::size_t>(min_words, 1)) return std::nullopt;
    return make_sketch(shingles(norm));
}

bool valid_banding(int bands, int rows) {
    return bands >= 1 && rows >= 1 &&
           static_cast<std::size_t>(bands) * static_cast<std::size_t>(rows) <= kSignatureSize;
}

std::vector<std::int64_t> band_keys(const Sketch& s, int bands, int rows) {
    if (!valid_banding(bands, rows))
        throw std::invalid_argument("dedup banding " + std::to_string(bands) + "x" +
                                    std::to_string(rows) + " needs bands, rows >= 1 and bands * " +
                                    "rows <= " + std::to_string(kSignatureSize));
    std::vector<std::int64_t> keys;
    keys.reserve(static_cast<size_t>(bands));
    for (int b = 0; b < bands; ++b) {
        // The band's number is part of the key: equal values in different
        // bands say nothing.
        std::uint64_t h = mix64(0x243f6a8885a308d3ULL + static_cast<std::uint64_t>(b));
        for (int r = 0; r < rows; ++r) h = mix64(h ^ s.minhash[static_cast<size_t>(b * rows + r)]);
        keys.push_back(static_cast<std::int64_t>(h));
    }
    return keys;
}

double jaccard(const Sketch& a, const Sketch& b) {
    if (a.shingles == 0 || b.shingles == 0) return 0.0;
    size_t same = 0;
    for (size_t i = 0; i < kSignatureSize; ++i) same += a.minhash[i] == b.minhash[i];
    return static_cast<double>(same) / static_cast<double>(kSignatureSize);
}

double similarity(const Sketch& a, const Sketch& b) {
    const double j = jaccard(a, b);
    const double small = std::min(a.shingles, b.shingles);
    const double large = std::max(a.shingles, b.shingles);
    if (small == 0) return 0.0;
    if (small * 2 < large) return j;
    // |A ∩ B| = J / (1 + J) * (|A| + |B|)
    const double common = j / (1.0 + j) * (small + large);
    return std::max(j, std::min(1.0, common / small));
}

std::string encode(const Sketch& s) {
    std::string out;
    out.reserve(kSignatureSize * 4);
    for (std::uint32_t v : s.minhash)
        for (int byte = 0; byte < 4; ++byte) out += static_cast<char>((v >> (8 * byte)) & 0xff);
    return out;
}

std::optional<Sketch> decode(std::string_view minhash, std::int64_t shingles) {
    if (minhash.size() != kSignatureSize * 4 || shingles < 0 ||
        shingles > std::numeric_limits<std::uint32_t>::max())
        return std::nullopt;
    Sketch s;
    for (size_t i = 0; i < kSignatureSize; ++i) {
        std::uint32_t v = 0;
        for (int byte = 0; byte < 4; ++byte)
            v |= static_cast<std::uint32_t>(static_cast<unsigned char>(minhash[i * 4 + byte]))
                 << (8 * byte);
        s.minhash[i] = v;
    }
    s.shingles = static_cast<std::uint32_t>(shingles);
    return s;
}

std::vector<Match> rank(const Sketch& s, const std::vector<Candidate>& candidates,
                        double threshold) {
    std::vector<Match> out;
    for (const auto& c : candidates) {
        double sim = similarity(s, c.sketch);
        if (sim < threshold) continue;
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const Match& m) { return m.case_id == c.case_id; });
        if (it == out.end())
            out.push_back(Match{c.case_id, sim});
        else
            it->similarity = std::max(it->similarity, sim);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Match& a, const Match& b) { return a.similarity > b.similarity; });
    return out;
}

}  // namespace embargo::dedup
