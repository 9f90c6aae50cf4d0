// Makes the due forge calls from the outbox ("forge:OWNER/REPO" items), in
// each case's order: a call runs only when the case's earlier forge calls
// have succeeded (or, but for the advisory's creation, were parked), so the
// advisory exists before anything is done to it. Same backoff and parking as
// mail, every outcome in the case's event log; separate from the mail
// sender, so a forge that is down never holds up mail.
#pragma once

#include <atomic>
#include <functional>

#include "core/config.hpp"
#include "core/time.hpp"
#include "daemon/outbox_sender.hpp"
#include "storage/database.hpp"

namespace embargo::daemon {

class Notifier;

struct ForgeStats {
    SendStats send;
    int mail_queued = 0;  // notifications the calls caused (the private-fork mail)
};

// `notifier` queues the private-fork mail; null (no keyring) leaves it out.
ForgeStats flush_forge(storage::Database& db, const Config& cfg, Notifier* notifier,
                       const std::function<TimePoint()>& now, const std::atomic<bool>& stop);

}  // namespace embargo::daemon
