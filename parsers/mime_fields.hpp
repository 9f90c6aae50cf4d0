// Private helpers of the MIME parser: structured header fields (Content-Type
// and Content-Disposition with RFC 2045/2231 parameters, Content-Transfer-
// Encoding, message ids). Address lists are public: mime::parse_addresses.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace embargo::mime::detail {

struct ContentField {
    std::string type;                           // lower case; "" when unreadable
    std::string subtype;                        // lower case; only for Content-Type
    std::map<std::string, std::string> params;  // lower-case names, RFC 2231 merged and decoded
    bool ok = false;                            // type (and subtype) could be read
};

// Parses "type/subtype; a=b; c*=utf-8''x" (with_subtype) or "inline; a=b".
// Quoted strings and comments are honoured; unquoted values run to the next
// ";". name and filename values are also RFC 2047 decoded.
ContentField parse_content_field(std::string_view value, bool with_subtype);

// First token of a value such as Content-Transfer-Encoding, lower case,
// comments removed.
std::string parse_token(std::string_view value);

// Ids from Message-ID, In-Reply-To or References: the contents of each <...>,
// white space removed, in order. Falls back to bare words holding "@" when the
// value has no angle brackets at all.
std::vector<std::string> parse_message_ids(std::string_view value);

}  // namespace embargo::mime::detail
