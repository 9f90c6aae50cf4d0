// Strict, allocation-bounded parsing of IMAP response lines (RFC 3501 syntax)
// and encoding of mailbox names and UID sets.
#include "parsers/imap_response.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

namespace embargo::imap {
namespace {

constexpr std::uint64_t kMaxU32 = 0xFFFFFFFFull;
constexpr std::uint64_t kMaxU63 = 0x7FFFFFFFFFFFFFFFull;
// Nesting depth for parenthesised values we skip over. Real servers stay
// below 5 (BODYSTRUCTURE); a hostile one must not drive recursion deep.
constexpr int kMaxDepth = 32;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(a[i])) !=
            std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// atom-char of RFC 3501 minus the ']' exclusion handled by the caller.
bool is_atom_char(char c, bool allow_bracket) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
    switch (c) {
        case '(':
        case ')':
        case '{':
        case '"':
        case '%':
        case '*':
            return false;
        case ']':
            return allow_bracket;
        default:
            return true;
    }
}

// Reads one response line token by token; every error names the response
// kind and quotes the (sanitised) line.
class Cursor {
  public:
    Cursor(std::string_view line, std::string_view what) : s_(line), what_(what) {}

    [[noreturn]] void fail(std::string_view expected) const {
        throw ImapParseError("malformed IMAP " + std::string(what_) + " response (expected " +
                             std::string(expected) + " at column " + std::to_string(p_ + 1) +
                             "): \"" + sanitize_for_message(s_) + "\"");
    }

    bool at_end() const { return p_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[p_]; }
    std::size_t pos() const { return p_; }

    void expect(char c) {
        if (peek() != c) fail(std::string("'") + c + "'");
        ++p_;
    }
    bool accept(char c) {
        if (peek() != c) return false;
        ++p_;
        return true;
    }
    // RFC 3501 wants exactly one SP; servers that send more are tolerated.
    void space() {
        if (peek() != ' ') fail("a space");
        while (peek() == ' ') ++p_;
    }
    void skip_spaces() {
        while (peek() == ' ') ++p_;
    }
    void expect_end() {
        skip_spaces();
        if (!at_end()) fail("the end of the line");
    }

    std::string_view atom(bool allow_bracket = false) {
        std::size_t b = p_;
        while (!at_end() && is_atom_char(s_[p_], allow_bracket)) ++p_;
        if (p_ == b) fail("an atom");
        return s_.substr(b, p_ - b);
    }

    std::uint64_t number(std::uint64_t max, std::string_view name) {
        std::size_t b = p_;
        std::uint64_t v = 0;
        while (!at_end() && std::isdigit(static_cast<unsigned char>(s_[p_]))) {
            auto d = static_cast<std::uint64_t>(s_[p_] - '0');
            if (v > (max - d) / 10) {
                throw ImapParseError("IMAP " + std::string(what_) +
                                     " response: " + std::string(name) + " is out of range: \"" +
                                     sanitize_for_message(s_) + "\"");
            }
            v = v * 10 + d;
            ++p_;
        }
        if (p_ == b) fail(std::string(name) + " as a number");
        return v;
    }
    std::uint32_t u32(std::string_view name) {
        return static_cast<std::uint32_t>(number(kMaxU32, name));
    }
    std::uint32_t nz_u32(std::string_view name) {
        std::uint32_t v = u32(name);
        if (v == 0) fail(std::string(name) + " greater than zero");
        return v;
    }

    std::string quoted() {
        expect('"');
        std::string out;
        for (;;) {
            if (at_end()) fail("a closing '\"'");
            char c = s_[p_++];
            if (c == '"') return out;
            if (c == '\\') {
                if (at_end() || (s_[p_] != '"' && s_[p_] != '\\')) fail("\\\" or \\\\ after '\\'");
                out.push_back(s_[p_++]);
            } else if (c == '\r' || c == '\n' || c == '\0') {
                fail("no control characters in a quoted string");
            } else {
                out.push_back(c);
            }
        }
    }

    // astring: atom (']' allowed) or quoted string. Literals cannot be read:
    // libcurl does not pass the literal data of a custom command on.
    std::string astring() {
        if (peek() == '"') return quoted();
        if (peek() == '{') literal_unsupported();
        return std::string(atom(true));
    }

