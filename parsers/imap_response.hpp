// Pure parsers for the IMAP server responses embargo reads (STATUS, SEARCH,
// FETCH, LIST and tagged status lines) and the small encoders for what it
// sends (quoted mailbox names, UID sets). No I/O: every function is a function
// of its bytes, so the fuzz target can call them directly.
//
// Input is what libcurl hands over for a custom command: the untagged
// response lines ("* ...\r\n"), possibly mixed with unsolicited noise such as
// "* 3 EXISTS". Servers are untrusted: malformed lines, huge numbers and
// unexpected literals are rejected with ImapParseError, never guessed at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace embargo::imap {

// A server response that does not follow RFC 3501. The message quotes at most
// a short, sanitised excerpt of the offending line.
class ImapParseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Splits response bytes into lines (CRLF or LF terminated; a final line
// without terminator counts). Empty lines are dropped.
std::vector<std::string_view> split_lines(std::string_view bytes);

// The size of a literal announced at the end of a line ("... {123}" or the
// non-synchronising "{123+}"), or nullopt when the line announces none.
// Throws ImapParseError for a malformed or absurd (> 2^63-1) size.
std::optional<std::uint64_t> literal_size(std::string_view line);

// Values of "* STATUS <mailbox> (...)". Fields the server did not send stay empty.
struct StatusData {
    std::optional<std::uint32_t> uidvalidity;
    std::optional<std::uint32_t> uidnext;
    std::optional<std::uint32_t> messages;
};

// Finds the STATUS line for `mailbox` (INBOX compared case-insensitively) and
// returns its values. Other untagged lines are skipped; a malformed STATUS line
// or no STATUS line for the mailbox throws ImapParseError.
StatusData parse_status(std::string_view bytes, std::string_view mailbox);

// Collects the numbers of all "* SEARCH ..." lines, sorted and de-duplicated.
// A response without any SEARCH line throws (the server did not answer the search).
std::vector<std::uint32_t> parse_search(std::string_view bytes);

// One message of a "UID FETCH ... (UID INTERNALDATE RFC822.SIZE)" answer.
struct FetchData {
    std::uint32_t uid = 0;
    TimePoint internaldate{};
    std::uint64_t size = 0;
};

// Parses all "* n FETCH (...)" lines. Attributes of the same UID spread over
// several lines are merged; FETCH lines without UID, INTERNALDATE or
// RFC822.SIZE (unsolicited flag updates) are left out. Sorted by UID.
std::vector<FetchData> parse_fetch(std::string_view bytes);

// Mailbox names of the "* LIST (flags) delimiter name" lines.
std::vector<std::string> parse_list(std::string_view bytes);

// A tagged completion line: "A003 NO [ALREADYEXISTS] Mailbox already exists".
struct TaggedResponse {
    std::string tag;
    std::string status;  // OK, NO or BAD (upper case)
    std::string code;    // response code without brackets, e.g. "ALREADYEXISTS"; may be empty
    std::string text;    // human-readable rest, sanitised
};

// Parses a tagged completion line; nullopt for untagged ("*"), continuation
// ("+") or unrecognisable lines.
std::optional<TaggedResponse> parse_tagged(std::string_view line);

// The mailbox name as an IMAP quoted string ("INBOX", "a \"b\""). Throws
// ImapParseError for names IMAP cannot carry in a quoted string (control
// characters) or that would need modified UTF-7 (non-ASCII).
std::string quote_mailbox(std::string_view name);

// Compact UID set for a command: {1,2,3,7,9,10} -> "1:3,7,9:10". The input must
// be sorted ascending without duplicates and must not contain 0.
std::string uid_set(const std::vector<std::uint32_t>& sorted_uids);

// A printable, length-limited copy of server text for error messages.
std::string sanitize_for_message(std::string_view text, std::size_t max_len = 120);

}  // namespace embargo::imap
