// MIME parsing of incoming mail (parsers/mime.hpp): the entity tree with
// exact byte offsets, limits, and the decoded convenience views.
//
// The entity tree is built here, not by mimetic: mimetic keeps no offsets
// (PGP/MIME needs the exact signed bytes), recurses once per nesting level,
// treats any line that merely starts with "--boundary" as a delimiter, and
// grows header buffers 128 bytes at a time (quadratic on a long field). A
// second tree from mimetic next to ours could disagree with the offsets we
// hand to signature checks, so there is exactly one reading: a single pass
// over the lines with an explicit stack of open multiparts (no recursion, so
// 5,000 nested multiparts cannot exhaust the stack). mimetic decodes the
// Base64 and quoted-printable bodies (parsers/mime_codec.cpp).
#include "parsers/mime.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parsers/charset.hpp"
#include "parsers/mime_codec.hpp"
#include "parsers/mime_fields.hpp"
#include "parsers/rfc2047.hpp"

namespace embargo::mime {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);
// Part copies and destruction recurse once per level; whatever the
// configuration says, deeper trees are not built.
constexpr std::size_t kHardMaxDepth = 1000;
constexpr std::size_t kMaxProblems = 100;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

// Position of the ':' of a header field line ("Name:" or "Name  :"), or npos.
std::size_t field_colon(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size()) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c <= 32 || c >= 127 || c == ':') break;
        ++i;
    }
    if (i == 0) return std::string_view::npos;
    std::size_t j = i;
    while (j < line.size() && is_wsp(line[j])) ++j;
    return (j < line.size() && line[j] == ':') ? j : std::string_view::npos;
}

std::string without_nul(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        if (c != '\0') out += c;
    }
    return out;
}

// Text for humans uses LF line ends whatever the transfer used.
void append_text(std::string& dst, std::string_view text) {
    if (text.empty()) return;
    if (!dst.empty() && dst.back() != '\n') dst += '\n';
    dst.reserve(dst.size() + text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        dst += text[i];
    }
}