    // NIL, number, atom, quoted string or a parenthesised list of these.
    void skip_value(int depth = 0) {
        if (depth > kMaxDepth) fail("less deeply nested parentheses");
        char c = peek();
        if (c == '"') {
            quoted();
        } else if (c == '{') {
            literal_unsupported();
        } else if (c == '(') {
            ++p_;
            skip_spaces();
            while (peek() != ')') {
                if (at_end()) fail("')'");
                skip_value(depth + 1);
                skip_spaces();
            }
            ++p_;
        } else {
            atom(true);
        }
    }

    [[noreturn]] void literal_unsupported() const {
        throw ImapParseError("IMAP " + std::string(what_) +
                             " response carries a literal where a quoted string or atom was "
                             "expected; this client cannot read it: \"" +
                             sanitize_for_message(s_) + "\"");
    }

  private:
    std::string_view s_;
    std::string_view what_;
    std::size_t p_ = 0;
};

// Untagged line header: "* [n ]TYPE". Returns the upper-cased type and leaves
// the cursor after it; nullopt for lines that are not untagged.
struct Untagged {
    std::string type;
    std::optional<std::uint64_t> number;
};

Untagged untagged_head(Cursor& c) {
    c.expect('*');
    c.space();
    Untagged u;
    if (std::isdigit(static_cast<unsigned char>(c.peek()))) {
        u.number = c.number(kMaxU32, "message number");
        c.space();
    }
    u.type = upper(c.atom());
    return u;
}

void require_untagged(std::string_view line, std::string_view what) {
    if (line.size() < 2 || line[0] != '*' || line[1] != ' ') {
        throw ImapParseError("IMAP " + std::string(what) +
                             " response contains a line that is not an untagged response: \"" +
                             sanitize_for_message(line) + "\"");
    }
}

// Reads the type of an untagged line without validating the rest, so noise
// of any shape ("* 5 EXISTS", "* OK [ALERT] ...") can be skipped.
std::string line_type(std::string_view line, std::string_view what) {
    require_untagged(line, what);
    Cursor c(line, what);
    return untagged_head(c).type;
}

void reject_literal(std::string_view line, std::string_view what) {
    if (literal_size(line)) Cursor(line, what).literal_unsupported();
}

// FETCH attribute name: "UID", "BODY[HEADER.FIELDS (DATE)]<0>", ...
std::string fetch_att_name(Cursor& c) {
    std::string name;
    while (!c.at_end() && c.peek() != ' ' && c.peek() != ')') {
        char ch = c.peek();
        if (ch == '[') {
            // Section specs may contain spaces and parentheses; read up to ']'.
            while (!c.at_end() && c.peek() != ']') {
                if (c.peek() == '{') c.literal_unsupported();
                name.push_back(c.peek());
                c.expect(c.peek());
            }
            c.expect(']');
            name.push_back(']');
            continue;
        }
        if (!is_atom_char(ch, false) && ch != '<' && ch != '>') c.fail("a FETCH attribute name");
        name.push_back(ch);
        c.expect(ch);
    }
    if (name.empty()) c.fail("a FETCH attribute name");
    return upper(name);
}

}  // namespace

std::string sanitize_for_message(std::string_view text, std::size_t max_len) {
    std::string out;
    for (char c : text) {
        if (out.size() >= max_len) {
            out += "...";
            break;
        }
        auto u = static_cast<unsigned char>(c);
        out.push_back(u >= 0x20 && u < 0x7F ? c : '?');
    }
    return out;
}

std::vector<std::string_view> split_lines(std::string_view bytes) {
    std::vector<std::string_view> lines;
    while (!bytes.empty()) {
        std::size_t nl = bytes.find('\n');
        std::string_view line = bytes.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) lines.push_back(line);
        if (nl == std::string_view::npos) break;
        bytes.remove_prefix(nl + 1);
    }
    return lines;
}

std::optional<std::uint64_t> literal_size(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.empty() || line.back() != '}') return std::nullopt;
    std::size_t open = line.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view inner = line.substr(open + 1, line.size() - open - 2);
    if (!inner.empty() && inner.back() == '+') inner.remove_suffix(1);
    if (inner.empty()) {
        throw ImapParseError("malformed IMAP literal size: \"" + sanitize_for_message(line) + "\"");
    }
    std::uint64_t v = 0;
    for (char ch : inner) {
        if (!std::isdigit(static_cast<unsigned char>(ch))) {
            throw ImapParseError("malformed IMAP literal size: \"" + sanitize_for_message(line) +
                                 "\"");
        }
        auto d = static_cast<std::uint64_t>(ch - '0');
        if (v > (kMaxU63 - d) / 10) {
            throw ImapParseError("IMAP literal size out of range: \"" + sanitize_for_message(line) +
                                 "\"");
        }
        v = v * 10 + d;
    }
    return v;
}

