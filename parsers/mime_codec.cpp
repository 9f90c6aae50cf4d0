// Content-transfer decoding for the MIME parser. mimetic's decoders do the
// decoding; this file cleans their input first because mimetic's Base64
// decoder silently skips bad bytes (we must report them) and its QP decoder
// turns blanks at the very end of a body into a stray "=".
#include "parsers/mime_codec.hpp"

#include <mimetic/codec/base64.h>
#include <mimetic/codec/qp.h>

#include <iterator>

namespace embargo::mime::detail {
namespace {

bool is_b64(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

}  // namespace

std::string decode_base64(std::string_view in, Base64Status* status) {
    // Reduce the input to whole groups of four so that mimetic only ever sees
    // alphabet characters and well-placed padding (it would mis-decode an
    // "=" in the first two places of a group).
    Base64Status st;
    std::string clean;
    clean.reserve(in.size());
    int pos = 0;              // place in the current group of four
    bool second_pad = false;  // "xx=" seen: one more "=" may follow
    for (const char c : in) {
        if (is_space(c)) continue;
        if (is_b64(c)) {
            second_pad = false;
            clean += c;
            pos = (pos + 1) % 4;
        } else if (c == '=') {
            if (second_pad) {
                second_pad = false;
            } else if (pos == 2) {
                clean += "==";
                pos = 0;
                second_pad = true;
            } else if (pos == 3) {
                clean += '=';
                pos = 0;
            } else if (pos == 1) {
                ++st.garbage;  // padding after a single character: nothing to pad
            }
            // "=" at the start of a group: surplus padding after a complete
            // group, harmless.
        } else {
            second_pad = false;
            ++st.garbage;
        }
    }
    if (pos == 1) {
        st.truncated = true;
        clean.pop_back();
    }
    std::string out;
    out.reserve(clean.size() / 4 * 3 + 3);
    mimetic::Base64::Decoder dec;
    dec.process(clean.begin(), clean.end(), std::back_inserter(out));
    if (status != nullptr) *status = st;
    return out;
}

std::string decode_quoted_printable(std::string_view in) {
    // RFC 2045 6.7 (3): trailing blanks are transport padding. Removing them
    // at the very end also avoids mimetic's flush() emitting a stray "=".
    while (!in.empty() && (in.back() == ' ' || in.back() == '\t')) in.remove_suffix(1);
    std::string out;
    out.reserve(in.size());
    mimetic::QP::Decoder dec;
    dec.process(in.begin(), in.end(), std::back_inserter(out));
    return out;
}

}  // namespace embargo::mime::detail
