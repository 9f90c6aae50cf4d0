// Reading and validating the INI configuration file (SPEC section 3) into a
// Config. Every error names the file, the line and the key.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "core/config.hpp"

namespace embargo {

// A configuration error. what() is "FILE:LINE: key: problem"; the ":LINE" part
// is left out when line is 0 (no line applies, e.g. the file cannot be read or
// a whole section is missing) and the "key: " part when key is empty (e.g. a
// syntax error on a line that has no key).
class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string file, int line, std::string key, std::string problem);

    std::string file;
    int line;
    std::string key;      // "section.key", e.g. "imap.url"; may be empty
    std::string problem;  // what is wrong and what to do, without the location
};

// Parses and validates `text`, the contents of the file at `path`. `path` is
// used in error messages and to resolve relative paths (gpg.homedir,
// storage.database, ca_file, password_file) against the file's directory.
// Relative password files are looked up in $CREDENTIALS_DIRECTORY instead when
// it is set (systemd LoadCredential=). Password files are read here: they must
// be regular files not accessible by group or others; the password is the first
// line. Throws ConfigError.
Config parse_config(std::string_view text, const std::string& path);

// Reads the file at `path` (at most 1 MiB) and parses it. Throws ConfigError,
// also when the file is missing or unreadable.
Config load_config(const std::string& path);

}  // namespace embargo