StatusData parse_status(std::string_view bytes, std::string_view mailbox) {
    std::optional<StatusData> found;
    for (std::string_view line : split_lines(bytes)) {
        if (line_type(line, "STATUS") != "STATUS") continue;
        reject_literal(line, "STATUS");
        Cursor c(line, "STATUS");
        untagged_head(c);
        c.space();
        std::string name = c.astring();
        bool match = name == mailbox || (iequals(mailbox, "INBOX") && iequals(name, "INBOX"));
        c.space();
        c.expect('(');
        StatusData d;
        c.skip_spaces();
        while (c.peek() != ')') {
            std::string att = upper(c.atom());
            c.space();
            auto set = [&](std::optional<std::uint32_t>& field, std::uint32_t v) {
                if (field) c.fail("each STATUS attribute only once");
                field = v;
            };
            if (att == "UIDVALIDITY") {
                set(d.uidvalidity, c.nz_u32("UIDVALIDITY"));
            } else if (att == "UIDNEXT") {
                set(d.uidnext, c.nz_u32("UIDNEXT"));
            } else if (att == "MESSAGES") {
                set(d.messages, c.u32("MESSAGES"));
            } else {
                c.number(kMaxU63, att);  // RECENT, UNSEEN, SIZE, HIGHESTMODSEQ, ...
            }
            c.skip_spaces();
            if (c.at_end()) c.fail("')'");
        }
        c.expect(')');
        c.expect_end();
        if (!match) continue;
        if (found) {
            throw ImapParseError("IMAP server sent two STATUS responses for mailbox \"" +
                                 sanitize_for_message(mailbox) + "\"");
        }
        found = d;
    }
    if (!found) {
        throw ImapParseError("IMAP server sent no STATUS response for mailbox \"" +
                             sanitize_for_message(mailbox) + "\"");
    }
    return *found;
}

std::vector<std::uint32_t> parse_search(std::string_view bytes) {
    std::vector<std::uint32_t> uids;
    bool seen = false;
    for (std::string_view line : split_lines(bytes)) {
        if (line_type(line, "SEARCH") != "SEARCH") continue;
        seen = true;
        Cursor c(line, "SEARCH");
        untagged_head(c);
        c.skip_spaces();
        while (!c.at_end()) {
            uids.push_back(c.nz_u32("UID"));
            c.skip_spaces();
        }
    }
    if (!seen) throw ImapParseError("IMAP server sent no SEARCH response");
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return uids;
}

std::vector<FetchData> parse_fetch(std::string_view bytes) {
    struct Partial {
        std::optional<TimePoint> date;
        std::optional<std::uint64_t> size;
    };
    std::map<std::uint32_t, Partial> by_uid;
    for (std::string_view line : split_lines(bytes)) {
        if (line_type(line, "FETCH") != "FETCH") continue;
        reject_literal(line, "FETCH");
        Cursor c(line, "FETCH");
        Untagged head = untagged_head(c);
        if (!head.number || *head.number == 0) c.fail("a message sequence number before FETCH");
        c.space();
        c.expect('(');
        std::optional<std::uint32_t> uid;
        Partial p;
        c.skip_spaces();
        while (c.peek() != ')') {
            std::string att = fetch_att_name(c);
            c.space();
            if (att == "UID") {
                if (uid) c.fail("UID only once");
                uid = c.nz_u32("UID");
            } else if (att == "INTERNALDATE") {
                if (p.date) c.fail("INTERNALDATE only once");
                if (c.peek() != '"') c.fail("INTERNALDATE as a quoted string");
                std::string s = c.quoted();
                p.date = parse_imap_internaldate(s);
                if (!p.date) c.fail("INTERNALDATE as dd-Mon-yyyy hh:mm:ss +zzzz");
            } else if (att == "RFC822.SIZE") {
                if (p.size) c.fail("RFC822.SIZE only once");
                p.size = c.number(kMaxU63, "RFC822.SIZE");
            } else {
                c.skip_value();  // FLAGS, MODSEQ, ...
            }
            c.skip_spaces();
            if (c.at_end()) c.fail("')'");
        }
        c.expect(')');
        c.expect_end();
        if (!uid) continue;  // unsolicited flag update without UID
        Partial& have = by_uid[*uid];
        if ((p.date && have.date && *p.date != *have.date) ||
            (p.size && have.size && *p.size != *have.size)) {
            throw ImapParseError("IMAP server sent conflicting FETCH data for UID " +
                                 std::to_string(*uid));
        }
        if (p.date) have.date = p.date;
        if (p.size) have.size = p.size;
    }
    std::vector<FetchData> out;
    for (const auto& [uid, p] : by_uid) {
        if (p.date && p.size) out.push_back(FetchData{uid, *p.date, *p.size});
    }
    return out;
}

