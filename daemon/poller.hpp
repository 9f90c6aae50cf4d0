// One poll of the mailbox: new UIDs since the remembered one (or a rescan
// after a UIDVALIDITY change), earlier failures retried, each message through
// the intake in its own transaction, failures recorded and quarantined.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/config.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::imap {
class Client;
}

namespace embargo::daemon {

class Intake;

struct PollStats {
    int fetched = 0;
    int processed = 0;
    int skipped = 0;  // already seen (rescan)
    int failed = 0;
    int quarantined = 0;
};

constexpr int kMaxAttempts = 3;

// Throws imap::ImapError when the mailbox cannot be used and
// storage::DatabaseUnavailable when the database cannot. `stop` is checked
// between messages: the message in hand is always finished.
PollStats poll_mailbox(imap::Client& imap, Intake& intake, storage::Database& db, const Config& cfg,
                       const std::function<TimePoint()>& now, const std::atomic<bool>& stop);

// The mailbox name of an IMAP URL (the path after the host), INBOX by default.
std::string mailbox_of_url(const std::string& url);

}  // namespace embargo::daemon
