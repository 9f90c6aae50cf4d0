// Private helpers of the MIME parser: content-transfer decoding (Base64 and
// quoted-printable through mimetic's decoders, with the input checks mimetic
// does not make).
#pragma once

#include <string>
#include <string_view>

namespace embargo::mime::detail {

struct Base64Status {
    std::size_t garbage = 0;  // bytes that are neither Base64 nor white space
    bool truncated = false;   // a dangling 6-bit group at the end was dropped
    bool bad() const { return garbage != 0 || truncated; }
};

// Decodes Base64, skipping white space and tolerating missing padding.
// Anything else is skipped and counted in `status`.
std::string decode_base64(std::string_view in, Base64Status* status = nullptr);

// Decodes quoted-printable; hard line breaks come out as LF.
std::string decode_quoted_printable(std::string_view in);

}  // namespace embargo::mime::detail
