// `embargoctl check`: one line per check of configuration, database, keys,
// IMAP and SMTP; false when any failed.
#pragma once

#include <ostream>

#include "core/config.hpp"

namespace embargo::daemon {
bool run_checks(const Config& cfg, TimePoint now, std::ostream& out);
}
