// Round-robin lead selection.
#include "core/rotation.hpp"

namespace embargo {

bool is_away(const std::vector<Away>& away, const std::string& email, TimePoint now) {
    auto today = std::chrono::floor<std::chrono::days>(now);
    for (const auto& a : away)
        if (a.email == email && a.from <= today && today <= a.to) return true;
    return false;
}

std::optional<std::size_t> next_lead(const std::vector<Member>& members,
                                     const std::vector<Away>& away,
                                     const std::optional<std::string>& last_lead,
                                     std::optional<std::size_t> last_position, TimePoint now) {
    const std::size_t n = members.size();
    if (n == 0) return std::nullopt;
    // Start just after the last lead; a brand-new rotation starts at the first member.
    std::size_t start = 0;
    bool found = false;
    if (last_lead) {
        for (std::size_t i = 0; i < n; ++i)
            if (members[i].email == *last_lead) {
                start = (i + 1) % n;
                found = true;
            }
    }
    if (!found && last_position) start = (*last_position + 1) % n;
    if (!found && !last_position && last_lead) start = 0;
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t i = (start + k) % n;
        if (!is_away(away, members[i].email, now)) return i;
    }
    return start;
}

}  // namespace embargo
