// Threading rules: which case a message belongs to, from its references and
// the [PREFIX-YYYY-NNNN] tag in the subject; subject normalisation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/case.hpp"

namespace embargo {

// The first well-formed case tag "[PREFIX-YYYY-NNNN]" in the subject.
std::optional<std::string> subject_case_tag(std::string_view subject, std::string_view prefix);

// Every case id with this prefix mentioned anywhere in a text (for signed
// command authorisation); in order of appearance, unique.
std::vector<std::string> case_ids_in_text(std::string_view text, std::string_view prefix);

// The cases a reply names on its "Case: ID[, ID...]" lines, for a reply to a
// notification that spans cases (the digest): the ids on unquoted lines when
// there are any (what the member wrote), else those on quoted lines ("> Case:
// ...", what they replied to). In order of appearance, unique. One id means
// that case; none or several leave the reply ambiguous.
std::vector<std::string> cases_on_case_lines(std::string_view text, std::string_view prefix);

// Subject without reply/forward prefixes (Re:, Fwd:, Fw:, AW:, WG:, SV:, TR:,
// RE[2]:), [tags], case differences and runs of blanks.
std::string normalise_subject(std::string_view subject);

// Message-IDs to look up for threading: In-Reply-To first, then References
// newest first, unique.
std::vector<std::string> thread_candidates(const std::string& in_reply_to,
                                           const std::vector<std::string>& references);

}  // namespace embargo
