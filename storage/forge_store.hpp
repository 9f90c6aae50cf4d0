// The forge advisory recorded for each case ([forge]): its GHSA id and
// address as the forge answered them, and the private fork's address.
#pragma once

#include <optional>
#include <string>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::storage {

struct Advisory {
    std::string case_id;
    std::string repository;  // OWNER/REPO it was created in
    std::string ghsa_id;     // "GHSA-xxxx-xxxx-xxxx"
    std::string html_url;
    std::string fork_url;  // empty until a /fork succeeded
    TimePoint created_at{};
};

// Records the advisory created for a case (replacing an earlier record).
void save_advisory(Database& db, const Advisory& a);
std::optional<Advisory> advisory_of(Database& db, const std::string& case_id);
void set_fork_url(Database& db, const std::string& case_id, const std::string& url);

}  // namespace embargo::storage
