// MIME parsing of incoming mail (RFC 5322, 2045-2049, 2047, 2231) on top of
// mimetic, hardened for hostile input: never throws for bad mail, records what
// was wrong, and enforces the configured limits. Byte offsets into the raw
// message are kept so signatures can be checked over the exact bytes sent.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace embargo::mime {

struct Limits {
    std::size_t max_parts = 1000;
    std::size_t max_depth = 20;
    std::size_t max_header_bytes = 262144;  // one part's header block
};

struct Header {
    std::string name;   // as written
    std::string value;  // unfolded, not RFC 2047 decoded, leading blanks trimmed
};

struct Part {
    std::vector<Header> headers;
    std::string type = "text";  // lower case; a part without Content-Type is text/plain
    std::string subtype = "plain";
    std::map<std::string, std::string> params;  // lower-case names, RFC 2231 decoded values
    std::string disposition;                    // lower case: "attachment", "inline" or ""
    std::string filename;                       // decoded (Content-Disposition filename or type name)
    std::string transfer_encoding;              // lower case, "7bit" when absent

    // Byte offsets into the raw message. [begin, body_begin) is the header
    // block, [body_begin, end) the body; end excludes the CRLF that precedes
    // the next boundary line. For multipart/signed the first child's
    // [begin, end) is exactly the signed data of RFC 3156.
    std::size_t begin = 0;
    std::size_t body_begin = 0;
    std::size_t end = 0;

    std::string body;  // leaves only: content-transfer-decoded bytes
    std::vector<Part> children;

    bool is(std::string_view type_, std::string_view subtype_) const {
        return type == type_ && subtype == subtype_;
    }
    bool is_multipart() const { return type == "multipart"; }
    // First header with that name (case-insensitive), or nullptr.
    const Header* header(std::string_view name) const;
    // For text/* leaves: the body converted to UTF-8 from its charset
    // (unknown charsets: invalid bytes replaced with U+FFFD).
    std::string text() const;
};

struct Address {
    std::string name;     // display name, RFC 2047 decoded
    std::string address;  // lower case local@domain, empty if none could be read
};

struct Message {
    // `attachments` points into `root`: copies and moves re-point it at the
    // new tree (update these when adding members).
    Message() = default;
    Message(const Message& other);
    Message(Message&& other) noexcept;
    Message& operator=(const Message& other);
    Message& operator=(Message&& other) noexcept;
    ~Message() = default;

    Part root;

    // Convenience views of the top-level headers, decoded.
    std::string message_id;  // without angle brackets; empty when absent
    std::string in_reply_to;
    std::vector<std::string> references;  // oldest first, without angle brackets
    Address from;
    std::vector<Address> to;
    std::vector<Address> cc;
    std::string subject;  // RFC 2047 decoded, UTF-8
    std::optional<TimePoint> date;
    bool has_return_path = false;
    std::string return_path;  // empty for the null path "<>"

    // Text of the message for humans: every text/plain leaf that is not an
    // attachment, in order, UTF-8; text/html leaves are kept apart (raw HTML).
    std::string text_plain;
    std::string text_html;
    // Leaves that are attachments (disposition attachment, or non-text types).
    std::vector<const Part*> attachments;

    // Problems found while parsing, for the log and flags (never content).
    std::vector<std::string> problems;
    bool malformed = false;  // problems that lost information
    bool limits_hit = false;

    // First top-level header with that name (case-insensitive), undecoded.
    const Header* header(std::string_view name) const { return root.header(name); }
};

// Parses a whole message. Never throws for malformed input: it keeps what it
// can read, records problems and sets `malformed`. Parts beyond the limits are
// not parsed (limits_hit, malformed).
Message parse(std::string_view raw, const Limits& limits = {});

// Decodes RFC 2047 encoded-words in a header value into UTF-8.
std::string decode_header_words(std::string_view value);

// Converts bytes in `charset` to UTF-8; unknown charsets and invalid bytes
// become U+FFFD. Sets `ok` to false when anything had to be replaced.
std::string to_utf8(std::string_view bytes, std::string_view charset, bool* ok = nullptr);

// Parses an address-list header value ("A <a@x>, b@y, "C, D" <c@z>").
std::vector<Address> parse_addresses(std::string_view value);

}  // namespace embargo::mime