std::vector<std::string> parse_list(std::string_view bytes) {
    std::vector<std::string> names;
    for (std::string_view line : split_lines(bytes)) {
        if (line_type(line, "LIST") != "LIST") continue;
        reject_literal(line, "LIST");
        Cursor c(line, "LIST");
        untagged_head(c);
        c.space();
        c.expect('(');
        c.skip_spaces();
        while (c.peek() != ')') {
            c.accept('\\');
            c.atom();
            c.skip_spaces();
            if (c.at_end()) c.fail("')'");
        }
        c.expect(')');
        c.space();
        if (c.peek() == '"') {
            if (c.quoted().size() != 1) c.fail("a one-character hierarchy delimiter");
        } else if (!iequals(c.atom(), "NIL")) {
            c.fail("a quoted hierarchy delimiter or NIL");
        }
        c.space();
        names.push_back(c.astring());
        c.skip_spaces();
        if (!c.at_end()) c.skip_value();  // LIST-EXTENDED data
        c.expect_end();
    }
    return names;
}

std::optional<TaggedResponse> parse_tagged(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    std::size_t sp = line.find(' ');
    if (sp == 0 || sp == std::string_view::npos) return std::nullopt;
    std::string_view tag = line.substr(0, sp);
    for (char ch : tag) {
        if (!is_atom_char(ch, true) || ch == '+') return std::nullopt;
    }
    std::string_view rest = line.substr(sp + 1);
    std::size_t sp2 = rest.find(' ');
    std::string status = upper(rest.substr(0, sp2));
    if (status != "OK" && status != "NO" && status != "BAD") return std::nullopt;
    TaggedResponse r;
    r.tag = std::string(tag);
    r.status = status;
    rest = sp2 == std::string_view::npos ? std::string_view{} : rest.substr(sp2 + 1);
    if (!rest.empty() && rest.front() == '[') {
        std::size_t close = rest.find(']');
        if (close != std::string_view::npos) {
            r.code = sanitize_for_message(rest.substr(1, close - 1));
            rest.remove_prefix(close + 1);
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        }
    }
    r.text = sanitize_for_message(rest, 200);
    return r;
}

std::string quote_mailbox(std::string_view name) {
    if (name.empty()) throw ImapParseError("empty IMAP mailbox name");
    std::string out = "\"";
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            throw ImapParseError("IMAP mailbox name contains a control character: \"" +
                                 sanitize_for_message(name) + "\"");
        }
        if (u >= 0x80) {
            throw ImapParseError("IMAP mailbox name \"" + sanitize_for_message(name) +
                                 "\" is not ASCII; write it in IMAP modified UTF-7 (RFC 3501 "
                                 "5.1.3) as the server lists it");
        }
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string uid_set(const std::vector<std::uint32_t>& sorted_uids) {
    std::string out;
    std::size_t i = 0;
    while (i < sorted_uids.size()) {
        std::uint32_t first = sorted_uids[i];
        if (first == 0 || (i > 0 && first <= sorted_uids[i - 1])) {
            throw std::invalid_argument("uid_set needs ascending, non-zero, unique UIDs");
        }
        std::size_t j = i;
        while (j + 1 < sorted_uids.size() && sorted_uids[j + 1] == sorted_uids[j] + 1) ++j;
        if (!out.empty()) out.push_back(',');
        out += std::to_string(first);
        if (j > i) out += ":" + std::to_string(sorted_uids[j]);
        i = j + 1;
    }
    return out;
}

}  // namespace embargo::imap
