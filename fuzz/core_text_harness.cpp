// Fuzz harness for the small text rules of the core: subject normalisation,
// case tags, case ids in text and HTML to text, all on the same bytes.
#include <algorithm>

#include "core/text.hpp"
#include "core/threading.hpp"
#include "fuzz/harness.hpp"

namespace embargo::fuzz {
namespace {

constexpr std::string_view kPrefix = "EMST";

bool is_case_id(std::string_view id) {
    // PREFIX-YYYY-NNNN...: the shape CaseId::parse accepts.
    if (id.substr(0, kPrefix.size()) != kPrefix || id.size() < kPrefix.size() + 10) return false;
    const std::string_view rest = id.substr(kPrefix.size());
    if (rest[0] != '-' || rest[5] != '-') return false;
    for (std::size_t i = 1; i < rest.size(); ++i)
        if (i != 5 && !(rest[i] >= '0' && rest[i] <= '9')) return false;
    return true;
}

}  // namespace

void fuzz_core_text(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = as_text(data, size);

    const std::string subject = normalise_subject(text);
    require(subject.size() <= text.size(), "core: normalised subject grew");
    require(normalise_subject(subject) == subject, "core: normalise_subject is not idempotent");

    if (const auto tag = subject_case_tag(text, kPrefix)) {
        require(is_case_id(*tag), "core: subject_case_tag returned no case id");
        require(text.find("[" + *tag + "]") != std::string_view::npos,
                "core: subject_case_tag returned a tag not in the subject");
    }

    const std::vector<std::string> ids = case_ids_in_text(text, kPrefix);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        require(is_case_id(ids[i]), "core: case_ids_in_text returned no case id");
        require(text.find(ids[i]) != std::string_view::npos,
                "core: case_ids_in_text returned an id not in the text");
        require(std::find(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i), ids[i]) ==
                    ids.begin() + static_cast<std::ptrdiff_t>(i),
                "core: case_ids_in_text returned an id twice");
    }

    // Every construct html_to_text rewrites gets shorter or stays as long.
    require(html_to_text(text).size() <= text.size(), "core: html_to_text output grew");
}

}  // namespace embargo::fuzz