struct Line {
    std::size_t begin = 0;        // first byte
    std::size_t content_end = 0;  // before the CRLF or LF
    std::size_t next = 0;         // first byte of the next line
};

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Parser {
  public:
    Parser(std::string_view raw, const Limits& limits, Message& msg)
        : raw_(raw),
          max_parts_(std::max<std::size_t>(limits.max_parts, 1)),
          max_depth_(std::min(limits.max_depth, kHardMaxDepth)),
          max_header_(limits.max_header_bytes),
          msg_(msg) {}

    void run() {
        new_node(kNone, 0);
        bool bare_lf = false;
        std::size_t pos = 0;
        while (pos < raw_.size()) {
            const Line l = line_at(pos);
            if (l.next - l.content_end == 1) bare_lf = true;
            on_line(l);
            pos = l.next;
        }
        finish();
        if (bare_lf) problem("message: bare LF line endings", false);
        convert_texts();
        assemble();
        top_level_fields();
    }

  private:
    enum class Phase { Header, Body };

    struct Node {
        Part part;
        std::size_t parent = kNone;
        std::vector<std::size_t> kids;
        std::size_t depth = 0;
        std::string where;  // "message" or "part 1.2" (IMAP section numbers)
        Phase phase = Phase::Header;
        bool container = false;  // its children were parsed
        bool attachment = false;
        std::size_t header_bytes = 0;
        bool header_cut = false;
        bool header_nul = false;
    };

    struct Context {
        std::size_t node;
        std::string boundary;
    };

    void problem(std::string text, bool lost_information) {
        if (lost_information) msg_.malformed = true;
        if (msg_.problems.size() < kMaxProblems) {
            msg_.problems.push_back(std::move(text));
        } else if (msg_.problems.size() == kMaxProblems) {
            msg_.problems.emplace_back("message: more problems, not listed");
        }
    }

    void limit_hit(std::string text) {
        msg_.limits_hit = true;
        problem(std::move(text), true);
    }

    Line line_at(std::size_t pos) const {
        Line l;
        l.begin = pos;
        const void* nl = std::memchr(raw_.data() + pos, '\n', raw_.size() - pos);
        if (nl == nullptr) {
            l.content_end = l.next = raw_.size();
            return l;
        }
        const auto k = static_cast<std::size_t>(static_cast<const char*>(nl) - raw_.data());
        l.content_end = (k > pos && raw_[k - 1] == '\r') ? k - 1 : k;
        l.next = k + 1;
        return l;
    }

    // Where a part ends when the delimiter line starts at `line_begin`: the
    // line break before it belongs to the delimiter (RFC 2046 5.1.1).
    std::size_t end_before(std::size_t line_begin) const {
        if (line_begin >= 2 && raw_[line_begin - 1] == '\n' && raw_[line_begin - 2] == '\r') {
            return line_begin - 2;
        }
        if (line_begin >= 1 && raw_[line_begin - 1] == '\n') return line_begin - 1;
        return line_begin;
    }

    std::size_t new_node(std::size_t parent, std::size_t begin) {
        const std::size_t idx = nodes_.size();
        Node n;
        n.part.begin = n.part.body_begin = n.part.end = begin;
        n.parent = parent;
        if (parent == kNone) {
            n.where = "message";
        } else {
            Node& p = nodes_[parent];
            p.kids.push_back(idx);
            n.depth = p.depth + 1;
            n.where = (p.parent == kNone ? std::string("part ") : p.where + ".") +
                      std::to_string(p.kids.size());
            if (p.part.is("multipart", "digest")) {  // RFC 2046 5.1.5
                n.part.type = "message";
                n.part.subtype = "rfc822";
            }
        }
        nodes_.push_back(std::move(n));
        open_.push_back(idx);
        return idx;
    }

    void push_context(std::size_t node, std::string boundary) {
        by_boundary_[boundary].push_back(ctx_.size());
        ctx_.push_back({node, std::move(boundary)});
        nodes_[node].container = true;
    }

    void pop_context() {
        const auto it = by_boundary_.find(ctx_.back().boundary);
        it->second.pop_back();
        if (it->second.empty()) by_boundary_.erase(it);
        ctx_.pop_back();
    }

    // Is this line "--boundary" or "--boundary--" (plus transport padding)
    // of an open multipart? The innermost one wins.
    bool match_delimiter(const Line& l, std::size_t& level, bool& closing) const {
        std::string_view s = raw_.substr(l.begin, l.content_end - l.begin);
        if (s.size() < 3 || s[0] != '-' || s[1] != '-') return false;
        s.remove_prefix(2);
        while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
        bool found = false;
        if (const auto it = by_boundary_.find(s); it != by_boundary_.end()) {
            level = it->second.back();
            closing = false;
            found = true;
        }
        if (s.size() > 2 && s.ends_with("--")) {
            const auto it = by_boundary_.find(s.substr(0, s.size() - 2));
            if (it != by_boundary_.end() && (!found || it->second.back() > level)) {
                level = it->second.back();
                closing = true;
                found = true;
            }
        }
        return found;
    }

    void on_line(const Line& l) {
        if (!ctx_.empty()) {
            std::size_t level = 0;
            bool closing = false;
            if (match_delimiter(l, level, closing)) {
                on_delimiter(level, closing, l);
                return;
            }
        }
        const std::size_t cur = open_.back();
        if (nodes_[cur].phase == Phase::Header) header_line(cur, l);
    }

    void on_delimiter(std::size_t level, bool closing, const Line& l) {
        const std::size_t container = ctx_[level].node;
        const std::size_t end = end_before(l.begin);
        while (open_.back() != container) {
            close_node(open_.back(), end);
            open_.pop_back();
        }
        while (ctx_.size() > level + 1) {
            problem(nodes_[ctx_.back().node].where + ": multipart not closed", true);
            pop_context();
        }
        if (closing) {
            pop_context();  // the container stays open for its epilogue
            return;
        }
        if (nodes_.size() >= max_parts_) {
            // Lines up to the next delimiter fall to the container, unparsed.
            if (!parts_limit_reported_) {
                parts_limit_reported_ = true;
                limit_hit("message: more than " + std::to_string(max_parts_) +
                          " parts: the rest is not parsed");
            }
            return;
        }
        new_node(container, l.next);
    }

    void header_line(std::size_t idx, const Line& l) {
        Node& nd = nodes_[idx];
        std::string_view content = raw_.substr(l.begin, l.content_end - l.begin);
        if (content.empty()) {
            end_header(idx, l.next, true);
            return;
        }
        if (nd.header_cut) return;  // skipping to the end of an oversized block
        const std::size_t line_bytes = l.next - l.begin;
        if (nd.header_bytes + line_bytes > max_header_) {
            // Cut before anything sees the block: nothing downstream has to
            // cope with a field longer than the limit.
            const std::size_t room =
                max_header_ > nd.header_bytes ? max_header_ - nd.header_bytes : 0;
            content = content.substr(0, std::min(room, content.size()));
            nd.header_cut = true;
            problem(nd.where + ": header block over " + std::to_string(max_header_) + " bytes: cut",
                    true);
        }
        nd.header_bytes += line_bytes;
        if (content.empty()) return;
        if (idx == 0 && l.begin == 0 && content.starts_with("From ")) return;  // mbox separator
        std::string cleaned;
        if (content.find('\0') != std::string_view::npos) {
            if (!nd.header_nul) {
                nd.header_nul = true;
                problem(nd.where + ": NUL bytes in header: removed", true);
            }
            cleaned = without_nul(content);
            content = cleaned;
            if (content.empty()) return;
        }
        if (is_wsp(content[0])) {
            // Continuation: unfolding removes only the line break (RFC 5322 2.2.3).
            if (!nd.part.headers.empty()) nd.part.headers.back().value += content;
            return;
        }
        const std::size_t colon = field_colon(content);
        if (colon == std::string_view::npos) {
            // Like mimetic and most clients: a line that is no field ends the
            // header block and starts the body.
            problem(nd.where + ": header line without a colon: body taken to start there", false);
            end_header(idx, l.begin, true);
            return;
        }
        std::string_view name = content.substr(0, colon);
        while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
        std::string_view value = content.substr(colon + 1);
        while (!value.empty() && is_wsp(value.front())) value.remove_prefix(1);
        nd.part.headers.push_back({std::string(name), std::string(value)});
    }

    void end_header(std::size_t idx, std::size_t body_begin, bool may_open) {
        Node& nd = nodes_[idx];
        nd.phase = Phase::Body;
        nd.part.body_begin = body_begin;
        analyze_headers(nd);
        if (!nd.part.is_multipart()) return;
        const auto b = nd.part.params.find("boundary");
        // Delimiter lines are matched with trailing blanks removed, so the
        // boundary is too (RFC 2046 forbids it to end in a space anyway).
        std::string_view boundary = b == nd.part.params.end() ? std::string_view() : b->second;
        while (!boundary.empty() && is_wsp(boundary.back())) boundary.remove_suffix(1);
        if (boundary.empty()) {
            // Reading it as text keeps the content visible to the team.
            problem(nd.where + ": multipart without boundary parameter: read as text/plain", true);
            nd.part.type = "text";
            nd.part.subtype = "plain";
            return;
        }
        if (!may_open) return;  // cut off by a delimiter or the end: no body
        if (nd.depth >= max_depth_) {
            // Reported once: a crafted message could otherwise fill the list.
            if (!depth_limit_reported_) {
                depth_limit_reported_ = true;
                limit_hit(nd.where + ": multipart nested deeper than " +
                          std::to_string(max_depth_) + " levels: not parsed");
            }
            return;
        }
        push_context(idx, std::string(boundary));
    }

    void analyze_headers(Node& nd) {
        Part& p = nd.part;
        const Header* ct = nullptr;
        const Header* cte = nullptr;
        const Header* cd = nullptr;
        for (const Header& h : p.headers) {
            const auto pick = [&](const Header*& slot, const char* what) {
                if (slot == nullptr) {
                    slot = &h;
                } else {
                    problem(nd.where + ": duplicate " + what + " header: the first is used", false);
                }
            };
            if (iequals(h.name, "Content-Type")) {
                pick(ct, "Content-Type");
            } else if (iequals(h.name, "Content-Transfer-Encoding")) {
                pick(cte, "Content-Transfer-Encoding");
            } else if (iequals(h.name, "Content-Disposition")) {
                pick(cd, "Content-Disposition");
            }
        }
        if (ct != nullptr) {
            detail::ContentField f = detail::parse_content_field(ct->value, true);
            if (f.ok) {
                p.type = std::move(f.type);
                p.subtype = std::move(f.subtype);
            } else {
                problem(nd.where + ": unreadable Content-Type: text/plain assumed", false);
                p.type = "text";
                p.subtype = "plain";
            }
            p.params = std::move(f.params);
        }
        p.transfer_encoding = cte != nullptr ? detail::parse_token(cte->value) : std::string();
        if (p.transfer_encoding.empty()) p.transfer_encoding = "7bit";
        if (cd != nullptr) {
            detail::ContentField f = detail::parse_content_field(cd->value, false);
            if (f.type == "inline" || f.type == "attachment") {
                p.disposition = f.type;
            } else if (!f.type.empty()) {
                p.disposition = "attachment";  // RFC 2183 2.8: unknown types are attachments
            }
            if (const auto it = f.params.find("filename"); it != f.params.end()) {
                p.filename = it->second;
            }
        }
        if (p.filename.empty()) {
            if (const auto it = p.params.find("name"); it != p.params.end())
                p.filename = it->second;
        }
    }

    void close_node(std::size_t idx, std::size_t end) {
        if (nodes_[idx].phase == Phase::Header) end_header(idx, end, false);
        Node& nd = nodes_[idx];
        Part& p = nd.part;
        // An empty part opened by a delimiter line whose line break also
        // precedes the next delimiter starts after `end`; moving its start
        // back keeps it inside its parent, which ends at `end` too.
        p.begin = std::min(p.begin, end);
        p.end = end;
        p.body_begin = std::clamp(p.body_begin, p.begin, p.end);
        if (!nd.container && !p.is_multipart()) decode_body(nd);
    }

    void decode_body(Node& nd) {
        Part& p = nd.part;
        const std::string_view body = raw_.substr(p.body_begin, p.end - p.body_begin);
        const std::string& cte = p.transfer_encoding;
        if (cte == "base64") {
            detail::Base64Status st;
            p.body = detail::decode_base64(body, &st);
            if (st.garbage != 0) {
                problem(nd.where + ": bad base64: " + std::to_string(st.garbage) +
                            " stray bytes skipped",
                        true);
            } else if (st.truncated) {
                problem(nd.where + ": bad base64: truncated", true);
            }
        } else if (cte == "quoted-printable") {
            p.body = detail::decode_quoted_printable(body);
        } else {
            if (cte != "7bit" && cte != "8bit" && cte != "binary") {
                problem(nd.where + ": unknown transfer encoding \"" +
                            detail::printable_charset(cte) + "\": body kept undecoded",
                        false);
            }
            p.body = std::string(body);
        }
    }

    void finish() {
        const std::size_t end = raw_.size();
        while (!open_.empty()) {
            close_node(open_.back(), end);
            open_.pop_back();
        }
        while (!ctx_.empty()) {
            problem(nodes_[ctx_.back().node].where + ": multipart not closed (message truncated?)",
                    true);
            pop_context();
        }
    }

    // Nodes are numbered in document order, so one pass fills the text views
    // in order.
    void convert_texts() {
        for (Node& nd : nodes_) {
            const Part& p = nd.part;
            if (nd.container || p.is_multipart()) continue;
            const bool text = p.type == "text" && (p.subtype == "plain" || p.subtype == "html");
            if (!text || p.disposition == "attachment") {
                nd.attachment = true;
                continue;
            }
            const auto cs = p.params.find("charset");
            const std::string_view charset = cs == p.params.end() ? std::string_view() : cs->second;
            bool ok = true;
            const std::string utf8 = to_utf8(p.body, charset, &ok);
            if (p.body.find('\0') != std::string::npos) {
                problem(nd.where + ": NUL bytes in text: replaced", true);
            } else if (!detail::charset_known(charset)) {
                problem(nd.where + ": unknown charset \"" + detail::printable_charset(charset) +
                            "\": undecodable characters replaced",
                        true);
            } else if (!ok) {
                problem(nd.where + ": text not valid in charset \"" +
                            detail::printable_charset(charset.empty() ? "us-ascii" : charset) +
                            "\": characters replaced",
                        true);
            }
            append_text(p.subtype == "plain" ? msg_.text_plain : msg_.text_html, utf8);
        }
    }

    // Moves the parts into one tree. Children always come after their parent,
    // so filling from the back finds every child already complete.
    void assemble() {
        std::vector<bool> attachment(nodes_.size());
        for (std::size_t i = 0; i < nodes_.size(); ++i) attachment[i] = nodes_[i].attachment;
        for (std::size_t i = nodes_.size(); i-- > 0;) {
            Node& nd = nodes_[i];
            nd.part.children.reserve(nd.kids.size());
            for (const std::size_t k : nd.kids)
                nd.part.children.push_back(std::move(nodes_[k].part));
        }
        msg_.root = std::move(nodes_[0].part);
        nodes_.clear();
        // Document order again, now over the final tree, for stable pointers.
        std::vector<std::pair<const Part*, std::size_t>> stack{{&msg_.root, 0}};
        std::size_t index = 0;
        if (attachment[index]) msg_.attachments.push_back(&msg_.root);
        while (!stack.empty()) {
            auto& [part, next] = stack.back();
            if (next == part->children.size()) {
                stack.pop_back();
                continue;
            }
            const Part* child = &part->children[next++];
            if (attachment[++index]) msg_.attachments.push_back(child);
            stack.emplace_back(child, 0);
        }
    }

    void top_level_fields() {
        const Part& r = msg_.root;
        if (const Header* h = r.header("Message-ID")) {
            auto ids = detail::parse_message_ids(h->value);
            if (!ids.empty()) msg_.message_id = std::move(ids.front());
        }
        if (const Header* h = r.header("In-Reply-To")) {
            auto ids = detail::parse_message_ids(h->value);
            if (!ids.empty()) msg_.in_reply_to = std::move(ids.front());
        }
        if (const Header* h = r.header("References")) {
            msg_.references = detail::parse_message_ids(h->value);
        }
        if (const Header* h = r.header("From")) {
            auto list = parse_addresses(h->value);
            if (!list.empty()) msg_.from = std::move(list.front());
        }
        if (const Header* h = r.header("To")) msg_.to = parse_addresses(h->value);
        if (const Header* h = r.header("Cc")) msg_.cc = parse_addresses(h->value);
        if (const Header* h = r.header("Subject")) {
            msg_.subject = std::string(trim(decode_header_words(h->value)));
        }
        if (const Header* h = r.header("Date")) {
            msg_.date = parse_rfc5322(trim(h->value));
            if (!msg_.date) problem("message: unreadable Date header", false);
        }
        if (const Header* h = r.header("Return-Path")) {
            msg_.has_return_path = true;
            const auto list = parse_addresses(h->value);
            if (!list.empty()) msg_.return_path = list.front().address;
        }
    }

    std::string_view raw_;
    std::size_t max_parts_;
    std::size_t max_depth_;
    std::size_t max_header_;
    Message& msg_;
    std::vector<Node> nodes_;
    std::vector<std::size_t> open_;  // nodes whose end is not known yet, outermost first
    std::vector<Context> ctx_;       // open multiparts, outermost first
    std::unordered_map<std::string, std::vector<std::size_t>, StringHash, std::equal_to<>>
        by_boundary_;  // boundary -> levels in ctx_ using it
    bool parts_limit_reported_ = false;
    bool depth_limit_reported_ = false;
};

