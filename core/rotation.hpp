// Fix Lead rotation: round-robin over the members in configured order,
// skipping those away on the day. Pure: the clock and the remembered last
// lead are parameters, so restarts and config reloads keep it fair.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace embargo {

bool is_away(const std::vector<Away>& away, const std::string& email, TimePoint now);

// The member after `last_lead` in the configured order who is not away at
// `now`. When last_lead is no longer a member (config changed), rotation
// restarts after the position it had (`last_position`, clamped). When
// everybody is away, the next member in order is chosen anyway: a case must
// always have a lead. Returns the index into members; nullopt only when
// there are no members.
std::optional<std::size_t> next_lead(const std::vector<Member>& members,
                                     const std::vector<Away>& away,
                                     const std::optional<std::string>& last_lead,
                                     std::optional<std::size_t> last_position, TimePoint now);

}  // namespace embargo
