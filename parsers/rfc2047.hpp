// Private helpers of the MIME parser for header text (the public entry point,
// mime::decode_header_words, is declared in parsers/mime.hpp).
#pragma once

#include <string>
#include <string_view>

namespace embargo::mime::detail {

// Raw header text as UTF-8: invalid bytes become U+FFFD and control
// characters (CR, LF, NUL, ...; not TAB) become spaces, so a decoded value can
// never smuggle a line break into a header we write or a log line.
std::string header_text_to_utf8(std::string_view raw);

// Replaces control characters other than TAB with spaces, in place.
void blank_controls(std::string& s);

}  // namespace embargo::mime::detail
