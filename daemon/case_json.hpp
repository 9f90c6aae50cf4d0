// The `--json` shapes of SPEC section 7: cases, rotation, outbox, quarantine.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/case.hpp"
#include "core/config.hpp"
#include "storage/database.hpp"

namespace embargo::daemon {

// One case as in SPEC 7; `details` adds "events" and "message_list" (show).
nlohmann::ordered_json case_json(storage::Database& db, const Case& c, TimePoint now, bool details);
nlohmann::ordered_json rotation_json(storage::Database& db, const Config& cfg, TimePoint now);
nlohmann::ordered_json outbox_json(storage::Database& db);
nlohmann::ordered_json quarantine_json(storage::Database& db);

// A JSON array of strings for embargoctl's human output, the way systemctl
// and git print lists: "a, b, c", or "-" when empty (never raw JSON).
std::string human_list(const nlohmann::ordered_json& list);

}  // namespace embargo::daemon
