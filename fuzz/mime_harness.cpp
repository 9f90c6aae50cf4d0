// Fuzz harness for mime::parse: whole messages, parsed with the default
// limits and with tight ones, checked against the promises of mime.hpp
// (never throws, offsets nest inside the message, attachments point into the
// tree, decoded views are UTF-8).
#include <set>
#include <vector>

#include "fuzz/harness.hpp"
#include "parsers/mime.hpp"

namespace embargo::fuzz {
namespace {

void collect(const mime::Part& root, std::set<const mime::Part*>& parts) {
    std::vector<const mime::Part*> stack{&root};
    while (!stack.empty()) {
        const mime::Part* p = stack.back();
        stack.pop_back();
        parts.insert(p);
        for (const mime::Part& c : p->children) stack.push_back(&c);
    }
}

void check_address(const mime::Address& a) {
    require(is_valid_utf8(a.name), "mime: address display name is not UTF-8");
    for (const char c : a.address)
        require(!(c >= 'A' && c <= 'Z'), "mime: address is not lower case");
}

void check_attachments(const mime::Message& m) {
    std::set<const mime::Part*> parts;
    collect(m.root, parts);
    for (const mime::Part* a : m.attachments)
        require(parts.count(a) == 1, "mime: attachment pointer outside the message's tree");
}

void check(std::string_view raw, const mime::Message& m, const mime::Limits& limits) {
    std::set<const mime::Part*> parts;
    collect(m.root, parts);
    for (const mime::Part* p : parts) {
        require(p->begin <= p->body_begin && p->body_begin <= p->end && p->end <= raw.size(),
                "mime: part offsets out of order or past the message");
        std::size_t prev_end = p->body_begin;
        for (const mime::Part& c : p->children) {
            require(c.begin >= prev_end && c.end <= p->end,
                    "mime: child part outside its parent or overlapping its sibling");
            prev_end = c.end;
        }
        require(is_valid_utf8(p->filename), "mime: filename is not UTF-8");
        require(p->children.empty() || p->body.empty(), "mime: multipart with a leaf body");
        if (p->type == "text" && p->children.empty())
            require(is_valid_utf8(p->text()), "mime: Part::text() is not UTF-8");
        for (const char c : p->type + p->subtype + p->disposition + p->transfer_encoding)
            require(!(c >= 'A' && c <= 'Z'), "mime: type/disposition/encoding not lower case");
    }
    // One more than the limit: the root, which is not a child of anything.
    require(parts.size() <= limits.max_parts + 1, "mime: more parts than max_parts");
    check_attachments(m);
    require(is_valid_utf8(m.subject), "mime: subject is not UTF-8");
    require(is_valid_utf8(m.text_plain), "mime: text_plain is not UTF-8");
    require(is_valid_utf8(m.text_html), "mime: text_html is not UTF-8");
    check_address(m.from);
    for (const auto& a : m.to) check_address(a);
    for (const auto& a : m.cc) check_address(a);
    require(!m.limits_hit || m.malformed, "mime: limits_hit without malformed");
    // Problems are for the log: their number must not grow with the input.
    require(m.problems.size() <= 200, "mime: unbounded number of problems");
}

}  // namespace

void fuzz_mime(const std::uint8_t* data, std::size_t size) {
    const std::string_view raw = as_text(data, size);
    mime::Limits tight;
    tight.max_parts = 8;
    tight.max_depth = 3;
    tight.max_header_bytes = 1024;
    for (const mime::Limits& limits : {mime::Limits{}, tight}) {
        const mime::Message m = mime::parse(raw, limits);
        check(raw, m, limits);
        // Copies and moves must re-point the attachments at their own tree.
        mime::Message copy = m;
        check_attachments(copy);
        const mime::Message moved = std::move(copy);
        check_attachments(moved);
        require(moved.attachments.size() == m.attachments.size(), "mime: copy lost attachments");
    }
}

}  // namespace embargo::fuzz
