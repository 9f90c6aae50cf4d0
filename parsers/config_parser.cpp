// INI configuration parser and validator (SPEC section 3).
//
// Boost.Program_options reads the INI syntax, but it reports no line numbers
// and knows only '#' comments, so a first pass of our own strips the ';' and
// '#' comments the SPEC uses, checks sections and keys, and remembers the line
// of every occurrence of every key. Boost then parses the cleaned text and each
// value is validated here with its line at hand.
#include "parsers/config_parser.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "core/dedup.hpp"
#include "core/forge.hpp"
#include "parsers/duration.hpp"

namespace embargo {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

std::string locate(const std::string& file, int line, const std::string& key,
                   const std::string& problem) {
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line);
    s += ": ";
    if (!key.empty()) s += key + ": ";
    return s + problem;
}

}  // namespace

ConfigError::ConfigError(std::string file_, int line_, std::string key_, std::string problem_)
    : std::runtime_error(locate(file_, line_, key_, problem_)),
      file(std::move(file_)),
      line(line_),
      key(std::move(key_)),
      problem(std::move(problem_)) {}

namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;
constexpr std::size_t kMaxPasswordBytes = 64 * 1024;

struct KeyDef {
    const char* section;
    const char* name;
    bool repeatable;
    const char* example;  // a value to show when the key is missing
};

// Every key the file may hold. Order = order of the sections in the SPEC.
constexpr KeyDef kKeys[] = {
    {"project", "name", false, "Example Proxy"},
    {"project", "case_prefix", false, "EMST"},
    {"project", "supported", true, "1.13"},
    {"project", "main_branch", false, "master"},
    {"project", "domain", false, "example.org"},
    {"imap", "url", false, "imaps://mail.example.org/INBOX"},
    {"imap", "username", false, "secalert"},
    {"imap", "password_file", false, "/etc/embargo/imap.password"},
    {"imap", "poll_interval", false, "60"},
    {"imap", "processed_mailbox", false, "Processed"},
    {"imap", "starttls", false, "true"},
    {"imap", "ca_file", false, "/etc/embargo/ca.pem"},
    {"imap", "timeout", false, "60s"},
    {"smtp", "url", false, "smtps://mail.example.org"},
    {"smtp", "username", false, "secalert"},
    {"smtp", "password_file", false, "/etc/embargo/smtp.password"},
    {"smtp", "from", false, "Example Security Team <secalert@example.org>"},
    {"smtp", "starttls", false, "true"},
    {"smtp", "ca_file", false, "/etc/embargo/ca.pem"},
    {"smtp", "timeout", false, "60s"},
    {"gpg", "homedir", false, "/var/lib/embargo/gnupg"},
    {"gpg", "key", true, "0123456789ABCDEF0123456789ABCDEF01234567"},
    {"gpg", "encrypt", false, "required"},
    {"gpg", "sign_in_process", false, "true"},
    {"team", "member", true, "Alice Example <alice@example.org> FINGERPRINT"},
    {"team", "away", true, "bob@example.org 2026-12-20 2027-01-05"},
    {"team", "require_signed_commands", false, "true"},
    {"team", "signature_clock_skew", false, "10m"},
    {"team", "announce", true, "users@lists.example.org"},
    {"team", "retrospective", true, "dev@lists.example.org"},
    {"timeline", "organize", false, "24h"},
    {"timeline", "fix", false, "7d"},
    {"timeline", "announce", false, "7d"},
    {"timeline", "release", false, "21d"},
    {"timeline", "retrospective", false, "3d"},
    {"timeline", "slow_extension", false, "14d"},
    {"timeline", "escalate_every", false, "24h"},
    {"timeline", "digest_time", false, "09:00"},
    {"timeline.asap", "organize", false, "4h"},
    {"timeline.asap", "fix", false, "48h"},
    {"timeline.asap", "announce", false, "48h"},
    {"timeline.asap", "release", false, "72h"},
    {"storage", "database", false, "/var/lib/embargo/embargo.db"},
    {"limits", "max_message_bytes", false, "26214400"},
    {"limits", "max_mime_parts", false, "1000"},
    {"limits", "max_mime_depth", false, "20"},
    {"limits", "max_header_bytes", false, "262144"},
    {"limits", "max_keys_per_message", false, "5"},
    {"limits", "max_key_bytes", false, "65536"},
    {"dedup", "similarity", false, "0.8"},
    {"dedup", "window", false, "14d"},
    {"dedup", "bands", false, "16"},
    {"dedup", "rows", false, "4"},
    {"dedup", "min_words", false, "20"},
    {"cve", "cna", false, "mitre"},
    {"cve", "org_id", false, "00000000-0000-4000-8000-000000000000"},
    {"chat", "target", true, "general slack chat-general.url announcement,release-announcement"},
    {"chat", "ca_file", false, "/etc/embargo/ca.pem"},
    {"chat", "timeout", false, "30s"},
    {"distributors", "address", true, "distros@vs.openwall.org"},
    {"distributors", "max_embargo", false, "14d"},
    {"forge", "type", false, "github"},
    {"forge", "api_url", false, "https://api.github.com"},
    {"forge", "repository", false, "example/proxy"},
    {"forge", "token_file", false, "/etc/embargo/github.token"},
    {"forge", "ca_file", false, "/etc/embargo/ca.pem"},
    {"forge", "timeout", false, "30s"},
    {"forge", "login", true, "alice@example.org alice-example"},
    {"daemon", "workers", false, "auto"},
};

std::string full_name(const KeyDef& k) {
    return std::string(k.section) + "." + k.name;
}

const KeyDef* find_key(const std::string& section, const std::string& name) {
    for (const auto& k : kKeys)
        if (section == k.section && name == k.name) return &k;
    return nullptr;
}

std::vector<std::string> known_sections() {
    std::vector<std::string> out;
    for (const auto& k : kKeys)
        if (std::find(out.begin(), out.end(), k.section) == out.end()) out.push_back(k.section);
    return out;
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
    std::string out;
    for (const auto& i : items) {
        if (!out.empty()) out += sep;
        out += i;
    }
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
            diag = up;
        }
    }
    return row[b.size()];
}

