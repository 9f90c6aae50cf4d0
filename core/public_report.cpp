// Recognising "already public" reports and the policy's reply asking whether
// the issue can still be handled privately. The detection works on words, not
// regular expressions: hostile text of any size is one linear pass, and the
// phrase list stays readable for the operators who read the documentation.
#include "core/public_report.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "core/notice_text.hpp"

namespace embargo::public_report {
namespace {

struct Token {
    std::string word;
    int sentence = 0;
};

struct Words {
    std::vector<Token> tokens;
    std::vector<bool> question;  // per sentence: ends with '?'
};

bool word_byte(unsigned char ch) {
    return std::isalnum(ch) || ch == '\'' || ch >= 0x80;
}

// The words of the unquoted lines before the signature separator, lower-cased,
// each with its sentence number. Sentences end at . ! ? ; (followed by a
// space or the end), at blank lines and around quoted lines.
Words split_words(std::string_view text) {
    Words w;
    w.question.push_back(false);
    int sentence = 0;
    auto end_sentence = [&](bool question) {
        if (question) w.question[static_cast<std::size_t>(sentence)] = true;
        ++sentence;
        w.question.push_back(false);
    };
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line == "-- " || line == "--") break;
        std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '>') {
            end_sentence(false);
            continue;
        }
        std::string word;
        auto flush = [&] {
            if (word.empty()) return;
            // A typographic apostrophe counts as the plain one ("isn’t").
            for (std::size_t at; (at = word.find("\xE2\x80\x99")) != std::string::npos;)
                word.replace(at, 3, "'");
            w.tokens.push_back(Token{word, sentence});
            word.clear();
        };
        for (std::size_t i = 0; i < line.size(); ++i) {
            unsigned char ch = static_cast<unsigned char>(line[i]);
            if (word_byte(ch)) {
                word += static_cast<char>(std::tolower(ch));
                continue;
            }
            flush();
            bool at_end = i + 1 >= line.size() || line[i + 1] == ' ' || line[i + 1] == '\t';
            if ((ch == '.' || ch == '!' || ch == '?' || ch == ';') && at_end)
                end_sentence(ch == '?');
        }
        flush();
        if (pos > text.size()) break;
    }
    return w;
}

// Phrases that say the issue is out already. Whole words, in this order.
const std::array<std::string_view, 20> kPhrases = {
    "already public",           "already made public",
    "already been made public", "already publicly",
    "already disclosed",        "already been disclosed",
    "already published",        "already been published",
    "already posted publicly",  "been publicly disclosed",
    "was publicly disclosed",   "were publicly disclosed",
    "been disclosed publicly",  "was disclosed publicly",
    "is publicly known",        "are publicly known",
    "is public knowledge",      "are public knowledge",
    "already out in the open",  "already on the public issue tracker",
};

// Words that, shortly before a phrase, make it a denial, a condition or a
// wish rather than a statement: "has not been publicly disclosed", "before it
// is publicly known", "whether it was already disclosed".
bool negates(const std::string& w) {
    static const std::array<std::string_view, 16> kWords = {
        "not",    "never", "no",   "nor",     "without", "if",      "before", "until",
        "unless", "once",  "when", "whether", "after",   "prevent", "avoid",  "cannot",
    };
    if (w.size() >= 3 && w.compare(w.size() - 3, 3, "n't") == 0) return true;
    return std::find(kWords.begin(), kWords.end(), w) != kWords.end();
}

std::vector<std::string> phrase_words(std::string_view p) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < p.size()) {
        std::size_t sp = p.find(' ', pos);
        if (sp == std::string_view::npos) sp = p.size();
        out.emplace_back(p.substr(pos, sp - pos));
        pos = sp + 1;
    }
    return out;
}

constexpr std::size_t kNegationWindow = 4;

}  // namespace

std::optional<std::string> says_public(std::string_view text) {
    const Words w = split_words(text);
    const auto& t = w.tokens;
    std::vector<std::vector<std::string>> phrases;
    for (auto p : kPhrases) phrases.push_back(phrase_words(p));
    for (std::size_t i = 0; i < t.size(); ++i) {
        for (std::size_t p = 0; p < phrases.size(); ++p) {
            const auto& ph = phrases[p];
            if (i + ph.size() > t.size()) continue;
            bool match = true;
            for (std::size_t k = 0; k < ph.size() && match; ++k)
                match = t[i + k].word == ph[k] && t[i + k].sentence == t[i].sentence;
            if (!match) continue;
            if (w.question[static_cast<std::size_t>(t[i].sentence)]) continue;
            bool negated = false;
            for (std::size_t back = 1; back <= kNegationWindow && back <= i && !negated; ++back) {
                const Token& before = t[i - back];
                if (before.sentence != t[i].sentence) break;
                negated = negates(before.word);
            }
            if (!negated) return std::string(kPhrases[p]);
        }
    }
    return std::nullopt;
}

std::string reply_draft(const Case& c, const Config& cfg) {
    const std::string project = cfg.project.name.empty() ? "the project" : cfg.project.name;
    std::string where = c.public_url.empty()
                            ? "We understand that the issue you reported is already public.\n"
                            : "We understand that the issue you reported is already public:\n" +
                                  c.public_url + "\n";
    std::string sender = cfg.smtp.from.empty() ? "The security team" : cfg.smtp.from;
    return "Hello,\n"
           "\n"
           "thank you for reporting this issue to the " +
           project + " security team (case " + c.id +
           ").\n"
           "\n" +
           where +
           "\n"
           "Before we treat it as public, our security policy asks us to check with\n"
           "you: can it still be handled privately? If the public information can\n"
           "be withdrawn, or has reached only a few people, please tell us (and take\n"
           "it down if you can); we will then fix the issue under embargo and agree\n"
           "the disclosure date with you. If it cannot, we will handle it as a\n"
           "public issue and release a fix as soon as possible.\n"
           "\n"
           "Please reply to this message and keep the case id " +
           c.id +
           " in the\n"
           "subject.\n"
           "\n"
           "Thank you,\n" +
           sender + "\n";
}

workflow::NoticeRequest draft_notice(const Case& c, const Config& cfg, std::string_view why) {
    workflow::NoticeRequest n;
    n.kind = "public-reply-draft";
    n.case_id = c.id;
    n.subject = c.subject;
    if (!c.lead.empty())
        n.to = {c.lead};
    else
        n.to = notice_text::all_members(cfg);
    n.body = "Case: " + c.id + "\n\n" + std::string(why) +
             "\n\n"
             "The policy asks the reporter whether the issue can still be handled\n"
             "privately. A ready reply is below. To send it as it is, reply to this\n"
             "message with the command \"/reply draft\" on a line of its own (signed,\n"
             "like every command). To change it, reply with \"/reply\" and your own\n"
             "text instead: quoted lines are never sent to the reporter.\n"
             "\n"
             "----- reply to the reporter -----\n" +
             reply_draft(c, cfg) + "----- end of the reply -----\n";
    return n;
}

}  // namespace embargo::public_report
