// Delivers due outbox items over SMTP: each is marked sent in its own small
// transaction right after the server accepted it, so only a crash between
// the two can resend it, once, under the same Message-ID.
#pragma once

#include <atomic>
#include <functional>

#include "core/time.hpp"
#include "storage/database.hpp"
#include "storage/outbox_store.hpp"

namespace embargo::smtp {
class Client;
}

namespace embargo::daemon {

struct SendStats {
    int sent = 0;
    int failed = 0;
    int parked = 0;
    long long backlog = 0;
    std::string last_error;
};

constexpr int kMaxSendAttempts = 12;

// Records a failed delivery of `item` (its own transaction: backoff, or
// parked when permanent or out of attempts), counts it and logs it. Shared by
// the mail and the chat sender so both follow one retry policy.
void record_send_failure(storage::Database& db, const storage::OutboxItem& item,
                         const std::string& error, bool permanent, TimePoint now, SendStats& stats);

SendStats flush_outbox(storage::Database& db, smtp::Client& smtp,
                       const std::function<TimePoint()>& now, const std::atomic<bool>& stop);

}  // namespace embargo::daemon