// " (did you mean X?)" when exactly one candidate is a likely typo of `word`.
std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = 3;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best.empty() ? "" : " (did you mean " + best + "?)";
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string upper(std::string s) {
    for (auto& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Host names as they appear in addresses and URLs: LDH labels separated by dots.
bool valid_hostname(std::string_view h) {
    if (h.empty() || h.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        char c = h[i];
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
        } else if (is_alpha(c) || is_digit(c) || c == '-' || c == '_') {
            if (++label > 63) return false;
        } else {
            return false;
        }
    }
    return label != 0;
}

// A plain addr-spec (local@domain) without quoting or comments: what the
// daemon compares against From headers, so anything fancier is refused.
bool valid_address(std::string_view a) {
    auto at = a.rfind('@');
    if (at == std::string_view::npos || at == 0 || a.size() > 254) return false;
    std::string_view local = a.substr(0, at);
    for (char c : local) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return false;
        if (std::strchr("<>()[]\\,;:\"@", c)) return false;
    }
    if (local.front() == '.' || local.back() == '.') return false;
    return valid_hostname(a.substr(at + 1));
}

// "Name <addr>" or a bare "addr"; returns {name, addr} or nullopt.
std::optional<std::pair<std::string, std::string>> split_mailbox(std::string_view s) {
    auto lt = s.find('<');
    if (lt == std::string_view::npos) {
        if (!valid_address(s)) return std::nullopt;
        return std::make_pair(std::string(), std::string(s));
    }
    auto gt = s.find('>', lt);
    if (gt == std::string_view::npos || !trim(s.substr(gt + 1)).empty()) return std::nullopt;
    std::string_view addr = s.substr(lt + 1, gt - lt - 1);
    if (!valid_address(addr)) return std::nullopt;
    return std::make_pair(std::string(trim(s.substr(0, lt))), std::string(addr));
}

// An OpenPGP v4 fingerprint: 40 hex digits, blanks allowed for readability
// (as gpg --fingerprint prints it). Returns it upper-cased without blanks.
std::optional<std::string> normalise_fingerprint(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (is_blank(c)) continue;
        if (!is_hex(c)) return std::nullopt;
        out += c;
    }
    if (out.size() != 40) return std::nullopt;
    return upper(out);
}

std::optional<std::chrono::sys_days> parse_day(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!is_digit(s[i])) return std::nullopt;
    auto num = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    std::chrono::year_month_day ymd{std::chrono::year{num(0, 4)},
                                    std::chrono::month{static_cast<unsigned>(num(5, 2))},
                                    std::chrono::day{static_cast<unsigned>(num(8, 2))}};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days{ymd};
}

std::vector<std::string> split_blanks(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_blank(s[i])) ++i;
        std::size_t start = i;
        while (i < s.size() && !is_blank(s[i])) ++i;
        if (i > start) out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0) ::close(fd);
    }
};

std::string mode_string(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
    return buf;
}

// One value of the file together with where it was written.
struct Located {
    std::string value;
    int line = 0;
};

class Parser {
  public:
    Parser(std::string_view text, std::string path) : text_(text), path_(std::move(path)) {
        fs::path p(path_);
        std::error_code ec;
        fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
        base_dir_ = fs::absolute(dir, ec).lexically_normal();
        if (ec) base_dir_ = dir;
    }

    Config run() {
        scan();
        parse_with_boost();
        Config c;
        c.path = path_;
        project(c);
        smtp(c);  // before imap/project: domain defaults to smtp.from's domain
        imap(c);
        if (c.project.domain.empty()) c.project.domain = domain_of(c.smtp.from_address);
        gpg(c);
        team(c);
        chat(c);
        timeline(c);
        storage(c);
        limits(c);
        dedup(c);
        cve(c);
        distributors(c);
        forge(c);
        daemon(c);
        return c;
    }

  private:
    [[noreturn]] void fail(int line, const std::string& key, const std::string& problem) const {
        throw ConfigError(path_, line, key, problem);
    }

    // First pass: comments, syntax, known sections and keys, line numbers.
    void scan() {
        std::string_view rest = text_;
        if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 BOM
        std::string section;
        int lineno = 0;
        while (!rest.empty()) {
            ++lineno;
            auto nl = rest.find('\n');
            std::string_view raw = rest.substr(0, nl);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
            if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
            for (char c : raw) {
                auto u = static_cast<unsigned char>(c);
                if ((u < 0x20 && c != '\t') || u == 0x7f)
                    fail(lineno, "",
                         "control character (byte " + std::to_string(u) +
                             ") in the file; remove it (the file must be plain text)");
            }
            // A ';' or '#' starts a comment at the start of a line or after a blank.
            for (std::size_t i = 0; i < raw.size(); ++i) {
                if ((raw[i] == ';' || raw[i] == '#') && (i == 0 || is_blank(raw[i - 1]))) {
                    raw = raw.substr(0, i);
                    break;
                }
            }
            std::string_view line = trim(raw);
            if (line.empty()) {
                cleaned_ += '\n';
                continue;
            }
            if (line.front() == '[') {
                if (line.back() != ']')
                    fail(lineno, "", "section header without a closing ']'; write it as [name]");
                section = std::string(trim(line.substr(1, line.size() - 2)));
                auto sections = known_sections();
                if (std::find(sections.begin(), sections.end(), section) == sections.end())
                    fail(lineno, "",
                         "unknown section [" + section + "]" + suggestion(section, sections) +
                             "; known sections: " + join(sections));
                section_lines_.emplace(section, lineno);
                cleaned_ += "[" + section + "]\n";
                continue;
            }
            auto eq = line.find('=');
            if (eq == std::string_view::npos)
                fail(lineno, "", "expected `key = value` or `[section]`");
            std::string name(trim(line.substr(0, eq)));
            std::string_view value = trim(line.substr(eq + 1));
            if (name.empty()) fail(lineno, "", "a value without a key; write `key = value`");
            if (section.empty())
                fail(lineno, name, "key outside of any section; put it under its [section] header");
            std::string full = section + "." + name;
            const KeyDef* def = find_key(section, name);
            if (!def) {
                std::vector<std::string> names;
                for (const auto& k : kKeys)
                    if (section == k.section) names.emplace_back(k.name);
                fail(lineno, full,
                     "unknown key in [" + section + "]" + suggestion(name, names) +
                         "; known keys: " + join(names));
            }
            auto& lines = lines_[full];
            if (!def->repeatable && !lines.empty())
                fail(lineno, full,
                     "given twice (first on line " + std::to_string(lines.front()) +
                         "); keep only one");
            // Boost cuts a value at any '#'; refuse rather than lose the rest.
            if (value.find('#') != std::string_view::npos)
                fail(lineno, full,
                     "'#' inside a value; '#' and ';' start a comment only after a blank, "
                     "and boost would cut the value there: remove it");
            lines.push_back(lineno);
            cleaned_ += name + " = " + std::string(value) + "\n";
        }
    }

