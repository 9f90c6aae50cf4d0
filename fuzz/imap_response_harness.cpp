// Fuzz harness for the IMAP response parsers: every parser reads the same
// server bytes. ImapParseError is the only error allowed out; results keep
// their documented order, and the encoders round-trip through the parsers
// (quote_mailbox -> LIST/STATUS, parse_search -> uid_set).
#include <algorithm>
#include <charconv>

#include "fuzz/harness.hpp"
#include "parsers/imap_response.hpp"

namespace embargo::fuzz {
namespace {

// "1:3,7" -> {1, 2, 3, 7}; bounded by the UIDs that produced it.
std::vector<std::uint32_t> expand(std::string_view set, std::size_t max) {
    std::vector<std::uint32_t> out;
    while (!set.empty()) {
        const std::size_t comma = set.find(',');
        const std::string_view range = set.substr(0, comma);
        const std::size_t colon = range.find(':');
        std::uint32_t lo = 0;
        std::uint32_t hi = 0;
        const std::string_view a = range.substr(0, colon);
        std::from_chars(a.data(), a.data() + a.size(), lo);
        hi = lo;
        if (colon != std::string_view::npos) {
            const std::string_view b = range.substr(colon + 1);
            std::from_chars(b.data(), b.data() + b.size(), hi);
        }
        require(lo <= hi && hi - lo < max, "imap: uid_set range wider than its input");
        for (std::uint64_t u = lo; u <= hi; ++u) out.push_back(static_cast<std::uint32_t>(u));
        if (comma == std::string_view::npos) break;
        set.remove_prefix(comma + 1);
    }
    return out;
}

void check_sanitized(std::string_view s, std::size_t max_len) {
    require(s.size() <= max_len + 3, "imap: sanitized text longer than its limit");
    for (const char c : s)
        require(c >= 0x20 && c < 0x7F, "imap: sanitized text has a non-printable byte");
}

}  // namespace

void fuzz_imap_response(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes = as_text(data, size);
    const std::vector<std::string_view> lines = imap::split_lines(bytes);
    for (const std::string_view line : lines) {
        require(!line.empty(), "imap: split_lines returned an empty line");
        require(line.find('\n') == std::string_view::npos, "imap: a line holds a line feed");
        try {
            (void)imap::literal_size(line);
        } catch (const imap::ImapParseError&) {
        }
        if (const auto t = imap::parse_tagged(line)) {
            require(t->status == "OK" || t->status == "NO" || t->status == "BAD",
                    "imap: tagged status not OK/NO/BAD");
            require(!t->tag.empty(), "imap: tagged response without a tag");
            check_sanitized(t->text, 200);
        }
        check_sanitized(imap::sanitize_for_message(line), 120);
    }

    try {
        (void)imap::parse_status(bytes, "INBOX");
    } catch (const imap::ImapParseError&) {
    }
    try {
        const std::vector<std::uint32_t> uids = imap::parse_search(bytes);
        require(std::adjacent_find(uids.begin(), uids.end(), std::greater_equal<>()) == uids.end(),
                "imap: SEARCH result not sorted and unique");
        require(std::find(uids.begin(), uids.end(), 0u) == uids.end(), "imap: SEARCH UID 0");
        require(expand(imap::uid_set(uids), uids.size() + 1) == uids,
                "imap: uid_set does not round-trip");
    } catch (const imap::ImapParseError&) {
    }
    try {
        const std::vector<imap::FetchData> f = imap::parse_fetch(bytes);
        for (std::size_t i = 0; i < f.size(); ++i) {
            require(f[i].uid != 0, "imap: FETCH UID 0");
            require(i == 0 || f[i - 1].uid < f[i].uid, "imap: FETCH results not sorted by UID");
        }
    } catch (const imap::ImapParseError&) {
    }
    try {
        (void)imap::parse_list(bytes);
    } catch (const imap::ImapParseError&) {
    }

    // A mailbox name we quote must come back unchanged from LIST and STATUS.
    const std::string_view name = lines.empty() ? std::string_view{} : lines.front().substr(0, 200);
    std::string quoted;
    try {
        quoted = imap::quote_mailbox(name);
    } catch (const imap::ImapParseError&) {
        return;
    }
    try {
        const auto listed = imap::parse_list("* LIST () \"/\" " + quoted + "\r\n");
        require(listed.size() == 1 && listed.front() == name,
                "imap: quote_mailbox does not round-trip through LIST");
        const auto status = imap::parse_status("* STATUS " + quoted + " (MESSAGES 7)\r\n", name);
        require(status.messages == 7u, "imap: quote_mailbox does not round-trip through STATUS");
    } catch (const imap::ImapParseError&) {
        throw InvariantError(
            "imap: a mailbox name quote_mailbox accepted is refused by the parser");
    }
}

}  // namespace embargo::fuzz
