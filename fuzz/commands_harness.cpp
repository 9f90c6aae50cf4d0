// Fuzz harness for commands::parse and its validators: a team member's mail
// text. Errors and commands exclude each other, counts stay within the
// options, and every validator's output is a fixed point of that validator.
#include <optional>

#include "fuzz/harness.hpp"
#include "parsers/commands.hpp"

namespace embargo::fuzz {
namespace {

template <typename F>
void check_fixed_point(F normalise, std::string_view input, const char* what) {
    const std::optional<std::string> once = normalise(input);
    if (!once) return;
    const std::optional<std::string> twice = normalise(*once);
    require(twice && *twice == *once, what);
}

}  // namespace

void fuzz_commands(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = as_text(data, size);
    commands::Options opts;
    opts.case_prefix = "EMST";
    const commands::ParseResult r = commands::parse(text, opts);
    require(r.errors.empty() || r.commands.empty(), "commands: commands returned with errors");
    require(r.commands.size() <= opts.max_commands, "commands: more than max_commands");
    // max_errors, plus the one line that summarises the rest.
    require(r.errors.size() <= opts.max_errors + 1, "commands: more than max_errors errors");
    require(r.text_without_commands.size() <= text.size(), "commands: text without commands grew");

    // The validators on the first line of the input (a token-sized value).
    const std::string_view line = text.substr(0, std::min(text.find('\n'), std::size_t{4096}));
    check_fixed_point(commands::normalise_email, line, "commands: normalise_email not idempotent");
    check_fixed_point(commands::normalise_url, line, "commands: normalise_url not idempotent");
    check_fixed_point(commands::normalise_version, line,
                      "commands: normalise_version not idempotent");
    check_fixed_point(commands::normalise_cve, line, "commands: normalise_cve not idempotent");
    check_fixed_point([](std::string_view s) { return commands::normalise_case_id(s, "EMST"); },
                      line, "commands: normalise_case_id not idempotent");

    // Edit distance: symmetric, zero on itself, capped.
    const std::size_t half = std::min(line.size() / 2, std::size_t{64});
    const std::string_view a = line.substr(0, half);
    const std::string_view b = line.substr(half, 64);
    const std::size_t cap = 3;
    const std::size_t ab = commands::edit_distance(a, b, cap);
    require(ab <= cap + 1, "commands: edit_distance past cap + 1");
    require(ab == commands::edit_distance(b, a, cap), "commands: edit_distance not symmetric");
    require(commands::edit_distance(a, a, cap) == 0, "commands: edit_distance(a, a) != 0");
    (void)commands::likely_typo(a);
}

}  // namespace embargo::fuzz
