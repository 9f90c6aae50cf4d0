// Forge jobs as outbox items: the request body of each call (what is sent,
// byte for byte) and queueing them for a case in the caller's transaction.
#pragma once

#include <string>
#include <vector>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/forge.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::daemon {

// The JSON body of a job's call: the draft advisory (neutral texts, the
// repository as an "other" package, which the API requires), the
// collaborating_users list, or "" for the bodiless fork and CVE requests.
std::string forge_request_body(const Case& c, const Config& cfg, const forge::Job& job);

// Queues `jobs` for case `c`, in order, as outbox items to
// "forge:OWNER/REPO". When the case has no advisory and none is queued (it
// was opened before [forge] was configured), its creation is queued first.
// Nothing when [forge] is off. Returns how many items were queued.
int queue_forge_jobs(storage::Database& db, const Config& cfg, const Case& c,
                     const std::vector<forge::Job>& jobs, TimePoint now);

}  // namespace embargo::daemon