    void parse_with_boost() {
        po::options_description desc;
        for (const auto& k : kKeys) {
            std::string name = full_name(k);
            if (k.repeatable)
                desc.add_options()(name.c_str(),
                                   po::value<std::vector<std::string>>()->composing());
            else
                desc.add_options()(name.c_str(), po::value<std::string>());
        }
        std::istringstream in(cleaned_);
        try {
            po::store(po::parse_config_file(in, desc, false), vm_);
            po::notify(vm_);
        } catch (const po::error& e) {
            // scan() has already refused everything boost would; this is a safety net.
            fail(0, "", std::string("cannot parse the file: ") + e.what());
        }
    }

    std::optional<Located> single(const std::string& key) const {
        if (!vm_.count(key)) return std::nullopt;
        return Located{vm_[key].as<std::string>(), lines_.at(key).front()};
    }

    std::vector<Located> list(const std::string& key) const {
        std::vector<Located> out;
        if (!vm_.count(key)) return out;
        const auto& values = vm_[key].as<std::vector<std::string>>();
        const auto& lines = lines_.at(key);
        for (std::size_t i = 0; i < values.size(); ++i)
            out.push_back(Located{values[i], i < lines.size() ? lines[i] : 0});
        return out;
    }

    [[noreturn]] void missing(const std::string& key) const {
        auto dot = key.rfind('.');
        std::string section = key.substr(0, dot);
        std::string name = key.substr(dot + 1);
        const KeyDef* def = find_key(section, name);
        std::string hint = "`" + name + " = " + (def ? def->example : "...") + "`";
        auto sec = section_lines_.find(section);
        if (sec == section_lines_.end())
            fail(0, key, "missing; add a [" + section + "] section with " + hint);
        fail(sec->second, key, "missing; add " + hint + " under [" + section + "]");
    }

    // A required key: absent or empty is an error.
    Located required(const std::string& key) const {
        auto v = single(key);
        if (!v) missing(key);
        if (v->value.empty()) fail(v->line, key, "is empty; it is required");
        return *v;
    }

    // An optional string; empty means not set.
    std::string optional_string(const std::string& key, std::string fallback = {}) const {
        auto v = single(key);
        return v && !v->value.empty() ? v->value : fallback;
    }

    bool boolean(const std::string& key, bool fallback) const {
        auto v = single(key);
        if (!v) return fallback;
        std::string s = lower(v->value);
        if (s == "true" || s == "yes" || s == "1") return true;
        if (s == "false" || s == "no" || s == "0") return false;
        fail(v->line, key,
             "\"" + v->value + "\" is not a boolean; use true or false (or yes/no, 1/0)");
    }

    Duration duration(const std::string& key, Duration fallback,
                      Duration max = kMaxDuration) const {
        auto v = single(key);
        if (!v) return fallback;
        Duration d;
        try {
            d = parse_duration(v->value);
        } catch (const std::invalid_argument& e) {
            fail(v->line, key, e.what());
        }
        if (d > max)
            fail(v->line, key, v->value + " is too long; the maximum is " + format_duration(max));
        return d;
    }

    std::size_t integer(const std::string& key, std::size_t fallback, std::size_t min,
                        std::size_t max) const {
        auto v = single(key);
        if (!v) return fallback;
        const std::string& s = v->value;
        std::size_t n = 0;
        bool digits = !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (!digits || ec != std::errc{} || end != s.data() + s.size() || n < min || n > max)
            fail(v->line, key,
                 "\"" + s + "\" is not a whole number between " + std::to_string(min) + " and " +
                     std::to_string(max) + "; the default is " + std::to_string(fallback));
        return n;
    }

