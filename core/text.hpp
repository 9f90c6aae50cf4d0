// Small text utilities shared by the rules and the edges: HTML to plain text,
// address helpers, trimming. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace embargo {

std::string trim(std::string_view s);
std::string to_lower(std::string_view s);
// Plain text of an HTML body: tags removed (script/style content too), line
// breaks for block elements, character references decoded. Linear in the input.
std::string html_to_text(std::string_view html);
// A plausible addr-spec (local@domain, no blanks or angle brackets).
bool looks_like_email(std::string_view s);
std::vector<std::string> split_lines(std::string_view text);

}  // namespace embargo