// Pairs every part of `from` with the part at the same place in `to` (same
// shape), iteratively.
void remap(const Part& from, const Part& to, std::vector<const Part*>& pointers) {
    if (pointers.empty()) return;
    std::unordered_map<const Part*, const Part*> map;
    std::vector<std::pair<const Part*, const Part*>> stack{{&from, &to}};
    while (!stack.empty()) {
        const auto [a, b] = stack.back();
        stack.pop_back();
        map.emplace(a, b);
        for (std::size_t i = 0; i < a->children.size() && i < b->children.size(); ++i) {
            stack.emplace_back(&a->children[i], &b->children[i]);
        }
    }
    for (const Part*& p : pointers) {
        const auto it = map.find(p);
        p = it == map.end() ? nullptr : it->second;
    }
    std::erase(pointers, nullptr);
}

}  // namespace

const Header* Part::header(std::string_view name) const {
    for (const Header& h : headers) {
        if (iequals(h.name, name)) return &h;
    }
    return nullptr;
}

std::string Part::text() const {
    const auto cs = params.find("charset");
    return to_utf8(body, cs == params.end() ? std::string_view() : std::string_view(cs->second));
}

Message::Message(const Message& other) {
    *this = other;
}

Message::Message(Message&& other) noexcept {
    *this = std::move(other);
}

