// The policy's step for a report that is already public (issue 14, part 4):
// recognising a report that says so, and the ready reply that asks the
// reporter whether the issue can still be handled privately. The Fix Lead
// gets the draft in a `public-reply-draft` notice and sends it with
// "/reply draft". Pure: no I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/workflow_types.hpp"

namespace embargo::public_report {

// The flag a case gets when one of its reports says it is already public.
inline constexpr std::string_view kFlag = "reported-public";

// Whether the report text says the issue is already public. Conservative on
// purpose (a false alarm costs the lead one mail, but a daemon that guesses
// loosely teaches people to ignore it): only fixed phrases such as
// "already public", "already been disclosed", "was publicly disclosed",
// "is public knowledge" count, matched on whole words in unquoted lines,
// and not when a negation or condition ("not", "never", "n't", "if",
// "before", "until", "whether", ...) precedes the phrase in the same
// sentence within four words. Returns the phrase as listed here (never
// report text), or nullopt.
std::optional<std::string> says_public(std::string_view text);

// The ready reply to the reporter(s), without the "Case:" line: thanks, the
// public location when /public gave one, the question whether it can still
// be handled privately, and what happens either way. No report subject or
// text, so nothing leaks even where it goes out unencrypted.
std::string reply_draft(const Case& c, const Config& cfg);

// To the lead (all members when the case has none): why the draft was made
// (`why`: one sentence), the draft, and how to send it ("/reply draft") or
// change it. Encrypted like every case notice.
workflow::NoticeRequest draft_notice(const Case& c, const Config& cfg, std::string_view why);

}  // namespace embargo::public_report
