// Schema migrations: an ordered list of SQL scripts; PRAGMA user_version
// records how many have been applied.
#pragma once

#include <string_view>
#include <vector>

namespace embargo::storage {
const std::vector<std::string_view>& migrations();
}
