// Rotation and threading rules (pure, clock as a parameter).
#include <catch2/catch.hpp>

#include "core/rotation.hpp"
#include "core/text.hpp"
#include "core/threading.hpp"

using namespace embargo;
using namespace std::chrono;

namespace {
std::vector<Member> team() {
    return {{"Alice", "alice@example.org", "A"},
            {"Bob", "bob@example.org", "B"},
            {"Carol", "carol@example.org", "C"}};
}
TimePoint at(const char* iso) {
    return *parse_iso8601(iso);
}
sys_days on(int y, unsigned m, unsigned d) {
    return sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}
}  // namespace

TEST_CASE("rotation starts with the first member and goes round") {
    auto m = team();
    TimePoint now = at("2026-11-24T10:00:00Z");
    CHECK(next_lead(m, {}, std::nullopt, std::nullopt, now) == 0u);
    CHECK(next_lead(m, {}, std::string("alice@example.org"), 0u, now) == 1u);
    CHECK(next_lead(m, {}, std::string("bob@example.org"), 1u, now) == 2u);
    CHECK(next_lead(m, {}, std::string("carol@example.org"), 2u, now) == 0u);
    CHECK(next_lead({}, {}, std::nullopt, std::nullopt, now) == std::nullopt);
}

TEST_CASE("rotation skips members who are away, both days included") {
    auto m = team();
    std::vector<Away> away = {{"bob@example.org", on(2026, 12, 20), on(2027, 1, 5)}};
    CHECK(next_lead(m, away, std::string("alice@example.org"), 0u, at("2026-12-19T23:59:59Z")) ==
          1u);
    CHECK(next_lead(m, away, std::string("alice@example.org"), 0u, at("2026-12-20T00:00:00Z")) ==
          2u);
    CHECK(next_lead(m, away, std::string("alice@example.org"), 0u, at("2027-01-05T23:59:59Z")) ==
          2u);
    CHECK(next_lead(m, away, std::string("alice@example.org"), 0u, at("2027-01-06T00:00:00Z")) ==
          1u);
    CHECK(is_away(away, "bob@example.org", at("2026-12-25T12:00:00Z")));
    CHECK_FALSE(is_away(away, "alice@example.org", at("2026-12-25T12:00:00Z")));
}

TEST_CASE("rotation with everybody away still names a lead") {
    auto m = team();
    std::vector<Away> away;
    for (const auto& x : m) away.push_back({x.email, on(2026, 1, 1), on(2026, 12, 31)});
    CHECK(next_lead(m, away, std::string("alice@example.org"), 0u, at("2026-06-01T00:00:00Z")) ==
          1u);
}

TEST_CASE("rotation survives a removed member by position") {
    auto m = team();
    // "dave" was lead at position 1 in an older config; he is gone now.
    CHECK(next_lead(m, {}, std::string("dave@example.org"), 1u, at("2026-11-24T10:00:00Z")) == 2u);
    CHECK(next_lead(m, {}, std::string("dave@example.org"), 7u, at("2026-11-24T10:00:00Z")) == 2u);
}

TEST_CASE("subject case tags") {
    CHECK(subject_case_tag("Re: [EMST-2026-0001] Heap overflow", "EMST") == "EMST-2026-0001");
    CHECK(subject_case_tag("[EMST-2026-12345] x", "EMST") == "EMST-2026-12345");
    CHECK_FALSE(subject_case_tag("EMST-2026-0001 no brackets", "EMST"));
    CHECK_FALSE(subject_case_tag("[EMST-2026-001] short", "EMST"));
    CHECK_FALSE(subject_case_tag("[XEMST-2026-0001]", "EMST"));
    CHECK_FALSE(subject_case_tag("[OTHER-2026-0001]", "EMST"));
    CHECK_FALSE(subject_case_tag("[EMST-2026-0000]", "EMST"));
    CHECK_FALSE(subject_case_tag("[", "EMST"));
}

TEST_CASE("case ids in text") {
    auto ids =
        case_ids_in_text("> Case: EMST-2026-0001\nsee EMST-2026-0002, EMST-2026-0001", "EMST");
    CHECK(ids == std::vector<std::string>{"EMST-2026-0001", "EMST-2026-0002"});
    CHECK(case_ids_in_text("XEMST-2026-0001 EMST-2026-00012a", "EMST").empty());
}

