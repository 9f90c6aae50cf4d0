// Command-line parsing and argument validation. Every loop is bounded by the
// input length or by the limits in Options; echoes of user input in error
// messages are shortened.
#include "parsers/commands.hpp"

#include <algorithm>
#include <cctype>

#include "core/case.hpp"
#include "core/forge.hpp"
#include "core/time.hpp"
#include "parsers/cvss.hpp"

namespace embargo::commands {
namespace {

using workflow::command_from_keyword;
using workflow::command_table;

bool blank(char ch) {
    return ch == ' ' || ch == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

// User input quoted back in an error, shortened and without control characters.
std::string echo(std::string_view s) {
    constexpr std::size_t kMax = 60;
    std::string out;
    for (std::size_t i = 0; i < s.size() && out.size() < kMax; ++i) {
        unsigned char ch = static_cast<unsigned char>(s[i]);
        out += ch < 0x20 || ch == 0x7f ? '?' : static_cast<char>(ch);
    }
    if (s.size() > kMax) out += "...";
    return "\"" + out + "\"";
}

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        unsigned char ch = static_cast<unsigned char>(c);
        return (ch < 0x20 && ch != '\t') || ch == 0x7f;
    });
}

// Splits on blanks and, for lists, commas.
std::vector<std::string_view> split(std::string_view s, bool commas) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    auto sep = [&](char ch) { return blank(ch) || (commas && ch == ','); };
    while (i < s.size()) {
        while (i < s.size() && sep(s[i])) ++i;
        std::size_t start = i;
        while (i < s.size() && !sep(s[i])) ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

bool email_local_char(char ch) {
    if (std::isalnum(static_cast<unsigned char>(ch))) return true;
    return std::string_view("!#$%&'*+/=?^_`{|}~.-").find(ch) != std::string_view::npos;
}

bool valid_domain(std::string_view d) {
    if (d.empty() || d.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        char ch = d[i];
        if (ch == '.') {
            if (label == 0 || d[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
        if (label == 0 && ch == '-') return false;
        if (++label > 63) return false;
    }
    return label > 0 && d.back() != '-';
}

class Parser {
  public:
    Parser(std::string_view text, const Options& opts) : text_(text), opts_(opts) {}
    ParseResult run();

  private:
    void error(int line, std::string msg) {
        ++error_count_;
        if (result_.errors.size() < opts_.max_errors)
            result_.errors.push_back("line " + std::to_string(line) + ": " + std::move(msg));
    }
    // Returns true when the line is a command line (valid or not).
    bool command_line(std::string_view line, int number);
    void arguments(Command& cmd, std::string_view args, const std::string& kw);

    std::string_view text_;
    const Options& opts_;
    ParseResult result_;
    std::size_t error_count_ = 0;
    std::size_t command_count_ = 0;
};

ParseResult Parser::run() {
    std::size_t pos = 0;
    int number = 0;
    bool after_signature = false;
    while (pos < text_.size()) {
        std::size_t nl = text_.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? text_.size() : nl + 1;
        std::string_view raw = text_.substr(pos, end - pos);  // with its line break
        pos = end;
        ++number;
        std::string_view line = raw;
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line == "-- " || line == "--") after_signature = true;
        bool is_command = false;
        if (!after_signature) {
            // Blanks before the slash; HTML-to-text conversion leaves no-break spaces.
            std::size_t first = 0;
            for (;;) {
                if (first < line.size() && blank(line[first]))
                    ++first;
                else if (line.substr(first, 2) == "\xC2\xA0")
                    first += 2;
                else
                    break;
            }
            if (first < line.size() && line[first] == '/')
                is_command = command_line(line.substr(first), number);
        }
        if (!is_command) result_.text_without_commands.append(raw);
    }
    if (error_count_ > result_.errors.size())
        result_.errors.push_back(std::to_string(error_count_ - result_.errors.size()) +
                                 " more error(s) not listed");
    if (!result_.errors.empty()) result_.commands.clear();
    return std::move(result_);
}

bool Parser::command_line(std::string_view line, int number) {
    std::string_view rest = line.substr(1);
    std::size_t tok_end = 0;
    while (tok_end < rest.size() && !blank(rest[tok_end])) ++tok_end;
    std::string_view token = rest.substr(0, tok_end);
    if (token.empty()) return false;
    std::string word = lower(token.substr(0, std::min<std::size_t>(token.size(), 64)));
    auto kind = token.size() <= 64 ? command_from_keyword(word) : std::nullopt;
    if (!kind) {
        if (auto kw = likely_typo(word)) {
            std::string shown;
            for (char c : token) shown += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
            error(number,
                  "/" + shown + " is not a command; did you mean /" + std::string(*kw) + "?");
            return true;
        }
        return false;  // a path, a URL, ordinary text
    }
    if (++command_count_ > opts_.max_commands) {
        if (command_count_ == opts_.max_commands + 1)
            error(number, "too many commands in one message (at most " +
                              std::to_string(opts_.max_commands) + "); send them in parts");
        return true;
    }
    if (line.size() > opts_.max_line_bytes) {
        error(number, "/" + word + ": the line is too long (at most " +
                          std::to_string(opts_.max_line_bytes) + " bytes)");
        return true;
    }
    Command cmd;
    cmd.kind = *kind;
    cmd.line = number;
    std::size_t before = error_count_;
    arguments(cmd, trim(rest.substr(tok_end)), word);
    if (error_count_ == before) result_.commands.push_back(std::move(cmd));
    return true;
}

void Parser::arguments(Command& cmd, std::string_view args, const std::string& kw) {
    const int line = cmd.line;
    const std::string usage =
        std::string(command_table()[static_cast<std::size_t>(cmd.kind)].usage);
    auto fail = [&](const std::string& what) { error(line, "/" + kw + ": " + what); };
    auto tokens = [&](bool commas) -> std::optional<std::vector<std::string_view>> {
        auto t = split(args, commas);
        if (t.size() > opts_.max_values) {
            fail("too many values (at most " + std::to_string(opts_.max_values) + ")");
            return std::nullopt;
        }
        for (auto v : t)
            if (v.size() > opts_.max_token_bytes) {
                fail("a value is too long (at most " + std::to_string(opts_.max_token_bytes) +
                     " bytes)");
                return std::nullopt;
            }
        return t;
    };
    auto no_args = [&] {
        if (!args.empty()) fail("takes no argument (usage: " + usage + ")");
    };
    auto text = [&](bool required) {
        if (required && args.empty()) {
            fail("a text is required (usage: " + usage + ")");
            return;
        }
        if (args.size() > opts_.max_text_bytes) {
            fail("the text is too long (at most " + std::to_string(opts_.max_text_bytes) +
                 " bytes)");
            return;
        }
        if (has_control(args)) {
            fail("the text contains control characters");
            return;
        }
        cmd.text = std::string(args);
    };
    auto emails = [&](std::size_t min, std::size_t max) {
        auto t = tokens(true);
        if (!t) return;
        if (t->size() < min || t->size() > max) {
            fail(min == max ? "give exactly one address (usage: " + usage + ")"
                            : "give at least one address (usage: " + usage + ")");
            return;
        }
        for (auto v : *t) {
            if (cmd.kind == CommandKind::Lead && lower(v) == "me") {
                cmd.values.push_back("me");
                continue;
            }
            // "/cc EMAIL github:LOGIN": the login belongs to the address before it.
            if (cmd.kind == CommandKind::Cc && lower(v.substr(0, 7)) == "github:") {
                std::string_view login = v.substr(7);
                if (cmd.values.empty() || cmd.logins.size() != cmd.values.size() ||
                    !cmd.logins.back().empty()) {
                    fail(echo(v) + " must follow the address it belongs to (usage: " + usage + ")");
                    return;
                }
                if (!forge::valid_login(login)) {
                    fail(echo(login) +
                         " is not a GitHub login (letters, digits and single hyphens, at most "
                         "39)");
                    return;
                }
                cmd.logins.back() = std::string(login);
                continue;
            }
            auto e = normalise_email(v);
            if (!e) {
                fail(echo(v) + " is not an email address");
                return;
            }
            cmd.values.push_back(*e);
            if (cmd.kind == CommandKind::Cc) cmd.logins.emplace_back();
        }
        if (std::all_of(cmd.logins.begin(), cmd.logins.end(),
                        [](const std::string& l) { return l.empty(); }))
            cmd.logins.clear();
    };
    auto versions = [&] {
        auto t = tokens(true);
        if (!t) return;
        if (t->empty()) {
            fail("give at least one version (usage: " + usage + ")");
            return;
        }
        for (auto v : *t) {
            auto n = normalise_version(v);
            if (!n) {
                fail(echo(v) + " is not a version or branch name (letters, digits, . _ - + /)");
                return;
            }
            if (std::find(cmd.values.begin(), cmd.values.end(), *n) == cmd.values.end())
                cmd.values.push_back(*n);
        }
    };
    auto urls = [&](std::size_t min, std::size_t max) {
        auto t = tokens(false);
        if (!t) return;
        if (t->size() < min || t->size() > max) {
            fail(max == 1 ? (min ? "give one URL" : "give at most one URL") +
                                std::string(" (usage: ") + usage + ")"
                          : "give at least one URL (usage: " + usage + ")");
            return;
        }
        for (auto v : *t) {
            auto u = normalise_url(v);
            if (!u) {
                fail(echo(v) + " is not an http:// or https:// URL");
                return;
            }
            cmd.values.push_back(*u);
        }
    };
    auto single = [&]() -> std::optional<std::string_view> {
        auto t = tokens(false);
        if (!t) return std::nullopt;
        if (t->size() != 1) {
            fail("give exactly one value (usage: " + usage + ")");
            return std::nullopt;
        }
        return t->front();
    };

    switch (cmd.kind) {
        case CommandKind::Lead:
            emails(1, 1);
            break;
        case CommandKind::Cc:
        case CommandKind::Uncc:
            emails(1, opts_.max_values);
            break;
        case CommandKind::Organized:
        case CommandKind::Fixed:
        case CommandKind::Reply:
            if (lower(args) == "draft")
                cmd.values.push_back("draft");
            else if (!args.empty())
                fail("takes no argument but draft (usage: " + usage + ")");
            break;
        case CommandKind::Announce:
        case CommandKind::Fork:
        case CommandKind::Status:
        case CommandKind::Help:
            no_args();
            break;
        case CommandKind::Cvss: {
            auto v = single();
            if (!v) break;
            try {
                cvss::Score s = cvss::score(*v);
                cmd.cvss = Cvss{s.vector, s.base_score, s.severity};
            } catch (const cvss::CvssError& e) {
                fail(std::string("invalid vector: ") + e.what());
            }
            break;
        }
        case CommandKind::Public:
            urls(0, 1);
            break;
        case CommandKind::Slow:
        case CommandKind::Reject:
        case CommandKind::Mitigation:
            text(true);
            break;
        case CommandKind::Retrospective:
            text(false);
            break;
        case CommandKind::Affects:
        case CommandKind::Released:
            versions();
            break;
        case CommandKind::Pr:
            urls(1, opts_.max_values);
            break;
        case CommandKind::ReleaseDate: {
            auto v = single();
            if (!v) break;
            auto t = parse_iso8601(*v, true);
            if (!t) {
                fail(echo(*v) + " is not a date; use 2026-12-05T14:00:00Z or 2026-12-05 (UTC)");
                break;
            }
            cmd.when = *t;
            break;
        }
        case CommandKind::Cve: {
            auto v = single();
            if (!v) break;
            auto c = normalise_cve(*v);
            if (!c) {
                fail(echo(*v) + " is not a CVE id like CVE-2026-12345");
                break;
            }
            cmd.values.push_back(*c);
            break;
        }
        case CommandKind::Merge: {
            auto v = single();
            if (!v) break;
            auto id = normalise_case_id(*v, opts_.case_prefix);
            if (!id) {
                fail(echo(*v) + " is not a case id" +
                     (opts_.case_prefix.empty() ? std::string()
                                                : " like " + opts_.case_prefix + "-2026-0001"));
                break;
            }
            cmd.values.push_back(*id);
            break;
        }
    }
}

}  // namespace

ParseResult parse(std::string_view text, const Options& opts) {
    return Parser(text, opts).run();
}

std::optional<std::string> normalise_email(std::string_view s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    if (s.empty() || s.size() > 254) return std::nullopt;
    std::size_t at = s.find('@');
    if (at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
        return std::nullopt;
    std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
    if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
        local.find("..") != std::string_view::npos)
        return std::nullopt;
    if (!std::all_of(local.begin(), local.end(), email_local_char)) return std::nullopt;
    if (!valid_domain(domain)) return std::nullopt;
    return lower(s);
}

std::optional<std::string> normalise_url(std::string_view s) {
    if (s.size() > 2048) return std::nullopt;
    std::string scheme;
    std::string l = lower(s.substr(0, std::min<std::size_t>(s.size(), 8)));
    if (l.rfind("https://", 0) == 0)
        scheme = "https://";
    else if (l.rfind("http://", 0) == 0)
        scheme = "http://";
    else
        return std::nullopt;
    std::string_view rest = s.substr(scheme.size());
    for (char c : rest) {
        unsigned char ch = static_cast<unsigned char>(c);
        if (ch <= 0x20 || ch == 0x7f || ch == '"' || ch == '<' || ch == '>' || ch == '\\')
            return std::nullopt;
    }
    std::size_t host_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, host_end);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    std::string_view host = authority;
    if (host.front() == '[') {  // IPv6 literal
        std::size_t close = host.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        std::string_view after = host.substr(close + 1);
        if (!after.empty() && after.front() != ':') return std::nullopt;
        host = host.substr(1, close - 1);
        if (host.empty() ||
            host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
            return std::nullopt;
    } else {
        std::size_t colon = host.find(':');
        if (colon != std::string_view::npos) {
            std::string_view port = host.substr(colon + 1);
            if (port.empty() || port.size() > 5 ||
                port.find_first_not_of("0123456789") != std::string_view::npos ||
                std::stoi(std::string(port)) > 65535)
                return std::nullopt;
            host = host.substr(0, colon);
        }
        if (!valid_domain(host)) return std::nullopt;
    }
    return scheme + std::string(rest);
}

std::optional<std::string> normalise_version(std::string_view s) {
    if (s.empty() || s.size() > 64) return std::nullopt;
    bool alnum = false;
    for (char c : s) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            alnum = true;
            continue;
        }
        if (std::string_view("._-+/").find(c) == std::string_view::npos) return std::nullopt;
    }
    if (!alnum || s.front() == '-' || s.front() == '/') return std::nullopt;
    return std::string(s);
}

