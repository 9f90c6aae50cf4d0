// OpenPGP framing read without gpg: ASCII armor (RFC 4880 section 6) and the
// packet structure of transferable public keys. Used to find armored blocks
// in mail text and to check key data before gpg ever sees it (no secret keys,
// no key bombs), in time and memory linear in the input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace embargo::crypto::openpgp {

struct ArmorBlock {
    std::string type;       // "PGP MESSAGE", "PGP PUBLIC KEY BLOCK", "PGP SIGNED MESSAGE", ...
    std::size_t begin = 0;  // offset of the "-----BEGIN" line
    std::size_t end = 0;    // offset after the END line and its line ending
    bool complete = false;  // the matching END line was found
};

// Armor blocks in `text` whose BEGIN line starts a line (leading blanks allowed).
// A cleartext-signed block ("PGP SIGNED MESSAGE") ends with its
// "-----END PGP SIGNATURE-----" line. An unterminated block runs to the end of
// the text with complete = false. At most `max_blocks` are returned.
std::vector<ArmorBlock> find_armor(std::string_view text, std::size_t max_blocks = 64);

// Decodes one armored block (not a cleartext-signed one): skips the armor
// headers, checks the CRC-24 when present. nullopt when the block is not
// well-formed armor.
std::optional<std::string> dearmor(std::string_view block);

// The same bytes with every line ending made CRLF (RFC 3156 canonical form).
std::string to_crlf(std::string_view text);

// The tag of the first OpenPGP packet in binary data, or -1 when the data
// does not start with a packet header.
int first_packet_tag(std::string_view binary);

struct KeyLimits {
    std::size_t max_keys = 10;
    std::size_t max_bytes = 1024 * 1024;  // of the input, armored or binary
    std::size_t max_user_ids = 100;       // user ids and user attributes per key
    std::size_t max_signatures = 1000;    // signature packets per key
    std::size_t max_subkeys = 50;
};

struct KeyScan {
    // Binary transferable public keys that passed the checks (trust packets
    // dropped), in input order; at most max_keys.
    std::vector<std::string> keys;
    std::size_t keys_seen = 0;  // public keys found, accepted or not
    bool secret_key_material = false;
    // Why data or keys were refused. Counts and reasons only, never key contents.
    std::vector<std::string> refused;
};

// Reads public key data: binary packets, or any number of armored
// "PGP PUBLIC KEY BLOCK"s with text around them. Secret key blocks and keys
// containing secret packets are refused, as are keys over the limits and
// anything that is not key material.
KeyScan scan_public_keys(std::string_view data, const KeyLimits& limits);

}  // namespace embargo::crypto::openpgp
