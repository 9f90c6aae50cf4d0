// The `--json` shapes of SPEC section 7: cases, rotation, outbox, quarantine.
#pragma once

#include <nlohmann/json.hpp>

#include "core/case.hpp"
#include "core/config.hpp"
#include "storage/database.hpp"

namespace embargo::daemon {

// One case as in SPEC 7; `details` adds "events" and "message_list" (show).
nlohmann::ordered_json case_json(storage::Database& db, const Case& c, TimePoint now, bool details);
nlohmann::ordered_json rotation_json(storage::Database& db, const Config& cfg, TimePoint now);
nlohmann::ordered_json outbox_json(storage::Database& db);
nlohmann::ordered_json quarantine_json(storage::Database& db);

}  // namespace embargo::daemon
