// Fuzz harness for the header-level MIME decoders: RFC 2047 words, address
// lists and charset conversion. The first byte picks the function ('0', '1',
// '2' in the seeds); for to_utf8 the charset name is the text up to the first
// newline.
#include "fuzz/harness.hpp"
#include "parsers/mime.hpp"

namespace embargo::fuzz {

void fuzz_mime_header(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    const std::string_view rest = as_text(data + 1, size - 1);
    switch (data[0] % 3) {
        case 0: {
            const std::string out = mime::decode_header_words(rest);
            require(is_valid_utf8(out), "mime: decode_header_words output is not UTF-8");
            break;
        }
        case 1: {
            for (const mime::Address& a : mime::parse_addresses(rest)) {
                require(is_valid_utf8(a.name), "mime: parse_addresses name is not UTF-8");
                for (const char c : a.address)
                    require(!(c >= 'A' && c <= 'Z'), "mime: parsed address is not lower case");
            }
            break;
        }
        default: {
            const std::size_t nl = rest.find('\n');
            const std::string_view charset =
                nl == std::string_view::npos ? std::string_view{} : rest.substr(0, nl);
            const std::string_view bytes =
                nl == std::string_view::npos ? rest : rest.substr(nl + 1);
            bool ok = false;
            const std::string out = mime::to_utf8(bytes, charset, &ok);
            require(is_valid_utf8(out), "mime: to_utf8 output is not UTF-8");
            require(mime::to_utf8(bytes, charset) == out, "mime: to_utf8 is not deterministic");
            if (!ok) break;
            // Nothing replaced: converting the UTF-8 result again changes nothing.
            require(mime::to_utf8(out, "utf-8") == out, "mime: to_utf8 changed clean UTF-8");
            break;
        }
    }
}

}  // namespace embargo::fuzz