Message& Message::operator=(const Message& other) {
    if (this == &other) return *this;
    root = other.root;
    message_id = other.message_id;
    in_reply_to = other.in_reply_to;
    references = other.references;
    from = other.from;
    to = other.to;
    cc = other.cc;
    subject = other.subject;
    date = other.date;
    has_return_path = other.has_return_path;
    return_path = other.return_path;
    text_plain = other.text_plain;
    text_html = other.text_html;
    attachments = other.attachments;
    remap(other.root, root, attachments);
    problems = other.problems;
    malformed = other.malformed;
    limits_hit = other.limits_hit;
    return *this;
}

Message& Message::operator=(Message&& other) noexcept {
    if (this == &other) return *this;
    // Moving the tree moves every child vector's buffer, so pointers to
    // descendants stay valid; only a pointer to the root itself moves.
    const Part* old_root = &other.root;
    root = std::move(other.root);
    message_id = std::move(other.message_id);
    in_reply_to = std::move(other.in_reply_to);
    references = std::move(other.references);
    from = std::move(other.from);
    to = std::move(other.to);
    cc = std::move(other.cc);
    subject = std::move(other.subject);
    date = other.date;
    has_return_path = other.has_return_path;
    return_path = std::move(other.return_path);
    text_plain = std::move(other.text_plain);
    text_html = std::move(other.text_html);
    attachments = std::move(other.attachments);
    for (const Part*& p : attachments) {
        if (p == old_root) p = &root;
    }
    other.attachments.clear();
    problems = std::move(other.problems);
    malformed = other.malformed;
    limits_hit = other.limits_hit;
    return *this;
}

Message parse(std::string_view raw, const Limits& limits) {
    Message msg;
    try {
        Parser(raw, limits, msg).run();
    } catch (...) {
        // Out of memory or a bug: keep the promise not to throw, and say so.
        msg.malformed = true;
        msg.problems.emplace_back(
            "message: parsing stopped early (out of memory or internal error)");
    }
    return msg;
}

}  // namespace embargo::mime
