// The deadline step of a cycle: reminders, escalations and the daily digest,
// each queued once (what was sent is stored in the same transaction).
#pragma once

#include "core/config.hpp"
#include "storage/database.hpp"

namespace embargo::crypto {
class Gpg;
}

namespace embargo::daemon {

class Notifier;

// Returns the number of outbox items queued.
int run_scheduler(storage::Database& db, const Config& cfg, Notifier& notifier, crypto::Gpg* gpg,
                  TimePoint now);

}  // namespace embargo::daemon