TEST_CASE("case lines: the member's own line wins over the quoted digest") {
    const std::string digest_quote =
        "> Case: EMST-2026-0001, EMST-2026-0002\n>\n> Daily digest ...\n";
    // Only the quote: both cases it lists.
    CHECK(cases_on_case_lines("/lead bob@example.org\n\n" + digest_quote, "EMST") ==
          std::vector<std::string>{"EMST-2026-0001", "EMST-2026-0002"});
    // The member names one: that one, whatever the quote says.
    CHECK(cases_on_case_lines("Case: EMST-2026-0002\n/lead bob@example.org\n" + digest_quote,
                              "EMST") == std::vector<std::string>{"EMST-2026-0002"});
    CHECK(cases_on_case_lines("  case:   EMST-2026-0002\r\n", "EMST") ==
          std::vector<std::string>{"EMST-2026-0002"});
    // A quoted single-case notice (nested quotes too) names its case.
    CHECK(cases_on_case_lines(">> Case: EMST-2026-0007\n", "EMST") ==
          std::vector<std::string>{"EMST-2026-0007"});
    // Two own lines naming different cases: ambiguous.
    CHECK(cases_on_case_lines("Case: EMST-2026-0001\nCase: EMST-2026-0003\n", "EMST").size() == 2);
    // Ids outside a Case: line, other prefixes and no lines at all name nothing.
    CHECK(cases_on_case_lines("about EMST-2026-0001\n/merge EMST-2026-0002\n", "EMST").empty());
    CHECK(cases_on_case_lines("Case: OTHER-2026-0001\n", "EMST").empty());
    CHECK(cases_on_case_lines("", "EMST").empty());
    CHECK(cases_on_case_lines("Case:", "EMST").empty());
}

TEST_CASE("subject normalisation") {
    CHECK(normalise_subject("Re: Fwd: [EMST-2026-0001]  Heap   Overflow ") == "heap overflow");
    CHECK(normalise_subject("RE[2]: AW: heap overflow") == "heap overflow");
    CHECK(normalise_subject("[SECURITY] Heap overflow") == "heap overflow");
    CHECK(normalise_subject("Regression in parser") == "regression in parser");
    CHECK(normalise_subject("") == "");
}

TEST_CASE("thread candidates: In-Reply-To, then newest reference") {
    auto c = thread_candidates("b@x", {"a@x", "b@x", "c@x"});
    CHECK(c == std::vector<std::string>{"b@x", "c@x", "a@x"});
}

TEST_CASE("case ids parse with four or more digits") {
    auto id = CaseId::parse("EMST-2026-0001", "EMST");
    REQUIRE(id);
    CHECK(id->year == 2026);
    CHECK(id->number == 1);
    CHECK(id->str() == "EMST-2026-0001");
    CHECK(CaseId::parse("EMST-2026-12345", "EMST")->str() == "EMST-2026-12345");
    CHECK_FALSE(CaseId::parse("EMST-2026-001", "EMST"));
    CHECK_FALSE(CaseId::parse("EMST-2026-0000", "EMST"));
    CHECK_FALSE(CaseId::parse("EMST-26-0001", "EMST"));
    CHECK_FALSE(CaseId::parse("OTHER-2026-0001", "EMST"));
}

TEST_CASE("subject normalisation is idempotent on what the fuzzer found") {
    for (std::string s : {"x [a" + std::string(70, ' ') + "b] y", std::string("re [tag]: x"),
                          std::string("Re: [EMST-2026-0001] Re: AW: [x] hello  world")}) {
        auto once = normalise_subject(s);
        CHECK(normalise_subject(once) == once);
    }
    CHECK(normalise_subject("re [tag]: x") == "x");
}

TEST_CASE("text helpers on 1 MiB of hostile input") {
    // Each of these was quadratic once; how fast they are now is measured by
    // bench/mime_bench.sh, not here.
    std::string amps(1 << 20, '&');
    std::string res(1 << 20, ' ');
    for (size_t i = 0; i + 3 < res.size(); i += 4) res.replace(i, 3, "re:");
    std::string brackets(1 << 20, '[');
    CHECK(html_to_text(amps).size() == amps.size());
    CHECK(normalise_subject(res).empty());
    CHECK(normalise_subject(brackets).size() == brackets.size());
    std::string ids;
    for (int i = 1; i < 20000; ++i) ids += "EMST-2026-" + std::to_string(10000 + i) + " ";
    CHECK(case_ids_in_text(ids, "EMST").size() == 19999);
}