    // A plain decimal (0.8, .85, 1) between min and max: no sign, exponent,
    // "nan" or "inf", which from_chars alone would accept.
    double fraction(const std::string& key, double fallback, double min, double max) const {
        auto v = single(key);
        if (!v) return fallback;
        const std::string& s = v->value;
        bool plain =
            !s.empty() && s.size() <= 20 && std::any_of(s.begin(), s.end(), is_digit) &&
            std::count(s.begin(), s.end(), '.') <= 1 &&
            std::all_of(s.begin(), s.end(), [](char ch) { return is_digit(ch) || ch == '.'; });
        double d = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (!plain || ec != std::errc{} || end != s.data() + s.size() || d < min || d > max) {
            auto num = [](double x) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%g", x);
                return std::string(buf);
            };
            fail(v->line, key,
                 "\"" + s + "\" is not a number between " + num(min) + " and " + num(max) +
                     "; the default is " + num(fallback));
        }
        return d;
    }

    // Absolute, normalised, without a trailing '/' ("dir/." names dir).
    std::string resolve(const std::string& p) const {
        fs::path path(p);
        return normal(path.is_absolute() ? path : base_dir_ / path);
    }

    static std::string normal(const fs::path& p) {
        std::string s = p.lexically_normal().string();
        while (s.size() > 1 && s.back() == '/') s.pop_back();
        return s;
    }

    // Reads a password file: first line, owner-only permissions.
    std::string read_password(const Located& where, const std::string& key,
                              std::string& resolved) const {
        fs::path p(where.value);
        std::string origin;
        const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
        if (p.is_absolute()) {
            resolved = normal(p);
        } else if (creds && *creds) {
            resolved = normal(fs::path(creds) / p);
            origin = " (looked up in $CREDENTIALS_DIRECTORY; check LoadCredential= in the unit)";
        } else {
            resolved = resolve(where.value);
        }
        // O_NONBLOCK: a FIFO in its place must not hang the daemon at start-up.
        FdCloser f{::open(resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
        if (f.fd < 0)
            fail(where.line, key,
                 "cannot open " + resolved + ": " + std::strerror(errno) + origin +
                     "; create it with the password on its first line and chmod 600 it");
        struct stat st {};
        if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode))
            fail(where.line, key,
                 resolved + " is not a regular file; point it at the password file");
        if (st.st_mode & 077)
            fail(where.line, key,
                 resolved + " is accessible by group or others (mode " + mode_string(st.st_mode) +
                     "); run chmod 600 " + resolved);
        if (static_cast<std::size_t>(st.st_size) > kMaxPasswordBytes)
            fail(where.line, key,
                 resolved + " is too large for a password file (over " +
                     std::to_string(kMaxPasswordBytes) + " bytes); it must hold only the password");
        std::string content;
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(f.fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                fail(where.line, key, "cannot read " + resolved + ": " + std::strerror(errno));
            if (n == 0) break;
            content.append(buf, static_cast<std::size_t>(n));
            if (content.size() > kMaxPasswordBytes)
                fail(where.line, key, resolved + " is too large for a password file");
        }
        auto nl = content.find('\n');
        if (nl != std::string::npos) content.resize(nl);
        if (!content.empty() && content.back() == '\r') content.pop_back();
        if (content.empty())
            fail(where.line, key, resolved + " is empty; write the password on its first line");
        return content;
    }

    // A CA bundle path: resolved and checked for readability.
    std::string ca_file(const std::string& key) const {
        auto v = single(key);
        if (!v || v->value.empty()) return {};
        std::string p = resolve(v->value);
        std::error_code ec;
        if (!fs::is_regular_file(p, ec) || ::access(p.c_str(), R_OK) != 0)
            fail(v->line, key,
                 "cannot read the CA file " + p +
                     "; give the path of a PEM CA bundle or remove the key");
        return p;
    }

    // Checks a server URL: the TLS scheme, or the plain one only towards a
    // loopback host or with STARTTLS, so a password never crosses a network in clear.
    void check_url(const Located& u, const std::string& key, const std::string& secure,
                   const std::string& plain, bool starttls) const {
        const std::string prefix = key.substr(0, key.find('.'));
        const std::string forms = secure + "://host[:port]" + (plain == "imap" ? "/MAILBOX" : "") +
                                  " (or " + plain + ":// with a loopback host or " + prefix +
                                  ".starttls = true)";
        for (char c : u.value)
            if (is_blank(c)) fail(u.line, key, "contains a blank; percent-encode it (%20)");
        auto sep = u.value.find("://");
        std::string scheme = sep == std::string::npos ? "" : u.value.substr(0, sep);
        if (scheme != secure && scheme != plain)
            fail(u.line, key, "\"" + u.value + "\" has the wrong scheme; use " + forms);
        std::string rest = u.value.substr(sep + 3);
        std::string authority = rest.substr(0, rest.find_first_of("/?"));
        if (authority.find('@') != std::string::npos)
            fail(u.line, key,
                 "the URL holds user information; remove it and put the credentials in " + prefix +
                     ".username and " + prefix + ".password_file");
        std::string host, port;
        bool loopback = false;
        if (!authority.empty() && authority.front() == '[') {
            auto close = authority.find(']');
            if (close == std::string::npos)
                fail(u.line, key, "IPv6 address without a closing ']'; use " + forms);
            host = authority.substr(1, close - 1);
            std::string after = authority.substr(close + 1);
            if (!after.empty()) {
                if (after.front() != ':')
                    fail(u.line, key, "junk after the IPv6 address; use " + forms);
                port = after.substr(1);
                if (port.empty()) fail(u.line, key, "empty port after ':'; use " + forms);
            }
            in6_addr a6{};
            if (::inet_pton(AF_INET6, host.c_str(), &a6) != 1)
                fail(u.line, key, "\"" + host + "\" is not an IPv6 address; use " + forms);
            loopback =
                IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
        } else {
            auto colon = authority.find(':');
            host = authority.substr(0, colon);
            if (colon != std::string::npos) {
                port = authority.substr(colon + 1);
                if (port.empty()) fail(u.line, key, "empty port after ':'; use " + forms);
            }
            if (!valid_hostname(host))
                fail(u.line, key, "\"" + host + "\" is not a valid host name; use " + forms);
            in_addr a4{};
            if (::inet_pton(AF_INET, host.c_str(), &a4) == 1)
                loopback = (ntohl(a4.s_addr) >> 24) == 127;
            else
                loopback = lower(host) == "localhost";
        }
        if (!port.empty()) {
            unsigned n = 0;
            auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
            if (ec != std::errc{} || end != port.data() + port.size() || n == 0 || n > 65535)
                fail(u.line, key, "\"" + port + "\" is not a port number (1-65535)");
        }
        if (scheme == plain && !loopback && !starttls)
            fail(u.line, key,
                 plain + ":// would send the password in clear text to " + host + "; use " +
                     secure + "://, or set " + prefix + ".starttls = true (plain " + plain +
                     ":// is for loopback hosts only)");
    }

    static std::string domain_of(const std::string& address) {
        return lower(address.substr(address.rfind('@') + 1));
    }

    // A bare address in a list key; returns it lower-cased.
    std::string list_address(const Located& v, const std::string& key) const {
        if (!valid_address(v.value))
            fail(v.line, key,
                 "\"" + v.value +
                     "\" is not an email address; write a bare address like "
                     "users@lists.example.org");
        return lower(v.value);
    }

    void project(Config& c) const {
        auto name = single("project.name");
        if (name) c.project.name = name->value;

        auto prefix = required("project.case_prefix");
        const std::string& p = prefix.value;
        bool ok = p.size() >= 2 && p.size() <= 16 && p[0] >= 'A' && p[0] <= 'Z' &&
                  std::all_of(p.begin(), p.end(),
                              [](char ch) { return (ch >= 'A' && ch <= 'Z') || is_digit(ch); });
        if (!ok)
            fail(prefix.line, "project.case_prefix",
                 "\"" + p +
                     "\" is not a valid prefix; use 2 to 16 upper-case letters and digits "
                     "starting with a letter, e.g. EMST");
        c.project.case_prefix = p;

        for (const auto& s : list("project.supported")) {
            if (s.value.empty()) continue;
            bool series = s.value.size() <= 32 && is_digit(s.value.front()) &&
                          is_digit(s.value.back()) && s.value.find("..") == std::string::npos &&
                          std::all_of(s.value.begin(), s.value.end(),
                                      [](char ch) { return is_digit(ch) || ch == '.'; });
            if (!series)
                fail(s.line, "project.supported",
                     "\"" + s.value + "\" is not a release series; use digits and dots, e.g. 1.13");
            if (std::find(c.project.supported.begin(), c.project.supported.end(), s.value) !=
                c.project.supported.end())
                fail(s.line, "project.supported", s.value + " is listed twice; remove one");
            c.project.supported.push_back(s.value);
        }

        if (auto b = single("project.main_branch")) {
            const std::string& v = b->value;
            bool ok_branch =
                !v.empty() && v.size() <= 100 && v.front() != '-' && v.front() != '/' &&
                v.back() != '/' && v.find("..") == std::string::npos &&
                std::all_of(v.begin(), v.end(), [](char ch) {
                    return is_alpha(ch) || is_digit(ch) || std::strchr("._/-", ch) != nullptr;
                });
            if (!ok_branch)
                fail(b->line, "project.main_branch",
                     "\"" + v +
                         "\" is not a branch name; use letters, digits, '.', '_', '/' "
                         "and '-', e.g. master");
            c.project.main_branch = v;
        }

        if (auto d = single("project.domain"); d && !d->value.empty()) {
            if (!valid_hostname(d->value))
                fail(d->line, "project.domain",
                     "\"" + d->value +
                         "\" is not a domain name; use e.g. example.org, or remove "
                         "the key to use the domain of smtp.from");
            c.project.domain = lower(d->value);
        }
    }

    void imap(Config& c) const {
        c.imap.starttls = boolean("imap.starttls", false);
        auto url = required("imap.url");
        check_url(url, "imap.url", "imaps", "imap", c.imap.starttls);
        c.imap.url = url.value;
        c.imap.username = required("imap.username").value;
        auto pw = required("imap.password_file");
        c.imap.password = read_password(pw, "imap.password_file", c.imap.password_file);
        c.imap.poll_interval =
            duration("imap.poll_interval", c.imap.poll_interval, std::chrono::hours{24});
        c.imap.processed_mailbox = optional_string("imap.processed_mailbox");
        c.imap.ca_file = ca_file("imap.ca_file");
        c.imap.timeout = duration("imap.timeout", c.imap.timeout, std::chrono::hours{1});
    }

    void smtp(Config& c) const {
        c.smtp.starttls = boolean("smtp.starttls", false);
        auto url = required("smtp.url");
        check_url(url, "smtp.url", "smtps", "smtp", c.smtp.starttls);
        c.smtp.url = url.value;
        c.smtp.username = optional_string("smtp.username");
        auto pw = single("smtp.password_file");
        if (pw && !pw->value.empty()) {
            if (c.smtp.username.empty())
                fail(pw->line, "smtp.password_file",
                     "set without smtp.username; add the username or remove the password file");
            c.smtp.password = read_password(*pw, "smtp.password_file", c.smtp.password_file);
        } else if (!c.smtp.username.empty()) {
            int line = lines_.at("smtp.username").front();
            fail(pw ? pw->line : line, "smtp.password_file",
                 "required when smtp.username is set; add `password_file = "
                 "/etc/embargo/smtp.password` under [smtp]");
        }
        auto from = required("smtp.from");
        auto mailbox = split_mailbox(from.value);
        if (!mailbox)
            fail(from.line, "smtp.from",
                 "\"" + from.value +
                     "\" is not an address; write `Name <address@domain>` or a "
                     "bare address");
        c.smtp.from = from.value;
        c.smtp.from_address = lower(mailbox->second);
        c.smtp.ca_file = ca_file("smtp.ca_file");
        c.smtp.timeout = duration("smtp.timeout", c.smtp.timeout, std::chrono::hours{1});
    }

    void gpg(Config& c) const {
        c.gpg.homedir = resolve(required("gpg.homedir").value);
        auto keys = list("gpg.key");
        if (keys.empty()) missing("gpg.key");
        for (const auto& k : keys) {
            auto fpr = normalise_fingerprint(k.value);
            if (!fpr)
                fail(k.line, "gpg.key",
                     "\"" + k.value +
                         "\" is not a key fingerprint; give the team key's 40 hex "
                         "digits (gpg --fingerprint)");
            if (std::find(c.gpg.keys.begin(), c.gpg.keys.end(), *fpr) != c.gpg.keys.end())
                fail(k.line, "gpg.key", "key " + *fpr + " is listed twice; remove one");
            c.gpg.keys.push_back(*fpr);
        }
        if (auto e = single("gpg.encrypt")) {
            if (e->value == "required")
                c.gpg.encrypt = EncryptMode::Required;
            else if (e->value == "opportunistic")
                c.gpg.encrypt = EncryptMode::Opportunistic;
            else
                fail(e->line, "gpg.encrypt",
                     "\"" + e->value + "\" is not a mode; use required or opportunistic");
        }
        c.gpg.sign_in_process = boolean("gpg.sign_in_process", true);
    }

    void team(Config& c) const {
        std::map<std::string, int> member_lines;
        std::map<std::string, int> fpr_lines;
        auto members = list("team.member");
        if (members.empty()) missing("team.member");
        for (const auto& m : members) {
            const std::string form = "write `Name <email> FINGERPRINT`";
            auto lt = m.value.find('<');
            auto gt = m.value.find('>', lt == std::string::npos ? 0 : lt);
            if (lt == std::string::npos || gt == std::string::npos)
                fail(m.line, "team.member", "\"" + m.value + "\" has no <email>; " + form);
            Member member;
            member.name = std::string(trim(std::string_view(m.value).substr(0, lt)));
            if (member.name.size() >= 2 && member.name.front() == '"' && member.name.back() == '"')
                member.name = member.name.substr(1, member.name.size() - 2);
            std::string addr = m.value.substr(lt + 1, gt - lt - 1);
            if (!valid_address(addr))
                fail(m.line, "team.member", "\"" + addr + "\" is not an email address; " + form);
            member.email = lower(addr);
            if (member.name.empty()) member.name = member.email;
            std::string_view rest = trim(std::string_view(m.value).substr(gt + 1));
            if (rest.empty())
                fail(m.line, "team.member",
                     member.email +
                         " has no fingerprint; append the 40 hex digits of the member's "
                         "OpenPGP key (gpg --fingerprint " +
                         member.email + ")");
            auto fpr = normalise_fingerprint(rest);
            if (!fpr)
                fail(m.line, "team.member",
                     "\"" + std::string(rest) +
                         "\" is not a key fingerprint; give the 40 hex "
                         "digits of " +
                         member.email + "'s OpenPGP key (gpg --fingerprint " + member.email + ")");
            member.fingerprint = *fpr;
            if (auto it = member_lines.find(member.email); it != member_lines.end())
                fail(m.line, "team.member",
                     member.email + " is already a member (line " + std::to_string(it->second) +
                         "); each member appears once");
            if (auto it = fpr_lines.find(member.fingerprint); it != fpr_lines.end())
                fail(m.line, "team.member",
                     "fingerprint " + member.fingerprint + " is already another member's (line " +
                         std::to_string(it->second) + "); each member needs their own key");
            if (member.email == c.smtp.from_address)
                fail(m.line, "team.member",
                     member.email +
                         " is the team address itself (smtp.from); members need their "
                         "own address");
            member_lines.emplace(member.email, m.line);
            fpr_lines.emplace(member.fingerprint, m.line);
            c.team.members.push_back(std::move(member));
        }

        for (const auto& a : list("team.away")) {
            auto parts = split_blanks(a.value);
            const std::string form =
                "write `away = email YYYY-MM-DD YYYY-MM-DD` (first and last day)";
            if (parts.size() != 3)
                fail(a.line, "team.away", "\"" + a.value + "\" is not an absence; " + form);
            Away away;
            away.email = lower(parts[0]);
            if (!c.member_by_email(away.email))
                fail(a.line, "team.away",
                     away.email +
                         " is not a team member; fix the address or add a `member =` "
                         "line for them");
            auto from = parse_day(parts[1]);
            auto to = parse_day(parts[2]);
            if (!from || !to)
                fail(a.line, "team.away",
                     "\"" + (!from ? parts[1] : parts[2]) + "\" is not a date; " + form);
            if (*from > *to)
                fail(a.line, "team.away",
                     "the absence ends (" + parts[2] + ") before it starts (" + parts[1] +
                         "); swap the dates");
            away.from = *from;
            away.to = *to;
            c.team.away.push_back(std::move(away));
        }

        c.team.require_signed_commands = boolean("team.require_signed_commands", true);
        c.team.signature_clock_skew = duration("team.signature_clock_skew",
                                               c.team.signature_clock_skew, std::chrono::hours{24});

        for (const char* key : {"team.announce", "team.retrospective"}) {
            auto& target =
                std::string(key) == "team.announce" ? c.team.announce : c.team.retrospective;
            for (const auto& v : list(key)) {
                if (v.value.empty()) continue;
                std::string addr = list_address(v, key);
                if (std::find(target.begin(), target.end(), addr) != target.end())
                    fail(v.line, key, addr + " is listed twice; remove one");
                target.push_back(addr);
            }
        }
    }

    // `target = NAME FORMAT URL_FILE KIND[,KIND...]`. The webhook URL is a
    // secret (anyone holding it can post to the channel), so it comes from a
    // file like a password and no message ever quotes it.
    void chat(Config& c) const {
        const std::string key = "chat.target";
        const std::string form =
            "write `target = NAME slack|json URL_FILE KIND[,KIND...]` with KIND one of "
            "announcement, release-announcement, retrospective";
        for (const auto& v : list(key)) {
            if (v.value.empty()) continue;
            auto parts = split_blanks(v.value);
            if (parts.size() != 4)
                fail(v.line, key, "\"" + v.value + "\" is not a target; " + form);
            ChatTarget t;
            t.name = parts[0];
            bool name_ok =
                t.name.size() <= 64 && std::all_of(t.name.begin(), t.name.end(), [](char ch) {
                    return is_alpha(ch) || is_digit(ch) || ch == '-' || ch == '_';
                });
            if (!name_ok)
                fail(v.line, key,
                     "\"" + t.name + "\" is not a target name; use letters, digits, '-' and '_'");
            for (const auto& other : c.chat.targets)
                if (other.name == t.name)
                    fail(v.line, key, "target " + t.name + " is defined twice; rename one");
            std::string fmt = lower(parts[1]);
            if (fmt == "slack")
                t.format = ChatTarget::Format::Slack;
            else if (fmt == "json")
                t.format = ChatTarget::Format::Json;
            else
                fail(v.line, key,
                     "\"" + parts[1] +
                         "\" is not a webhook format; use slack (Slack, Mattermost, Rocket.Chat "
                         "incoming webhooks) or json (a generic JSON POST)");
            std::string kinds = parts[3];
            std::size_t pos = 0;
            while (pos <= kinds.size()) {
                auto comma = kinds.find(',', pos);
                std::string k = lower(kinds.substr(
                    pos, comma == std::string::npos ? std::string::npos : comma - pos));
                pos = comma == std::string::npos ? kinds.size() + 1 : comma + 1;
                if (k.empty()) continue;
                bool allowed = std::any_of(std::begin(kChatKinds), std::end(kChatKinds),
                                           [&](const char* a) { return k == a; });
                if (!allowed)
                    fail(v.line, key,
                         "\"" + k +
                             "\" cannot go to chat: only the public kinds announcement, "
                             "release-announcement and retrospective may (anything else carries "
                             "embargoed case content, which must stay in encrypted mail)");
                if (std::find(t.kinds.begin(), t.kinds.end(), k) == t.kinds.end())
                    t.kinds.push_back(k);
            }
            if (t.kinds.empty()) fail(v.line, key, "no kind given; " + form);
            t.url = read_password(Located{parts[2], v.line}, key, t.url_file);
            check_webhook_url(t.url, v.line, key, t.url_file);
            c.chat.targets.push_back(std::move(t));
        }
        c.chat.ca_file = ca_file("chat.ca_file");
        c.chat.timeout = duration("chat.timeout", c.chat.timeout, std::chrono::minutes{10});
        if (c.chat.timeout < std::chrono::seconds{1})
            fail(single("chat.timeout")->line, "chat.timeout", "must be at least 1s");
    }

    // https://, or http:// to a loopback host (a test receiver). The URL is
    // never quoted back: it is the secret.
    void check_webhook_url(const std::string& url, int line, const std::string& key,
                           const std::string& file) const {
        for (char ch : url)
            if (is_blank(ch)) fail(line, key, "the webhook URL in " + file + " contains a blank");
        auto sep = url.find("://");
        std::string scheme = sep == std::string::npos ? "" : lower(url.substr(0, sep));
        if (scheme != "https" && scheme != "http")
            fail(line, key,
                 "the first line of " + file +
                     " is not an https:// webhook URL; put the URL "
                     "your chat service gave for the incoming webhook there");
        std::string rest = url.substr(sep + 3);
        std::string authority = rest.substr(0, rest.find_first_of("/?#"));
        if (authority.empty() || authority.find('@') != std::string::npos)
            fail(line, key,
                 "the webhook URL in " + file + " has no host or holds user information");
        if (scheme == "http") {
            std::string host = authority.front() == '['
                                   ? authority.substr(0, authority.find(']') + 1)
                                   : authority.substr(0, authority.find(':'));
            bool loopback =
                lower(host) == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
            if (!loopback)
                fail(line, key,
                     "the webhook URL in " + file +
                         " is http:// to a remote host, which would "
                         "send the channel's secret in clear text; use https://");
        }
    }

    void timeline(Config& c) const {
        auto& t = c.timeline;
        t.organize = duration("timeline.organize", t.organize);
        t.fix = duration("timeline.fix", t.fix);
        t.announce = duration("timeline.announce", t.announce);
        t.release = duration("timeline.release", t.release);
        t.retrospective = duration("timeline.retrospective", t.retrospective);
        t.slow_extension = duration("timeline.slow_extension", t.slow_extension);
        t.escalate_every = duration("timeline.escalate_every", t.escalate_every);
        if (auto d = single("timeline.digest_time")) {
            if (d->value.empty()) {
                t.digest_time.reset();
            } else {
                const std::string& v = d->value;
                auto colon = v.find(':');
                bool ok = colon != std::string::npos && (colon == 1 || colon == 2) &&
                          v.size() == colon + 3 &&
                          std::all_of(v.begin(), v.begin() + colon, is_digit) &&
                          is_digit(v[colon + 1]) && is_digit(v[colon + 2]);
                int h = ok ? std::stoi(v.substr(0, colon)) : 0;
                int m = ok ? std::stoi(v.substr(colon + 1)) : 0;
                if (!ok || h > 23 || m > 59)
                    fail(d->line, "timeline.digest_time",
                         "\"" + v +
                             "\" is not a time of day; use HH:MM in UTC (e.g. 09:00), or "
                             "leave it empty to disable the daily digest");
                t.digest_time = std::chrono::hours{h} + std::chrono::minutes{m};
            }
        }
        auto& a = c.asap;
        a.organize = duration("timeline.asap.organize", a.organize);
        a.fix = duration("timeline.asap.fix", a.fix);
        a.announce = duration("timeline.asap.announce", a.announce);
        a.release = duration("timeline.asap.release", a.release);
    }

    void storage(Config& c) const {
        c.storage.database = resolve(required("storage.database").value);
    }

    void limits(Config& c) const {
        auto& l = c.limits;
        constexpr std::size_t KiB = 1024, MiB = 1024 * 1024, GiB = 1024 * MiB;
        l.max_message_bytes = integer("limits.max_message_bytes", l.max_message_bytes, KiB, GiB);
        l.max_mime_parts = integer("limits.max_mime_parts", l.max_mime_parts, 1, 100000);
        l.max_mime_depth = integer("limits.max_mime_depth", l.max_mime_depth, 1, 100);
        l.max_header_bytes = integer("limits.max_header_bytes", l.max_header_bytes, KiB, 16 * MiB);
        l.max_keys_per_message =
            integer("limits.max_keys_per_message", l.max_keys_per_message, 1, 1000);
        l.max_key_bytes = integer("limits.max_key_bytes", l.max_key_bytes, KiB, 16 * MiB);
    }

    void daemon(Config& c) const {
        auto v = single("daemon.workers");
        if (!v || lower(v->value) == "auto") return;  // 0: one thread per CPU
        const std::string& s = v->value;
        std::size_t n = 0;
        bool digits = !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (!digits || ec != std::errc{} || end != s.data() + s.size() || n < 1 || n > 256)
            fail(v->line, "daemon.workers",
                 "\"" + s +
                     "\" is neither auto nor a whole number between 1 and 256 (threads that "
                     "sign and encrypt notifications); the default is auto");
        c.daemon.workers = n;
    }

    void dedup(Config& c) const {
        auto& d = c.dedup;
        d.similarity = fraction("dedup.similarity", d.similarity, 0.5, 1.0);
        d.window = duration("dedup.window", d.window);
        constexpr std::size_t hashes = embargo::dedup::kSignatureSize;
        d.bands =
            static_cast<int>(integer("dedup.bands", static_cast<std::size_t>(d.bands), 1, hashes));
        d.rows =
            static_cast<int>(integer("dedup.rows", static_cast<std::size_t>(d.rows), 1, hashes));
        if (static_cast<std::size_t>(d.bands) * static_cast<std::size_t>(d.rows) > hashes) {
            auto b = single("dedup.bands");
            auto r = single("dedup.rows");
            bool rows_last = r && (!b || r->line > b->line);
            fail(rows_last ? r->line : b->line, rows_last ? "dedup.rows" : "dedup.bands",
                 "bands (" + std::to_string(d.bands) + ") times rows (" + std::to_string(d.rows) +
                     ") is more than the " + std::to_string(hashes) +
                     " hashes of a signature; lower one of them (the defaults are 16 and 4)");
        }
        d.min_words = integer("dedup.min_words", d.min_words, 1, 100000);
    }

    void cve(Config& c) const {
        if (auto v = single("cve.cna")) {
            std::string s = lower(v->value);
            if (s == "github")
                c.cve.cna = Cna::Github;
            else if (s == "cve-services")
                c.cve.cna = Cna::CveServices;
            else if (s == "mitre")
                c.cve.cna = Cna::Mitre;
            else if (s == "none")
                c.cve.cna = Cna::None;
            else
                fail(v->line, "cve.cna",
                     "\"" + v->value + "\" is not a CNA; use github, cve-services, mitre or none");
        }
        if (auto v = single("cve.org_id"); v && !v->value.empty()) {
            // The CVE JSON 5 schema's uuidType: 8-4-4-4-12 hex digits.
            const std::string& u = v->value;
            // Version 4 (random) only, as the schema's pattern requires.
            bool ok = u.size() == 36;
            for (std::size_t i = 0; ok && i < u.size(); ++i) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                ok = dash ? u[i] == '-' : std::isxdigit(static_cast<unsigned char>(u[i])) != 0;
            }
            ok = ok && u[14] == '4' &&
                 std::string_view("89abAB").find(u[19]) != std::string_view::npos;
            if (!ok)
                fail(v->line, "cve.org_id",
                     "\"" + u +
                         "\" is not a version 4 UUID; give the CNA's organisation id "
                         "(8-4-4-4-12 hex digits, e.g. from `cve org`)");
            c.cve.org_id = lower(u);
        }
    }

    void distributors(Config& c) const {
        auto& d = c.distributors;
        for (const auto& v : list("distributors.address")) {
            if (v.value.empty()) continue;
            std::string addr = list_address(v, "distributors.address");
            if (std::find(d.addresses.begin(), d.addresses.end(), addr) != d.addresses.end())
                fail(v.line, "distributors.address", addr + " is listed twice; remove one");
            d.addresses.push_back(addr);
        }
        d.max_embargo = duration("distributors.max_embargo", d.max_embargo);
        // A window of minutes would refuse nearly every /announce.
        if (d.max_embargo < std::chrono::hours{1})
            fail(single("distributors.max_embargo")->line, "distributors.max_embargo",
                 "must be at least 1h (the longest time from the first notice to the release)");
    }

    // [forge]: the repository whose security advisories the cases get. The
    // API token comes from a file (or a systemd credential) like a password.
    void forge(Config& c) const {
        auto& f = c.forge;
        auto sec = section_lines_.find("forge");
        if (sec == section_lines_.end()) return;
        auto type = required("forge.type");
        std::string t = lower(type.value);
        if (t == "none") return;
        if (t != "github")
            fail(type.line, "forge.type",
                 "\"" + type.value + "\" is not a supported forge; use github (or none)");
        f.type = Forge::Type::Github;

        if (auto u = single("forge.api_url"); u && !u->value.empty()) {
            std::string url = u->value;
            while (!url.empty() && url.back() == '/') url.pop_back();
            check_api_url(url, u->line);
            f.api_url = url;
        }
        auto repo = required("forge.repository");
        auto slash = repo.value.find('/');
        std::string owner = repo.value.substr(0, slash);
        std::string name = slash == std::string::npos ? "" : repo.value.substr(slash + 1);
        bool name_ok =
            !name.empty() && name.size() <= 100 && name != "." && name != ".." &&
            std::all_of(name.begin(), name.end(), [](char ch) {
                return is_alpha(ch) || is_digit(ch) || ch == '.' || ch == '_' || ch == '-';
            });
        if (!forge::valid_login(owner) || !name_ok)
            fail(repo.line, "forge.repository",
                 "\"" + repo.value +
                     "\" is not a repository; write OWNER/NAME as in its GitHub URL, e.g. "
                     "example/proxy");
        f.owner = owner;
        f.repo = name;
        auto token = required("forge.token_file");
        f.token = read_password(token, "forge.token_file", f.token_file);
        for (char ch : f.token)
            if (static_cast<unsigned char>(ch) <= 0x20 || static_cast<unsigned char>(ch) >= 0x7f)
                fail(token.line, "forge.token_file",
                     "the token in " + f.token_file +
                         " contains a blank or control character; the first line must be the "
                         "token alone");
        f.ca_file = ca_file("forge.ca_file");
        f.timeout = duration("forge.timeout", f.timeout, std::chrono::minutes{10});
        if (f.timeout < std::chrono::seconds{1})
            fail(single("forge.timeout")->line, "forge.timeout", "must be at least 1s");
        for (const auto& v : list("forge.login")) {
            if (v.value.empty()) continue;
            auto parts = split_blanks(v.value);
            const std::string form = "write `login = EMAIL GITHUB-LOGIN`";
            if (parts.size() != 2)
                fail(v.line, "forge.login", "\"" + v.value + "\" is not a login line; " + form);
            if (!valid_address(parts[0]))
                fail(v.line, "forge.login",
                     "\"" + parts[0] + "\" is not an email address; " + form);
            if (!forge::valid_login(parts[1]))
                fail(v.line, "forge.login",
                     "\"" + parts[1] +
                         "\" is not a GitHub login (letters, digits and single hyphens, at "
                         "most 39)");
            std::string email = lower(parts[0]);
            if (f.login_of(email))
                fail(v.line, "forge.login", email + " has a login already; keep one line");
            f.logins.push_back(Forge::Login{email, parts[1]});
        }
    }

    // https://, or http:// to a loopback host (a local mock): the token must
    // never cross a network in clear text.
    void check_api_url(const std::string& url, int line) const {
        const std::string key = "forge.api_url";
        for (char ch : url)
            if (is_blank(ch) || static_cast<unsigned char>(ch) < 0x20)
                fail(line, key, "contains a blank or control character");
        auto sep = url.find("://");
        std::string scheme = sep == std::string::npos ? "" : lower(url.substr(0, sep));
        if (scheme != "https" && scheme != "http")
            fail(line, key,
                 "\"" + url +
                     "\" is not an https:// URL; use https://api.github.com (or "
                     "https://HOST/api/v3 for GitHub Enterprise Server)");
        std::string rest = url.substr(sep + 3);
        std::string authority = rest.substr(0, rest.find_first_of("/?#"));
        if (authority.empty() || authority.find('@') != std::string::npos)
            fail(line, key, "has no host or holds user information; the token goes in token_file");
        if (rest.find_first_of("?#") != std::string::npos)
            fail(line, key, "must not hold a query or fragment");
        if (scheme == "http") {
            std::string host = authority.front() == '['
                                   ? authority.substr(0, authority.find(']') + 1)
                                   : authority.substr(0, authority.find(':'));
            bool loopback =
                lower(host) == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
            if (!loopback)
                fail(line, key,
                     "http:// to " + host +
                         " would send the API token in clear text; use https:// (plain http:// "
                         "is for loopback hosts only)");
        }
    }

    std::string_view text_;
    std::string path_;
    fs::path base_dir_;
    std::string cleaned_;
    std::map<std::string, std::vector<int>> lines_;
    std::map<std::string, int> section_lines_;
    po::variables_map vm_;
};

}  // namespace

Config parse_config(std::string_view text, const std::string& path) {
    if (text.size() > kMaxConfigBytes)
        throw ConfigError(path, 0, "",
                          "the configuration file is larger than 1 MiB; is it the right file?");
    return Parser(text, path).run();
}

Config load_config(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw ConfigError(path, 0, "", "is a directory; give the path of the configuration file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConfigError(path, 0, "",
                          std::string("cannot read the configuration file: ") +
                              std::strerror(errno) + "; check the path given to --config");
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxConfigBytes)
            throw ConfigError(path, 0, "",
                              "the configuration file is larger than 1 MiB; is it the right file?");
    }
    if (in.bad())
        throw ConfigError(path, 0, "",
                          "cannot read the configuration file; check the path and its permissions");
    return parse_config(text, path);
}

}  // namespace embargo
