// Private helpers of the MIME parser for charset handling: UTF-8 validation
// with U+FFFD replacement and charset-name checks (the public entry point,
// mime::to_utf8, is declared in parsers/mime.hpp).
#pragma once

#include <string>
#include <string_view>

namespace embargo::mime::detail {

// Appends `in` to `out`, replacing every byte that is not part of a valid
// UTF-8 sequence (overlong forms and surrogates included) and every NUL with
// U+FFFD. Returns false when anything was replaced.
bool append_valid_utf8(std::string& out, std::string_view in);

// Appends one code point as UTF-8.
void append_code_point(std::string& out, char32_t cp);

// Lower-case charset label with blanks, quotes and an RFC 2231 "*language"
// suffix removed; "" when the label holds characters no charset name has.
std::string normalize_charset(std::string_view label);

// True when to_utf8 can convert from this charset (UTF-8, US-ASCII, empty, or
// anything glibc iconv knows).
bool charset_known(std::string_view label);

// The label in a form that is safe for a problem message: the normalized name
// if it is short and plain, else "(unreadable)".
std::string printable_charset(std::string_view label);

}  // namespace embargo::mime::detail
