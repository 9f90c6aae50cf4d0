// Where the poller is in the mailbox (UIDVALIDITY, last UID) and the messages
// whose processing failed (retried, then quarantined).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::storage {

struct MailboxState {
    long long uidvalidity = 0;
    long long last_uid = 0;
};
std::optional<MailboxState> mailbox_state(Database& db, const std::string& mailbox);
void set_mailbox_state(Database& db, const std::string& mailbox, const MailboxState& s);

struct Failure {
    std::string mailbox;
    long long uidvalidity = 0;
    long long uid = 0;
    std::string message_id;
    int attempts = 0;
    std::string error;
    TimePoint first_failed_at{};
    TimePoint last_failed_at{};
    std::optional<TimePoint> quarantined_at;
};

// Records one more failed attempt; quarantines at `max_attempts`. Returns the
// updated record. Runs in its own transaction (the message's one rolled back).
Failure record_failure(Database& db, const std::string& mailbox, long long uidvalidity,
                       long long uid, const std::string& message_id, const std::string& error,
                       const std::string& raw, TimePoint now, int max_attempts);
// Failed, not yet quarantined messages to retry in this mailbox generation.
std::vector<Failure> pending_failures(Database& db, const std::string& mailbox,
                                      long long uidvalidity);
void clear_failure(Database& db, const std::string& mailbox, long long uidvalidity, long long uid);
std::vector<Failure> quarantined(Database& db);

// Small named values (rotation position, digest day, ...).
std::optional<std::string> kv_get(Database& db, const std::string& key);
void kv_set(Database& db, const std::string& key, const std::string& value);

}  // namespace embargo::storage
