// Command lines in a team member's mail (SPEC section 5): finds them, catches
// likely typos, and validates every argument into typed workflow::Commands
// (a /cvss vector is scored here, so the rules core never needs the CVSS
// component). Hostile input: bounded work and memory, every error names the
// line and what is wrong.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/workflow_types.hpp"

namespace embargo::commands {

using workflow::Command;
using workflow::CommandKind;

struct Options {
    // Prefix of case ids for /merge ("EMST"); empty accepts any PREFIX-YYYY-NNNN.
    std::string case_prefix;
    std::size_t max_commands = 50;       // per message
    std::size_t max_values = 50;         // addresses / versions / URLs per command
    std::size_t max_text_bytes = 2000;   // a reason, a mitigation, notes
    std::size_t max_token_bytes = 2048;  // one address, version, URL or vector
    std::size_t max_line_bytes = 8192;   // one command line
    std::size_t max_errors = 20;         // more are summarised in one line
};

struct ParseResult {
    std::vector<Command> commands;    // in message order; empty when errors
    std::vector<std::string> errors;  // "line 3: /cvs is not a command; did you mean /cvss?"
    // The text with every command line removed (what /reply relays).
    std::string text_without_commands;
    bool ok() const { return errors.empty(); }
};

// A command is a line whose first non-blank character is "/" followed by a
// keyword (any case). Quoted lines (first non-blank ">") and everything after
// the signature separator line ("-- ", or "--" when a mail client stripped
// the blank) are ignored. A "/word" within edit distance 1 of a keyword of up
// to 4 letters, or 2 of a longer one (swapping two adjacent letters is one
// edit), is an error; other "/..." lines (paths, URLs) are plain text.
// When there is any error, `commands` is empty: nothing may be applied.
ParseResult parse(std::string_view text, const Options& opts = {});

// Validators, exposed for reuse and tests. Each returns the normalised value
// or nullopt.
// "Alice@Example.ORG" or "<alice@example.org>" -> "alice@example.org".
std::optional<std::string> normalise_email(std::string_view s);
// http(s) only, a host, no blanks or control characters, no user:password@.
std::optional<std::string> normalise_url(std::string_view s);
// "1.13.4", "v2.0.0-rc1", "master", "release/1.13": letters, digits, . _ - + /.
std::optional<std::string> normalise_version(std::string_view s);
// "cve-2026-1234" -> "CVE-2026-1234" (4 to 19 digits after the year).
std::optional<std::string> normalise_cve(std::string_view s);
// "EMST-2026-0001" or "[EMST-2026-0001]" with the given prefix (any when empty).
std::optional<std::string> normalise_case_id(std::string_view s, std::string_view prefix);

// Optimal-string-alignment edit distance, computed up to `cap` (returns cap+1
// when larger): insertions, deletions, substitutions, adjacent swaps.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap);
// The keyword `word` (lower case, without the slash) is a likely typo of, if any.
std::optional<std::string_view> likely_typo(std::string_view word);

}  // namespace embargo::commands