std::optional<std::string> normalise_cve(std::string_view s) {
    std::string u = upper(s);
    if (u.size() < 13 || u.size() > 28 || u.rfind("CVE-", 0) != 0 || u[8] != '-')
        return std::nullopt;
    int year = 0;
    for (std::size_t i = 4; i < 8; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(u[i]))) return std::nullopt;
        year = year * 10 + (u[i] - '0');
    }
    if (year < 1999) return std::nullopt;
    std::string_view num = std::string_view(u).substr(9);
    if (num.size() < 4 || num.size() > 19) return std::nullopt;
    if (num.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    return u;
}

std::optional<std::string> normalise_case_id(std::string_view s, std::string_view prefix) {
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    if (s.empty() || s.size() > 64) return std::nullopt;
    std::string u = upper(s);
    // PREFIX-YYYY-NNNN: without a configured prefix, it is everything before the year.
    std::size_t second = u.rfind('-');
    if (second == std::string::npos || second < 5) return std::nullopt;
    std::size_t first = second - 5;
    if (u[first] != '-' || first == 0) return std::nullopt;
    std::string p = u.substr(0, first);
    if (!prefix.empty() && p != upper(prefix)) return std::nullopt;
    for (char c : p)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            return std::nullopt;
    std::string_view year = std::string_view(u).substr(first + 1, 4);
    std::string_view num = std::string_view(u).substr(second + 1);
    if (year.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    if (num.size() < 4 || num.size() > 9 ||
        num.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    CaseId id;
    // Keep the configured spelling of the prefix.
    id.prefix = prefix.empty() ? p : std::string(prefix);
    id.year = std::stoi(std::string(year));
    id.number = std::stoi(std::string(num));
    if (id.number == 0) return std::nullopt;
    return id.str();
}

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap) {
    if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > cap) return cap + 1;
    // Three rolling rows of the optimal-string-alignment table.
    std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        std::size_t row_min = cur[0];
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                cur[j] = std::min(cur[j], prev2[j - 2] + 1);
            row_min = std::min(row_min, cur[j]);
        }
        if (row_min > cap) return cap + 1;
        std::swap(prev2, prev);
        std::swap(prev, cur);
    }
    return std::min(prev[b.size()], cap + 1);
}

std::optional<std::string_view> likely_typo(std::string_view word) {
    if (word.empty() || word.size() > 16) return std::nullopt;
    std::optional<std::string_view> best;
    std::size_t best_d = 3;
    for (const auto& info : command_table()) {
        std::size_t limit = info.keyword.size() <= 4 ? 1 : 2;
        std::size_t d = edit_distance(word, info.keyword, limit);
        if (d <= limit && d < best_d) {
            best = info.keyword;
            best_d = d;
        }
    }
    return best;
}

}  // namespace embargo::commands
